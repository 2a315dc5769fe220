//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use vm_core::{Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig};

/// The runtime with the system allocator (each test binary is its own process).
pub fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

/// Compiles WAT text to a module.
pub fn module(wat: &str) -> Module {
    let bytes = wat::parse_str(wat).expect("test WAT is valid");
    Module::from_bytes(runtime(), bytes).expect("test module loads")
}

/// Instantiates WAT text with no imports and default limits.
pub fn instance(wat: &str) -> Instance {
    instance_with(wat, &Linker::new(runtime()), Limits::default())
}

/// Instantiates a module that has no imports, with default limits.
pub fn instance_of(module: &Module) -> Instance {
    Instance::new(
        runtime(),
        module,
        &Linker::new(runtime()),
        Limits::default(),
        InstanceData::new(),
    )
    .expect("test module instantiates")
}

/// Instantiates WAT text with a linker and limits.
pub fn instance_with(wat: &str, linker: &Linker, limits: Limits) -> Instance {
    Instance::new(runtime(), &module(wat), linker, limits, InstanceData::new())
        .expect("test module instantiates")
}
