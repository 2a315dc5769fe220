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

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of a cargo config that sets `variable`.
    fn setting<'a>(config: &'a str, variable: &str) -> Option<&'a str> {
        config
            .lines()
            .find(|line| line.starts_with(&format!("{variable} =")))
    }

    #[test]
    fn the_variable_is_the_one_both_cargo_configs_set() {
        let root = crate::workspace_root();
        let main = std::fs::read_to_string(root.join(".cargo/config.toml")).unwrap();
        let peers = std::fs::read_to_string(root.join("bench/peers/.cargo/config.toml")).unwrap();
        let ours = setting(&main, HOST_TOOLCHAIN_FILE_VARIABLE).expect("set in .cargo/config.toml");
        assert!(
            ours.contains("\"vendor/cmake/x86_64-linux-gnu.cmake\""),
            "{ours}"
        );
        let theirs = setting(&peers, HOST_TOOLCHAIN_FILE_VARIABLE)
            .expect("set in bench/peers/.cargo/config.toml");
        assert!(
            theirs.contains("\"../../vendor/cmake/wamr-optimization.cmake\""),
            "{theirs}"
        );
        assert!(optimization_toolchain_file(&root).is_file());
    }
}
