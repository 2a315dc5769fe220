# How hard the C compiler optimises WAMR. Included by `wamr-common.cmake` (our builds) and
# used on its own as the CMake toolchain file of the benchmark peers in `bench/peers`, so
# that both sides of `cargo xtask bench --compare` run the same compiled engine.
#
# WAMR's own CMakeLists builds as `Release` (-O3) when it is given no build type. The `cmake`
# crate under `wamrx-sys` always gives one: RelWithDebInfo (-O2) whenever the cargo profile
# keeps debug information, as our release profiles do (symbols for profiling). So this puts
# back the level WAMR is built with upstream; what it gains is measured in vendor/README.md.
# Debug builds (cargo's dev profile: CMake's Debug type) are left alone.
set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O3 -g -DNDEBUG"
    CACHE STRING "WAMR optimised as its own Release build (Xila: vendor/cmake)" FORCE)
