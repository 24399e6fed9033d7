# Engine tests; include()d from tests/model/CMakeLists.txt. The QtTest TU stays torch-free:
# the float64 reference and the tiny random models live in engine_reference.cpp.
gateau_add_test(test_engine
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine.cpp ${CMAKE_CURRENT_LIST_DIR}/engine_reference.cpp
  LIBS gateau_core)

# Prefill throughput / memory benchmark; run by hand (minutes), not by ctest.
add_executable(bench_engine ${CMAKE_CURRENT_LIST_DIR}/bench_engine.cpp)
target_link_libraries(bench_engine PRIVATE gateau_core)
