//! Links `xila-vm` with the functions that runs need laid out first, on x86-64 Linux.
//!
//! `link/xila-vm.order` (written by `cargo xtask link-order`) lists the functions that the
//! benchmark workloads run, hottest first. lld, the linker Rust uses for this target, places
//! them at the start of `.text`, so a run faults in that packed part of the binary instead of
//! pages all over it. Names missing from the binary (after a dependency or compiler update)
//! are skipped quietly; `cargo xtask bench --compare` says when too many are.
//!
//! Other targets, and builds that turn lld off with `-C linker-features=-lld`, link as
//! usual: GNU ld has no symbol ordering file.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/xila-vm.order");
    let target = env::var("TARGET").unwrap_or_default();
    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if target != "x86_64-unknown-linux-gnu" || rustflags.contains("linker-features") {
        return;
    }
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let order = Path::new(&manifest_dir).join("link").join("xila-vm.order");
    if !order.is_file() {
        return;
    }
    println!(
        "cargo:rustc-link-arg-bin=xila-vm=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    println!("cargo:rustc-link-arg-bin=xila-vm=-Wl,--no-warn-symbol-ordering");
}
