# Engine tests; include()d from tests/model/CMakeLists.txt. The QtTest TU stays torch-free:
# the float64 reference and the tiny random models live in engine_reference.cpp.
gateau_add_test(test_engine
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_engine.cpp ${CMAKE_CURRENT_LIST_DIR}/engine_reference.cpp
  LIBS gateau_core)

# Prefill throughput / memory benchmark; run by hand (minutes), not by ctest.
add_executable(bench_engine ${CMAKE_CURRENT_LIST_DIR}/bench_engine.cpp)
target_link_libraries(bench_engine PRIVATE gateau_core)

# The engine on a GPU against the engine on the CPU, plus device speed and memory; built
# standalone on GPU machines (packaging/gpu-check/). Here: a CPU smoke run, so it keeps
# building and its checks keep passing.
add_executable(gpu_check ${CMAKE_CURRENT_LIST_DIR}/gpu_check.cpp)
target_link_libraries(gpu_check PRIVATE gateau_core)
gateau_test_needs(gpu_check)
add_test(NAME gpu_check_cpu COMMAND gpu_check --device cpu --lengths 512 --bench-layers 2)
# CUDA builds (GATEAU_TORCH=pypi) also compile its device-memory statistics.
if(TARGET torch_cuda)
  target_compile_definitions(gpu_check PRIVATE GATEAU_CUDA_MEMORY_STATS)
endif()

# Loading at real size: writes a 2.5 GB Llama-3.2-1B-shaped bf16 checkpoint, reports load and
# first-forward times and resident memory (mapped vs copied); run by hand under nice.
add_executable(bench_load ${CMAKE_CURRENT_LIST_DIR}/bench_load.cpp)
target_link_libraries(bench_load PRIVATE gateau_core nlohmann_json::nlohmann_json)
