//! How the main workspace hands WAMR's CMake build its settings, for the xtask steps that
//! build WAMR another way (without our patches, or as the benchmark peers).

use std::path::{Path, PathBuf};

/// The variable through which `.cargo/config.toml` gives WAMR's CMake build our toolchain
/// file on x86-64 Linux (patches, AOT loader, optimisation level); empty, the build uses none.
/// Cargo passes its `[env]` on to `cargo xtask`, so commands that xtask starts inherit it.
pub const HOST_TOOLCHAIN_FILE_VARIABLE: &str = "CMAKE_TOOLCHAIN_FILE_x86_64_unknown_linux_gnu";

/// The toolchain file that only sets WAMR's optimisation level: what the benchmark peers
/// share with our build.
pub fn optimization_toolchain_file(root: &Path) -> PathBuf {
    root.join("vendor")
        .join("cmake")
        .join("wamr-optimization.cmake")
}
