//! Running apps: exit statuses, and how each kind of failure is reported and classified.

mod common;

use common::{SPIN, builder, module, vm};
use virtual_machine::{
    CallError, DefineError, Error, ExitStatus, FailureClass, HostTrap, InstanceData,
    InstantiationError, Linker, RunOptions, TrapKind, Value,
};

/// Defines `test.exit(code)`, which asks the guest to exit.
fn define_exit(linker: &mut Linker) -> Result<(), DefineError> {
    linker.define(
        "test",
        "exit",
        |_context, (code,): (u32,)| -> Result<(), HostTrap> { Err(HostTrap::exit(code)) },
    )?;
    Ok(())
}

#[test]
fn an_entry_point_that_returns_gives_returned() {
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "_start")))"#);
    assert_eq!(
        vm.run(&app, &RunOptions::new()).unwrap(),
        ExitStatus::Returned
    );
    // The same module runs again, in a fresh instance.
    assert_eq!(
        vm.run(&app, &RunOptions::new()).unwrap(),
        ExitStatus::Returned
    );
}

#[test]
fn values_returned_by_the_entry_point_are_ignored() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (func (export "main") (result i32) (i32.const 9)))"#,
    );
    let status = vm.run(&app, &RunOptions::new().entry("main")).unwrap();
    assert_eq!(status, ExitStatus::Returned);
    assert_eq!(status.code(), 0);
}

#[test]
fn a_host_exit_request_gives_the_guest_exit_code() {
    let vm = builder().host_functions(define_exit).build().unwrap();
    let app = module(
        &vm,
        r#"(module (import "test" "exit" (func $exit (param i32)))
            (func (export "_start") (call $exit (i32.const 42)) unreachable))"#,
    );
    let status = vm.run(&app, &RunOptions::new()).unwrap();
    assert_eq!(status, ExitStatus::Exited(42));
    assert!(!status.success());
}

#[test]
fn an_exit_during_invoke_is_an_error_of_class_exited() {
    let vm = builder().host_functions(define_exit).build().unwrap();
    let app = module(
        &vm,
        r#"(module (import "test" "exit" (func $exit (param i32)))
            (func (export "f") (result i32) (call $exit (i32.const 3)) (i32.const 0)))"#,
    );
    let error = vm.invoke(&app, "f", &[]).unwrap_err();
    assert_eq!(error.class(), FailureClass::Exited);
    assert_eq!(error.exit_code(), Some(3));
}

#[test]
fn host_functions_can_be_added_in_several_sets() {
    let vm = builder()
        .host_functions(define_exit)
        .host_functions(|linker| {
            linker.define("test", "double", |_context, (value,): (i32,)| {
                Ok(value.wrapping_mul(2))
            })?;
            Ok(())
        })
        .build()
        .unwrap();
    assert!(vm.linker().unwrap().contains("test", "exit"));
    let app = module(
        &vm,
        r#"(module (import "test" "double" (func $double (param i32) (result i32)))
            (func (export "f") (param i32) (result i32) (call $double (local.get 0))))"#,
    );
    assert_eq!(
        vm.invoke(&app, "f", &[Value::I32(21)]).unwrap(),
        [Value::I32(42)]
    );
}

#[test]
fn defining_a_name_twice_fails_the_build() {
    let result = builder()
        .host_functions(define_exit)
        .host_functions(define_exit)
        .build();
    match result {
        Err(error @ Error::Define(DefineError::Duplicate { .. })) => {
            assert_eq!(error.class(), FailureClass::Host)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_trap_is_an_error_of_class_trap() {
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "_start") unreachable))"#);
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert_eq!(error.class(), FailureClass::Trap);
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::Unreachable)
    );
    assert!(error.to_string().contains("unreachable"), "{error}");
}

