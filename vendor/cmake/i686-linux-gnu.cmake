# i686 Linux cross build of WAMR (Debian's gcc-i686-linux-gnu) with the AOT loader. With a
# toolchain file the `cmake` crate no longer picks the compiler, so it is named here.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR i686)
set(CMAKE_C_COMPILER i686-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER i686-linux-gnu-gcc)
include(${CMAKE_CURRENT_LIST_DIR}/wamr-common.cmake)
