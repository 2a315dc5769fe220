//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

#[cfg(feature = "std")]
pub mod wasi_guests;

use virtual_machine::{Allocator, Builder, Module, VirtualMachine};

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
