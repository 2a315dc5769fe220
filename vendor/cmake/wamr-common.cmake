# WAMR settings shared by the per-target toolchain files next to this one (see
# vendor/README.md), which include it.

# WAMR's C code optimised as WAMR's own CMakeLists would (-O3), not at the -O2 that the
# `cmake` crate picks for profiles with debug information.
include(${CMAKE_CURRENT_LIST_DIR}/wamr-optimization.cmake)

# WAMR's AOT loader (`.aot` apps). The `wamrx-sys` build hard-codes -DWAMR_BUILD_AOT=0 on the
# CMake command line: a cache entry forced from a toolchain file wins over it.
set(WAMR_BUILD_AOT 1 CACHE STRING "AOT loader (Xila: .aot apps)" FORCE)

# Our build-time patches to WAMR's sources: WAMR's `project(iwasm)` includes the file.
set(CMAKE_PROJECT_iwasm_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/wamr-patches.cmake")
