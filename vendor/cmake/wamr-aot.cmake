# Turns on WAMR's AOT loader in the `wamrx-sys` build, which hard-codes -DWAMR_BUILD_AOT=0 on
# the CMake command line: a cache entry forced from a toolchain file wins over it. Included by
# the per-target toolchain files next to this one (see vendor/README.md).
set(WAMR_BUILD_AOT 1 CACHE STRING "AOT loader (Xila: .aot apps)" FORCE)
