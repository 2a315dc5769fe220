//! Timeouts (`std`): a watchdog stops runs that take too long, and never outlives a run.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{SPIN, builder, module, vm};
use virtual_machine::host::host::{OsRandom, SystemClock, ThreadTask};
use virtual_machine::wasi::WasiContext;
use virtual_machine::{Error, ExitStatus, FailureClass, RunOptions, Value};

#[test]
fn a_timeout_stops_an_infinite_loop() {
    let vm = vm();
    let app = module(&vm, SPIN);
    let after = Duration::from_millis(100);
    let started = Instant::now();
    let error = vm.run(&app, &RunOptions::new().timeout(after)).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, Error::Timeout { after: reported } if reported == after),
        "{error:?}"
    );
    assert_eq!(error.class(), FailureClass::Timeout);
    assert_eq!(error.to_string(), "timed out after 100ms");
    assert!(elapsed >= after, "stopped early, after {elapsed:?}");
    assert!(elapsed < Duration::from_millis(900), "took {elapsed:?}");
}

/// A guest that does nothing but call the host: the stop comes from the watchdog thread while
/// the guest thread checks for a pending exception after every host call (answered without a
/// lock while none is pending in our WAMR build, see vendor/README.md), so each run races the
/// two. A half-written stop message would come out as an unnamed trap, not a timeout.
#[test]
fn a_timeout_stops_a_loop_of_host_calls() {
    let vm = builder().wasi().build().unwrap();
    let app = module(
        &vm,
        r#"(module
            (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
            (memory (export "memory") 1)
            (func (export "_start") (loop $again (drop (call $yield)) (br $again))))"#,
    );
    for _ in 0..20 {
        let after = Duration::from_millis(10);
        let started = Instant::now();
        let options = RunOptions::new()
            .wasi(|| {
                WasiContext::builder()
                    .clock(Arc::new(SystemClock))
                    .random(Arc::new(OsRandom))
                    .task(Arc::new(ThreadTask))
                    .build()
                    .expect("WASI context")
            })
            .timeout(after);
        let error = vm.run(&app, &options).unwrap_err();
        assert!(
            matches!(error, Error::Timeout { after: reported } if reported == after),
            "{error:?}"
        );
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_millis(900), "took {elapsed:?}");
    }
}

#[test]
fn invoke_honours_the_timeout_too() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (func (export "spin") (param i32) (result i32) (loop $again (br $again)) (local.get 0)))"#,
    );
    let options = RunOptions::new().timeout(Duration::from_millis(50));
    let error = vm
        .invoke_with(&app, "spin", &[Value::I32(1)], &options)
        .unwrap_err();
    assert_eq!(error.class(), FailureClass::Timeout);
}

#[test]
fn the_timeout_covers_the_start_function() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (func $spin (loop $again (br $again))) (start $spin) (func (export "_start")))"#,
    );
    let after = Duration::from_millis(50);
    let error = vm.run(&app, &RunOptions::new().timeout(after)).unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    let error = vm
        .invoke_with(&app, "_start", &[], &RunOptions::new().timeout(after))
        .unwrap_err();
    assert_eq!(error.class(), FailureClass::Timeout);
}

#[test]
fn the_watchdog_does_not_fire_when_the_run_finishes_first() {
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "_start")))"#);
    // A long timeout: if the watchdog lingered until it expired, `run` would take that long.
    let options = RunOptions::new().timeout(Duration::from_secs(30));
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(vm.run(&app, &options).unwrap(), ExitStatus::Returned);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn the_watchdog_leaves_an_instance_usable_when_the_call_finishes_first() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#,
    );
    let mut instance = vm.instantiate(&app, Default::default()).unwrap();
    let options = RunOptions::new().timeout(Duration::from_secs(30));
    for value in 0..5 {
        let result = vm
            .call(&mut instance, "f", &[Value::I32(value)], &options)
            .unwrap();
        assert_eq!(result, [Value::I32(value + 1)]);
    }
    assert!(!instance.is_unusable());
}

#[test]
fn a_stop_by_someone_else_is_a_trap_not_a_timeout() {
    let vm = vm();
    let app = module(&vm, SPIN);
    let mut instance = vm.instantiate(&app, Default::default()).unwrap();
    instance.stop_handle().stop();
    let options = RunOptions::new().timeout(Duration::from_secs(30));
    let error = vm.run_instance(&mut instance, &options).unwrap_err();
    assert_eq!(error.class(), FailureClass::Trap, "{error:?}");
}