#[test]
fn a_host_trap_is_an_error_of_class_trap() {
    #[derive(Debug)]
    struct Refused;
    impl std::fmt::Display for Refused {
        fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("refused")
        }
    }
    impl std::error::Error for Refused {}
    let vm = builder()
        .host_functions(|linker| {
            linker.define(
                "test",
                "refuse",
                |_context, (): ()| -> Result<(), HostTrap> { Err(HostTrap::error(Refused)) },
            )?;
            Ok(())
        })
        .build()
        .unwrap();
    let app = module(
        &vm,
        r#"(module (import "test" "refuse" (func $refuse)) (func (export "_start") (call $refuse)))"#,
    );
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert_eq!(error.class(), FailureClass::Trap);
    assert_eq!(error.trap().map(|trap| trap.kind()), Some(TrapKind::Host));
    assert!(error.to_string().contains("test.refuse"), "{error}");
}

#[test]
fn the_instruction_budget_ends_an_infinite_loop() {
    let built = builder().instruction_budget(100_000).build();
    if !virtual_machine::INSTRUCTION_BUDGET_SUPPORTED {
        let error = built.unwrap_err();
        assert!(matches!(error, Error::Limits(_)), "{error:?}");
        assert!(error.to_string().contains("metering"), "{error}");
        return;
    }
    let vm = built.unwrap();
    let app = module(&vm, SPIN);
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert_eq!(error.class(), FailureClass::BudgetExhausted);
}

#[test]
fn a_missing_import_is_a_load_failure() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (import "env" "missing" (func)) (func (export "_start")))"#,
    );
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert_eq!(error.class(), FailureClass::Load);
    assert!(matches!(
        &error,
        Error::Instantiation(InstantiationError::MissingImport { module, name })
            if module == "env" && name == "missing"
    ));
    assert!(error.to_string().contains("env.missing"), "{error}");
}

#[test]
fn a_malformed_module_is_a_load_failure() {
    let vm = vm();
    let error = vm.load(&b"\0asm\x01\0\0\0\x01"[..]).unwrap_err();
    assert_eq!(error.class(), FailureClass::Load);
    let error = vm.load_static(b"not wasm").unwrap_err();
    assert_eq!(error.class(), FailureClass::Load);
    assert!(
        error.to_string().contains("not a WebAssembly binary"),
        "{error}"
    );
}

#[test]
fn a_module_loads_from_a_static_buffer() {
    static ANSWER: &[u8] = &[
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
        0x03, 0x02, 0x01, 0x00, // function 0 has type 0
        0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
        0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b, // body: i32.const 42
    ];
    let vm = vm();
    let app = vm.load_static(ANSWER).unwrap();
    assert_eq!(vm.invoke(&app, "f", &[]).unwrap(), [Value::I32(42)]);
}

#[test]
fn a_missing_entry_point_is_reported_by_name() {
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "main")))"#);
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert!(
        matches!(&error, Error::EntryNotFound { name } if name == "_start"),
        "{error:?}"
    );
    assert_eq!(error.class(), FailureClass::Host);
    let error = vm.run(&app, &RunOptions::new().entry("start")).unwrap_err();
    assert!(
        matches!(&error, Error::EntryNotFound { name } if name == "start"),
        "{error:?}"
    );
}

#[test]
fn an_entry_point_with_parameters_is_refused() {
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "_start") (param i32)))"#);
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    match &error {
        Error::EntrySignature { name, ty } => {
            assert_eq!(name, "_start");
            assert_eq!(ty.params().len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(error.class(), FailureClass::Host);
}

#[test]
fn invoke_checks_export_names_and_arguments() {
    let vm = vm();
    let app = module(
        &vm,
        r#"(module (func (export "add") (param i64 i64) (result i64)
            (i64.add (local.get 0) (local.get 1))))"#,
    );
    let sum = vm
        .invoke(&app, "add", &[Value::I64(40), Value::I64(2)])
        .unwrap();
    assert_eq!(sum, [Value::I64(42)]);
    let missing = vm.invoke(&app, "sub", &[]).unwrap_err();
    assert!(matches!(
        missing,
        Error::Call(CallError::ExportNotFound { .. })
    ));
    assert_eq!(missing.class(), FailureClass::Host);
    let count = vm.invoke(&app, "add", &[Value::I64(1)]).unwrap_err();
    assert_eq!(count.class(), FailureClass::Host);
}

