# Transformer forward engine on libtorch; include()d from core/model/CMakeLists.txt.
# Debian's libtorch-dev installs TorchConfig.cmake in /usr/lib/x86_64-linux-gnu/cmake/Torch,
# which find_package searches by default; for a LibTorch 2.x download pass
# -DTorch_DIR=<libtorch>/share/cmake/Torch (or CMAKE_PREFIX_PATH=<libtorch>).
# GLOBAL: gateau_core links torch PUBLIC, so its imported targets must be visible from
# every directory that links gateau_core (tests, app), not just this one.
find_package(Torch REQUIRED GLOBAL)

# The torch-heavy sources build in their own OBJECT library so that only they carry the
# ATen precompiled header (PCH is per target; the rest of gateau_core does not pay for it).
add_library(gateau_engine_obj OBJECT
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/engine_forward.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rope.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_weights.cpp
  ${CMAKE_CURRENT_LIST_DIR}/matmul_peak.cpp)
target_include_directories(gateau_engine_obj PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(gateau_engine_obj PRIVATE torch)
set_target_properties(gateau_engine_obj PROPERTIES POSITION_INDEPENDENT_CODE ON AUTOMOC OFF)
target_precompile_headers(gateau_engine_obj PRIVATE <ATen/ATen.h>)

target_sources(gateau_core PRIVATE
  $<TARGET_OBJECTS:gateau_engine_obj>
  ${CMAKE_CURRENT_LIST_DIR}/device.cpp)
# PUBLIC: users of gateau_core that build tensors (loader, tests, benchmark) need the
# include paths; the engine's public header itself stays torch-free.
target_link_libraries(gateau_core PUBLIC ${TORCH_LIBRARIES})
