//! Code that WAMR would run inside instantiation — the start function and the exports it
//! calls by name — runs under the instance's limits, or not at all.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{module, runtime};
use vm_core::{
    CallError, ExternKind, Instance, InstanceData, InstantiationError, Limits, Linker, Module,
    StopHandle, TrapKind, Value,
};

#[cfg(wamr_instruction_metering)]
fn budgeted() -> Limits {
    Limits {
        instruction_budget: Some(1_000_000),
        ..Limits::default()
    }
}

fn instantiate(
    module: &Module,
    linker: &Linker,
    limits: Limits,
) -> Result<Instance, InstantiationError> {
    Instance::new(runtime(), module, linker, limits, InstanceData::new())
}

/// Instantiates `wat` without host functions, under `stop`.
fn stoppable(wat: &str, stop: &StopHandle) -> Result<Instance, InstantiationError> {
    Instance::with_stop_handle(
        runtime(),
        &module(wat),
        &Linker::new(runtime()),
        Limits::default(),
        InstanceData::new(),
        stop,
    )
}

fn start_failure(result: Result<Instance, InstantiationError>) -> CallError {
    match result {
        Err(InstantiationError::Start(error)) => *error,
        other => panic!("expected a start failure, got {other:?}"),
    }
}

#[test]
fn an_endless_start_function_is_stopped_by_its_stop_handle() {
    let wat = r#"(module (func $spin (loop $again (br $again))) (start $spin))"#;
    let stop = StopHandle::new();
    let stopper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            stop.stop()
        })
    };
    let result = stoppable(wat, &stop);
    let error = start_failure(result);
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Terminated)
    );
    // The instance was destroyed with the failed instantiation: the handle says so.
    assert!(stopper.join().unwrap());
    assert!(!stop.stop());
}

#[test]
fn a_stop_requested_before_instantiation_ends_the_start_function() {
    let wat = r#"(module (func $spin (loop $again (br $again))) (start $spin))"#;
    let stop = StopHandle::new();
    assert!(stop.stop());
    let result = stoppable(wat, &stop);
    assert_eq!(
        start_failure(result).trap().map(|trap| trap.kind()),
        Some(TrapKind::Terminated)
    );
}

#[test]
fn a_stop_handle_serves_one_instance_only() {
    let wat = r#"(module (func (export "ok")))"#;
    let stop = StopHandle::new();
    let attach = || stoppable(wat, &stop);
    let first = attach().unwrap();
    assert!(matches!(attach(), Err(InstantiationError::StopHandleInUse)));
    drop(first);
    assert!(matches!(attach(), Err(InstantiationError::StopHandleInUse)));
}

#[test]
#[cfg(wamr_instruction_metering)]
fn an_endless_start_function_is_stopped_by_the_budget() {
    let wat = r#"(module (func $spin (loop $again (br $again))) (start $spin))"#;
    let error = start_failure(instantiate(
        &module(wat),
        &Linker::new(runtime()),
        budgeted(),
    ));
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::BudgetExhausted)
    );
}

#[test]
fn the_start_function_runs_once_before_anything_else() {
    let wat = r#"(module
        (global $runs (mut i32) (i32.const 0))
        (memory 1) (data (i32.const 0) "\05")
        (func $start
            (global.set $runs (i32.add (global.get $runs) (i32.load8_u (i32.const 0)))))
        (start $start)
        (func (export "runs") (result i32) (global.get $runs)))"#;
    let shared = module(wat);
    for _ in 0..2 {
        let mut instance =
            instantiate(&shared, &Linker::new(runtime()), Limits::default()).unwrap();
        // The data segment was in place when it ran, and it ran exactly once per instance.
        assert_eq!(instance.call("runs", &[]).unwrap(), vec![Value::I32(5)]);
    }
    let names: Vec<String> = shared
        .exports()
        .into_iter()
        .map(|export| export.name)
        .collect();
    assert_eq!(names, ["runs"], "the moved start function is not an export");
}

#[test]
fn a_trapping_start_function_fails_instantiation() {
    let wat = r#"(module (func $boom unreachable) (start $boom))"#;
    let error = start_failure(instantiate(
        &module(wat),
        &Linker::new(runtime()),
        Limits::default(),
    ));
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Unreachable)
    );
}

#[test]
fn a_start_function_can_call_host_functions() {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    let mut linker = Linker::new(runtime());
    linker
        .define("test", "started", move |_context, (): ()| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
    let wat = r#"(module (import "test" "started" (func $started)) (start $started))"#;
    instantiate(&module(wat), &linker, Limits::default()).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn exports_wamr_would_call_during_instantiation_are_not_called() {
    let wat = r#"(module
        (func (export "__wasm_call_ctors") (loop $again (br $again)))
        (func (export "__post_instantiate") unreachable)
        (func (export "ok") (result i32) (i32.const 1)))"#;
    let module = module(wat);
    let names: Vec<String> = module
        .exports()
        .into_iter()
        .map(|export| export.name)
        .collect();
    assert_eq!(names, ["__wasm_call_ctors", "__post_instantiate", "ok"]);
    assert!(matches!(
        module.exports()[0].kind,
        ExternKind::Function(Ok(_))
    ));
    let mut instance = instantiate(&module, &Linker::new(runtime()), Limits::default()).unwrap();
    assert_eq!(instance.call("ok", &[]).unwrap(), vec![Value::I32(1)]);
    // Still callable by the embedder under their own names, and stoppable like any call.
    let stop = instance.stop_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stop.stop()
    });
    let error = instance.call("__wasm_call_ctors", &[]).unwrap_err();
    assert!(stopper.join().unwrap());
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Terminated)
    );
}

#[test]
fn a_read_only_module_with_a_start_function_is_copied_and_runs() {
    let wat = r#"(module (global $ran (mut i32) (i32.const 0))
        (func $start (global.set $ran (i32.const 1))) (start $start)
        (func (export "ran") (result i32) (global.get $ran)))"#;
    let bytes: &'static [u8] = Vec::leak(wat::parse_str(wat).unwrap());
    let before = bytes.to_vec();
    let module = Module::from_static(runtime(), bytes).unwrap();
    let mut instance = instantiate(&module, &Linker::new(runtime()), Limits::default()).unwrap();
    assert_eq!(instance.call("ran", &[]).unwrap(), vec![Value::I32(1)]);
    assert_eq!(bytes, before.as_slice());
}
