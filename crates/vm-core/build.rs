//! Tells the crate which optional WAMR C features the linked `wamrx-sys` was built with.
//!
//! Some WAMR options are not `wamrx-sys` cargo features but C defines passed through the
//! `CFLAGS` the `cmake`/`cc` crates forward to WAMR's build (see `vendor/README.md`). The same
//! environment reaches this script, so reading it here keeps the Rust side in step with the C
//! side: a function WAMR did not compile is never linked, and the API can say that a feature
//! is missing instead of failing to link or silently doing nothing.

use std::env;

/// `WASM_ENABLE_INSTRUCTION_METERING`: the per-call instruction budget.
const METERING_DEFINE: &str = "WASM_ENABLE_INSTRUCTION_METERING";
/// `WASM_MEM_ALLOC_WITH_USAGE`: linear memories come from the runtime's allocator.
const ALLOC_WITH_USAGE_DEFINE: &str = "WASM_MEM_ALLOC_WITH_USAGE";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wamr_instruction_metering)");
    let target = env::var("TARGET").unwrap_or_default();
    let host = env::var("HOST").unwrap_or_default();
    let c_flags = wamr_c_flags(&target, &host);
    if defines(&c_flags, METERING_DEFINE) {
        println!("cargo::rustc-cfg=wamr_instruction_metering");
    }
    if env::var_os("CARGO_FEATURE_ENGINE").is_some() && !defines(&c_flags, ALLOC_WITH_USAGE_DEFINE)
    {
        println!(
            "cargo::warning=WAMR is built without -D{ALLOC_WITH_USAGE_DEFINE}=1: linear memories \
             bypass the runtime's allocator, so `Allocator::Pool` does not bound them \
             (see vendor/README.md)"
        );
    }
}

/// The C flags the `cc` crate hands to WAMR's build for `target`: like `cc` (1.11), every
/// variable that is set, from the most general to the most specific, so a later definition
/// overrides an earlier one.
fn wamr_c_flags(target: &str, host: &str) -> String {
    let kind = if target == host { "HOST" } else { "TARGET" };
    let underscored = target.replace(['-', '.'], "_");
    let names = [
        String::from("CFLAGS"),
        format!("{kind}_CFLAGS"),
        format!("CFLAGS_{underscored}"),
        format!("CFLAGS_{target}"),
    ];
    let mut flags = String::new();
    for name in &names {
        println!("cargo::rerun-if-env-changed={name}");
        if let Ok(value) = env::var(name) {
            flags.push(' ');
            flags.push_str(&value);
        }
    }
    flags
}

/// Whether `flags` leave `name` defined to a non-zero value (`-DNAME`, `-DNAME=1`); the last
/// definition wins, as on a C compiler's command line.
fn defines(flags: &str, name: &str) -> bool {
    flags
        .split_whitespace()
        .rev()
        .filter_map(|flag| flag.strip_prefix("-D"))
        .find_map(|definition| match definition.split_once('=') {
            Some((defined, value)) => (defined == name).then_some(value != "0"),
            None => (definition == name).then_some(true),
        })
        .unwrap_or(false)
}
