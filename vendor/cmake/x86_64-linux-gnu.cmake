# x86_64 Linux host build of WAMR with the AOT loader. The `cmake` crate leaves the compiler
# choice to a toolchain file once one is given; on the host CMake's default compiler is right.
include(${CMAKE_CURRENT_LIST_DIR}/wamr-aot.cmake)
