//! The pool allocator: all VM memory, linear memories included, comes from one fixed budget,
//! and running out of it is an error, not a crash.

use vm_core::{
    Allocator, Instance, InstanceData, InstantiationError, Limits, Linker, LoadErrorKind, Module,
    Runtime, RuntimeConfig, RuntimeError, Value,
};

const POOL_SIZE: usize = 2 * 1024 * 1024;
const PAGE: usize = 65_536;

fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(|| RuntimeConfig {
        allocator: Allocator::Pool { size: POOL_SIZE },
        ..RuntimeConfig::default()
    })
    .unwrap()
}

fn load(wat: &str) -> Module {
    Module::from_bytes(runtime(), wat::parse_str(wat).unwrap()).unwrap()
}

fn instantiate(module: &Module) -> Result<Instance, InstantiationError> {
    Instance::new(
        runtime(),
        module,
        &Linker::new(runtime()),
        Limits::default(),
        InstanceData::new(),
    )
}

// One test function: the pool is shared, so parallel tests would disturb each other's counts.
#[test]
fn the_pool_holds_all_vm_memory_and_fails_cleanly_when_exhausted() {
    let runtime = runtime();
    assert_eq!(runtime.memory_usage().capacity, Some(POOL_SIZE));
    let before = runtime.memory_usage().in_use;

    let module = load(
        r#"(module (memory 4)
        (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    let mut instance = instantiate(&module).unwrap();
    // The four pages of linear memory come out of the pool.
    assert!(runtime.memory_usage().in_use >= before + 4 * PAGE);
    // Growing past what the pool holds fails inside the guest (-1), it does not crash.
    assert_eq!(
        instance.call("grow", &[Value::I32(64)]).unwrap(),
        vec![Value::I32(-1)]
    );
    assert_eq!(
        instance.call("grow", &[Value::I32(1)]).unwrap(),
        vec![Value::I32(4)]
    );
    drop(instance);
    drop(module);
    assert_eq!(
        runtime.memory_usage().in_use,
        before,
        "everything went back to the pool"
    );

    // 64 pages = 4 MiB of linear memory cannot fit a 2 MiB pool.
    let result = instantiate(&load("(module (memory 64))"));
    assert!(
        matches!(result, Err(InstantiationError::Wamr(_))),
        "{result:?}"
    );
    // A read-only module's data segments are copied into the pool at load: one bigger than
    // the pool does not even load.
    let huge = wat::parse_str(format!(
        r#"(module (memory 64) (data (i32.const 0) "{}"))"#,
        "x".repeat(POOL_SIZE)
    ))
    .unwrap();
    let error = Module::from_static(runtime, Vec::leak(huge)).unwrap_err();
    assert_eq!(error.kind, LoadErrorKind::OutOfMemory, "{error}");
    assert_eq!(runtime.memory_usage().in_use, before);
    assert!(runtime.memory_usage().peak >= before + 5 * PAGE);

    assert_eq!(
        Runtime::initialize(RuntimeConfig::default()).unwrap_err(),
        RuntimeError::AlreadyInitialized
    );
}
