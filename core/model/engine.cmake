# Transformer forward engine on libtorch; include()d from core/model/CMakeLists.txt.
# GATEAU_TORCH=debian: Debian's libtorch-dev (TorchConfig.cmake in
# /usr/lib/x86_64-linux-gnu/cmake/Torch, a default search path).
# GATEAU_TORCH=pypi: the LibTorch inside the pinned torch wheel (packaging/torch-pypi.txt) in
# the venv GATEAU_VENV, installed by packaging/torch-venv.sh; its CMake files sit where the
# wheel's torch.utils.cmake_prefix_path says. That wheel is a CUDA build: its config needs
# the CUDA toolkit's nvcc at configure time (nothing here is compiled by it).
# GLOBAL: gateau_core links torch PUBLIC, so its imported targets must be visible from
# every directory that links gateau_core (tests, app), not just this one.
if(GATEAU_TORCH STREQUAL "pypi")
  if(DEFINED ENV{GATEAU_VENV})
    set(_venv_default "$ENV{GATEAU_VENV}")
  else()
    set(_venv_default "$ENV{HOME}/.local/share/gateau/torch-venv")
  endif()
  set(GATEAU_VENV "${_venv_default}" CACHE PATH "venv holding the pinned torch wheel (GATEAU_TORCH=pypi)")
  execute_process(
    COMMAND "${GATEAU_VENV}/bin/python" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _torch_prefix RESULT_VARIABLE _torch_rc ERROR_VARIABLE _torch_err
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR "GATEAU_TORCH=pypi: no torch in the venv ${GATEAU_VENV} ${_torch_err}\n"
                        "Install it with: bash packaging/torch-venv.sh   "
                        "(or GATEAU_TORCH=pypi bash packaging/setup.sh build)")
  endif()
  # The wheel's root (torch/) first in the prefix path: its TorchConfig finds Caffe2 and its
  # libraries with PATHS hints, which CMake searches only after /usr (Debian's libtorch).
  get_filename_component(_torch_root "${_torch_prefix}/../.." ABSOLUTE)
  list(PREPEND CMAKE_PREFIX_PATH "${_torch_root}")
  # Its config enables CUDA in the dialect of CMAKE_CXX_STANDARD (20), which CMake 3.25 does
  # not know for nvcc; nothing here is compiled as CUDA.
  set(CMAKE_CUDA_STANDARD 17)
  find_package(Torch REQUIRED GLOBAL PATHS "${_torch_prefix}" NO_DEFAULT_PATH)
  include(${CMAKE_CURRENT_LIST_DIR}/torch_wheel_libs.cmake)
  # The wheel's include folder also holds its own fmt (12.x), which would shadow Debian's
  # (9.x, what spdlog and libfmt are built with) in every file that sees torch's include
  # path. The targets get a copy of that folder made of links, without fmt/; the torch
  # headers the engine includes do not use fmt.
  set(_torch_inc "${TORCH_INSTALL_PREFIX}/include")
  set(_torch_inc_nofmt "${CMAKE_BINARY_DIR}/torch-include")
  file(REMOVE_RECURSE "${_torch_inc_nofmt}")
  file(MAKE_DIRECTORY "${_torch_inc_nofmt}")
  file(GLOB _torch_inc_entries RELATIVE "${_torch_inc}" "${_torch_inc}/*")
  list(REMOVE_ITEM _torch_inc_entries fmt)
  foreach(_e IN LISTS _torch_inc_entries)
    file(CREATE_LINK "${_torch_inc}/${_e}" "${_torch_inc_nofmt}/${_e}" SYMBOLIC)
  endforeach()
  foreach(_t headeronly c10 c10_cuda torch_cpu torch_cuda torch)
    if(TARGET ${_t})
      get_target_property(_dirs ${_t} INTERFACE_INCLUDE_DIRECTORIES)
      if(_dirs)
        string(REPLACE "${_torch_inc}" "${_torch_inc_nofmt}" _dirs "${_dirs}")
        set_target_properties(${_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_dirs}")
      endif()
    endif()
  endforeach()
elseif(GATEAU_TORCH STREQUAL "debian")
  find_package(Torch REQUIRED GLOBAL)
else()
  message(FATAL_ERROR "GATEAU_TORCH is '${GATEAU_TORCH}': expected debian or pypi")
endif()
# Debian's fmt, spdlog and Qt use the C++11 string ABI; a LibTorch built with the old one
# (older PyPI wheels) cannot link with them.
if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
  message(FATAL_ERROR "${TORCH_INSTALL_PREFIX} uses the pre-C++11 string ABI "
                      "(${TORCH_CXX_FLAGS}); Debian's fmt/spdlog/Qt need the new one")
endif()
message(STATUS "LibTorch ${Torch_VERSION} (${GATEAU_TORCH}) from ${TORCH_INSTALL_PREFIX}")
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
