# x86_64 Linux host build of WAMR with the AOT loader. The `cmake` crate leaves the compiler
# choice to a toolchain file once one is given; on the host CMake's default compiler is right.
include(${CMAKE_CURRENT_LIST_DIR}/wamr-common.cmake)

# WAMR writes each linear memory's base to the GS register on every call into wasm, for AOT
# code compiled with "segue" addressing, and decides at build time whether to by running
# `wrgsbase` on the build machine. Our AOT files never use segue (`xila-aotc` does not enable
# it; measured on the CPU workloads: -5 % to +3 %, and unsafe with WAMR 2.4.3, which neither
# restores GS after a nested call nor rewrites it when `memory.grow` moves memory allocated
# through the runtime allocator). So it is off: the binary then also runs where the CPU or
# kernel (Linux < 5.9) lacks FSGSBASE, and under valgrind.
set(WAMR_DISABLE_WRITE_GS_BASE 1 CACHE STRING "no GS base writes (Xila: no segue AOT code)" FORCE)
