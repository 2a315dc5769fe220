//! Memory, stack and instruction limits, and stopping a running guest from another thread.

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::{instance, instance_of, instance_with, module, runtime};
use vm_core::{
    CallError, Instance, InstanceData, InstantiationError, Limits, LimitsError, Linker, TrapKind,
    Value,
};

const GROW: &str = r#"(module (memory 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size)))"#;

const SPIN: &str = r#"(module (func (export "spin") (loop $again (br $again))))"#;

#[test]
fn memory_grows_up_to_the_page_limit_and_no_further() {
    let limits = Limits {
        max_memory_pages: Some(3),
        ..Limits::default()
    };
    let mut instance = instance_with(GROW, &Linker::new(runtime()), limits);
    assert_eq!(
        instance.call("grow", &[Value::I32(2)]).unwrap(),
        vec![Value::I32(1)]
    );
    assert_eq!(
        instance.call("grow", &[Value::I32(1)]).unwrap(),
        vec![Value::I32(-1)]
    );
    assert_eq!(instance.call("size", &[]).unwrap(), vec![Value::I32(3)]);
    assert_eq!(instance.memory().unwrap().len(), 3 * 65536);
}

#[test]
fn initial_memory_above_the_limit_fails_to_instantiate() {
    let wat = r#"(module (memory 4) (func (export "size") (result i32) (memory.size)))"#;
    let limits = Limits {
        max_memory_pages: Some(2),
        ..Limits::default()
    };
    let result = Instance::new(
        runtime(),
        &module(wat),
        &Linker::new(runtime()),
        limits,
        InstanceData::new(),
    );
    assert!(
        matches!(
            result,
            Err(InstantiationError::MemoryLimit { initial: 4, max: 2 })
        ),
        "{result:?}"
    );
}

#[test]
fn a_module_that_never_grows_cannot_slip_past_the_limit() {
    // Without memory.grow/size, WAMR folds the initial memory into one large page.
    let wat = r#"(module (memory 4) (func (export "f")))"#;
    let limits = Limits {
        max_memory_pages: Some(2),
        ..Limits::default()
    };
    let result = Instance::new(
        runtime(),
        &module(wat),
        &Linker::new(runtime()),
        limits,
        InstanceData::new(),
    );
    assert!(
        matches!(
            result,
            Err(InstantiationError::MemoryLimit { initial: 4, max: 2 })
        ),
        "{result:?}"
    );
}

#[test]
fn out_of_range_limits_are_rejected_before_instantiation() {
    let cases = [
        (
            Limits {
                max_memory_pages: Some(65_537),
                ..Limits::default()
            },
            LimitsError::TooManyPages { pages: 65_537 },
        ),
        (
            Limits {
                instruction_budget: Some(1 << 40),
                ..Limits::default()
            },
            if vm_core::INSTRUCTION_BUDGET_SUPPORTED {
                LimitsError::BudgetTooLarge {
                    budget: 1 << 40,
                    max: vm_core::MAX_INSTRUCTION_BUDGET,
                }
            } else {
                LimitsError::BudgetUnsupported { budget: 1 << 40 }
            },
        ),
        (
            Limits {
                stack_size: 16,
                ..Limits::default()
            },
            LimitsError::StackTooSmall {
                size: 16,
                min: vm_core::MIN_STACK_SIZE,
            },
        ),
    ];
    for (limits, expected) in cases {
        match Instance::new(
            runtime(),
            &module(GROW),
            &Linker::new(runtime()),
            limits,
            InstanceData::new(),
        ) {
            Err(InstantiationError::InvalidLimits(error)) => assert_eq!(error, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
}

#[test]
#[cfg(not(wamr_instruction_metering))]
fn without_metering_a_budget_is_refused_up_front() {
    let limits = Limits {
        instruction_budget: Some(100_000),
        ..Limits::default()
    };
    match Instance::new(
        runtime(),
        &module(SPIN),
        &Linker::new(runtime()),
        limits,
        InstanceData::new(),
    ) {
        Err(InstantiationError::InvalidLimits(error)) => {
            assert_eq!(error, LimitsError::BudgetUnsupported { budget: 100_000 })
        }
        other => panic!("expected BudgetUnsupported, got {other:?}"),
    }
}

#[test]
#[cfg(wamr_instruction_metering)]
fn the_instruction_budget_stops_an_infinite_loop() {
    let limits = Limits {
        instruction_budget: Some(100_000),
        ..Limits::default()
    };
    let mut instance = instance_with(SPIN, &Linker::new(runtime()), limits);
    let error = instance.call("spin", &[]).unwrap_err();
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::BudgetExhausted)
    );
}

#[test]
#[cfg(wamr_instruction_metering)]
fn the_budget_is_per_call_and_enough_budget_lets_a_call_finish() {
    let wat = r#"(module (func (export "count") (param i32) (result i32) (local i32)
        (loop $next
            (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if $next (i32.lt_u (local.get 1) (local.get 0))))
        (local.get 1)))"#;
    let limits = Limits {
        instruction_budget: Some(10_000),
        ..Limits::default()
    };
    let mut instance = instance_with(wat, &Linker::new(runtime()), limits);
    for _ in 0..3 {
        assert_eq!(
            instance.call("count", &[Value::I32(100)]).unwrap(),
            vec![Value::I32(100)]
        );
    }
    let error = instance
        .call("count", &[Value::I32(1_000_000)])
        .unwrap_err();
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::BudgetExhausted)
    );
}

#[test]
fn a_stop_handle_ends_a_tight_loop_from_another_thread() {
    let mut instance = instance(SPIN);
    let stop = instance.stop_handle();
    let (started, wait_started) = mpsc::channel();
    let stopper = thread::spawn(move || {
        wait_started.recv().unwrap();
        thread::sleep(Duration::from_millis(50));
        let requested = Instant::now();
        assert!(stop.stop());
        requested
    });
    started.send(()).unwrap();
    let error = instance.call("spin", &[]).unwrap_err();
    let requested = stopper.join().unwrap();
    // The bound is generous for loaded CI machines; the interpreter polls at every branch.
    assert!(
        requested.elapsed() < Duration::from_millis(100),
        "stop took {:?}",
        requested.elapsed()
    );
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Terminated)
    );
    assert!(instance.is_unusable());
}

#[test]
fn stopping_an_idle_instance_fails_its_next_call() {
    let mut instance = instance(GROW);
    let stop = instance.stop_handle();
    assert!(stop.stop());
    assert!(stop.is_stopped());
    let error = instance.call("size", &[]).unwrap_err();
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Terminated)
    );
    assert!(matches!(
        instance.call("size", &[]),
        Err(CallError::InstanceUnusable)
    ));
}

#[test]
fn a_stop_handle_outliving_its_instance_does_nothing() {
    let instance = instance(GROW);
    let stop = instance.stop_handle();
    drop(instance);
    assert!(!stop.stop());
}

#[test]
fn four_threads_run_instances_concurrently() {
    let wat = r#"(module (func (export "sum") (param i32) (result i64) (local i64)
        (loop $next
            (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $next (local.get 0)))
        (local.get 1)))"#;
    let shared_module = module(wat);
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let module = shared_module.clone();
            thread::spawn(move || {
                for round in 0..50 {
                    let n = 1_000 + worker * 100 + round;
                    let mut instance = instance_of(&module);
                    let expected = i64::from(n) * i64::from(n + 1) / 2;
                    assert_eq!(
                        instance.call("sum", &[Value::I32(n)]).unwrap(),
                        vec![Value::I64(expected)]
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker thread succeeds");
    }
}