#[test]
fn the_memory_limit_caps_growth() {
    let vm = builder().max_memory_pages(2).build().unwrap();
    assert_eq!(vm.limits().max_memory_pages, Some(2));
    let app = module(
        &vm,
        r#"(module (memory 1) (func (export "grow") (param i32) (result i32)
            (memory.grow (local.get 0))))"#,
    );
    assert_eq!(
        vm.invoke(&app, "grow", &[Value::I32(1)]).unwrap(),
        [Value::I32(1)]
    );
    assert_eq!(
        vm.invoke(&app, "grow", &[Value::I32(2)]).unwrap(),
        [Value::I32(-1)]
    );
}

#[test]
fn out_of_range_limits_fail_the_build() {
    let error = builder().stack_size(16).build().unwrap_err();
    assert!(matches!(error, Error::Limits(_)), "{error:?}");
    assert_eq!(error.class(), FailureClass::Host);
    let error = builder().instruction_budget(u64::MAX).build().unwrap_err();
    assert!(matches!(error, Error::Limits(_)), "{error:?}");
}

#[test]
fn instance_data_reaches_host_functions() {
    struct Counter(u32);
    let vm = builder()
        .host_functions(|linker| {
            linker.define("test", "tick", |context, (): ()| -> Result<u32, HostTrap> {
                let counter = context.data::<Counter>().map_or(0, |counter| {
                    counter.0 += 1;
                    counter.0
                });
                Ok(counter)
            })?;
            Ok(())
        })
        .build()
        .unwrap();
    let app = module(
        &vm,
        r#"(module (import "test" "tick" (func $tick (result i32)))
            (func (export "_start") (drop (call $tick)) (drop (call $tick))))"#,
    );
    let options = RunOptions::new().instance_data(|| {
        let mut data = InstanceData::new();
        data.insert(Counter(10));
        data
    });
    assert_eq!(vm.run(&app, &options).unwrap(), ExitStatus::Returned);
    // With an instance of its own, the caller sees the data after the run.
    let mut data = InstanceData::new();
    data.insert(Counter(0));
    let mut instance = vm.instantiate(&app, data).unwrap();
    assert_eq!(
        vm.run_instance(&mut instance, &options).unwrap(),
        ExitStatus::Returned
    );
    assert_eq!(
        instance.data().get::<Counter>().map(|counter| counter.0),
        Some(2)
    );
}

#[test]
fn memory_usage_is_reported() {
    let vm = vm();
    let _app = module(&vm, r#"(module (memory 1) (func (export "_start")))"#);
    let usage = vm.runtime_memory_usage();
    assert!(usage.in_use > 0);
    assert!(usage.peak >= usage.in_use);
}

#[test]
fn initial_memory_above_the_limit_is_a_load_failure() {
    let vm = builder().max_memory_pages(2).build().unwrap();
    // `memory.size` matters: WAMR folds the memory of a module that can never grow it into
    // one large page, which vm-core's page-count check does not see (reported upstream).
    let app = module(
        &vm,
        r#"(module (memory 4) (func (export "_start") (drop (memory.size))))"#,
    );
    let error = vm.run(&app, &RunOptions::new()).unwrap_err();
    assert_eq!(error.class(), FailureClass::Load, "{error:?}");
}

#[test]
fn a_virtual_machine_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<virtual_machine::VirtualMachine>();
    assert_send_sync::<RunOptions>();
    let vm = vm();
    let app = module(&vm, r#"(module (func (export "_start")))"#);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                assert_eq!(
                    vm.run(&app, &RunOptions::new()).unwrap(),
                    ExitStatus::Returned
                )
            });
        }
    });
}
