//! Guard: WAMR must be built as shipped upstream, without the main workspace's extra C
//! defines or its CMake toolchain file (our patches, the AOT loader). Cargo applies the `[env]`
//! of every `.cargo/config.toml` from the *current directory* upwards, so
//! `cargo build --manifest-path bench/peers/Cargo.toml` run from the repository root would
//! hand WAMR the main workspace's settings. Build scripts see the same environment as
//! `wamrx-sys`'s, so refuse such a build here. The one toolchain file allowed is
//! `vendor/cmake/wamr-optimization.cmake`, which only sets the optimisation level.

use std::path::{Path, PathBuf};

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let underscored = target.replace('-', "_");
    for name in [
        String::from("CFLAGS"),
        String::from("TARGET_CFLAGS"),
        format!("CFLAGS_{target}"),
        format!("CFLAGS_{underscored}"),
    ] {
        println!("cargo:rerun-if-env-changed={name}");
        if let Ok(value) = std::env::var(&name)
            && (value.contains("WASM_") || value.contains("WAMR_"))
        {
            refuse(&name, &value, "clears CFLAGS");
        }
    }

    // The names the `cmake` crate reads, most specific first.
    let allowed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../vendor/cmake/wamr-optimization.cmake");
    let allowed = canonical(&allowed);
    for name in [
        format!("CMAKE_TOOLCHAIN_FILE_{target}"),
        format!("CMAKE_TOOLCHAIN_FILE_{underscored}"),
        String::from("TARGET_CMAKE_TOOLCHAIN_FILE"),
        String::from("CMAKE_TOOLCHAIN_FILE"),
    ] {
        println!("cargo:rerun-if-env-changed={name}");
        if let Ok(value) = std::env::var(&name)
            && !value.is_empty()
            && canonical(Path::new(&value)) != allowed
        {
            refuse(&name, &value, "sets the toolchain file");
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn refuse(name: &str, value: &str, what_our_config_does: &str) -> ! {
    panic!(
        "{name}={value:?} would change WAMR's build; build the peer runners with the current \
         directory inside bench/peers (its .cargo/config.toml {what_our_config_does}) and \
         without that variable in the environment"
    );
}
