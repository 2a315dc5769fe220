//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

#[cfg(feature = "std")]
pub mod wasi_guests;

use virtual_machine::{Allocator, Builder, Module, VirtualMachine};

/// Builds the guest workspace at `workspace_directory` (relative to ours, e.g.
/// `tests/wasi-guests`) for `wasm32-wasip1` in release mode, into `target/<target_name>`, and
/// returns the directory of the built modules. Cargo runs from inside the guest workspace so
/// its `.cargo/config.toml` (memory layout, stack size) applies.
#[cfg(feature = "std")]
pub fn build_guest_workspace(workspace_directory: &str, target_name: &str) -> std::path::PathBuf {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = workspace.join("target").join(target_name);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(workspace.join(workspace_directory))
        .args(["build", "--release", "--quiet", "--target", "wasm32-wasip1"])
        .arg("--target-dir")
        .arg(&target)
        // The outer build's flags are for the host, not for wasm32.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .expect("cargo starts");
    assert!(
        status.success(),
        "building {workspace_directory} failed; is the target installed? \
         `rustup target add wasm32-wasip1`"
    );
    target.join("wasm32-wasip1/release")
}

/// A builder with the system allocator: the runtime is process-wide and every test of a
/// binary shares it, so all of them must ask for the same allocator.
pub fn builder() -> Builder {
    VirtualMachine::builder().allocator(Allocator::System)
}

/// A VM with default limits and no host functions.
pub fn vm() -> VirtualMachine {
    builder().build().expect("the VM builds")
}

/// Compiles WAT text and loads it.
pub fn module(vm: &VirtualMachine, wat: &str) -> Module {
    vm.load(wat::parse_str(wat).expect("test WAT is valid"))
        .expect("test module loads")
}

/// A guest that never returns.
pub const SPIN: &str = r#"(module (func (export "_start") (loop $again (br $again))))"#;
