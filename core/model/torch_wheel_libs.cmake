# A PyPI torch wheel's CUDA libraries are further wheels beside it (site-packages/nvidia/*/lib),
# found by libtorch_cuda's own $ORIGIN run path. The wheel's CMake files also link the CUDA
# toolkit's libraries (/usr/local/cuda/lib) and put that folder in the run path, where
# older copies of the same sonames live (NCCL): the link then fails on missing symbols and
# a run could load a mix. Included by core/model/engine.cmake and packaging/gpu-check/
# after find_package(Torch): the wheel's folders go first, for the linker and at run time.
file(GLOB _gateau_nv_libs LIST_DIRECTORIES true "${TORCH_INSTALL_PREFIX}/../nvidia/*/lib")
foreach(_d IN LISTS _gateau_nv_libs)
  get_filename_component(_d "${_d}" ABSOLUTE)
  set_property(TARGET torch APPEND PROPERTY INTERFACE_LINK_OPTIONS "LINKER:-rpath-link,${_d}" "LINKER:-rpath,${_d}")
endforeach()
