//! WAMR is built with the project's build-time patches (`vendor/cmake/wamr-patches.cmake`).
//!
//! They change no behaviour (the other tests cover that); without them host calls only get
//! slower. This test makes their absence loud: it links against the marker symbol the patches
//! add to WAMR, so it does not build when they were not applied. Only on the targets whose
//! CMake toolchain files (`vendor/cmake/`, named in `.cargo/config.toml`) include the patches.
//! An undefined `xila_wamr_patched` in an existing checkout means a WAMR built before the
//! patches changed: cargo does not rebuild it for that, `cargo clean -p wamrx-sys` does.
#![cfg(all(
    target_os = "linux",
    target_env = "gnu",
    any(target_arch = "x86_64", target_arch = "x86", target_arch = "riscv64")
))]

// Links vm-core, and with it WAMR, into this test, which uses nothing else of it.
extern crate vm_core;

unsafe extern "C" {
    /// Defined by the patched copy of WAMR's `wasm_runtime_common.c`.
    static xila_wamr_patched: u8;
}

#[test]
fn wamr_is_built_with_the_project_patches() {
    // SAFETY: a constant byte defined in WAMR's C code, never written.
    assert_eq!(unsafe { xila_wamr_patched }, 1);
}
