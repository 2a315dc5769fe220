//! Host functions: typed callbacks, per-instance data, guest memory through the sandbox,
//! traps and exit requests, and import checking at instantiation.

mod common;
#[path = "shared/host_values.rs"]
mod host_values;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{instance_with, module, runtime};
use vm_core::{
    CallError, DefineError, FunctionType, HostTrap, Instance, InstanceData, InstantiationError,
    Limits, Linker, Trap, Value, ValueType,
};
use vm_sandbox::SandboxError;

/// A guest that passes a (pointer, length) pair of its choice to the host.
const LOGGER: &str = r#"(module
    (import "test" "log" (func $log (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello, host")
    (func (export "log") (param i32 i32) (result i32) (call $log (local.get 0) (local.get 1))))"#;

/// Per-instance data: what the guest logged.
#[derive(Default)]
struct Log(Vec<String>);

/// Host error: the guest passed a bad buffer.
#[derive(Debug, thiserror::Error)]
#[error("bad guest buffer")]
struct BadBuffer(#[source] SandboxError);

fn logger_linker() -> Linker {
    let mut linker = Linker::new(runtime());
    linker
        .define("test", "log", |context, (pointer, length): (u32, u32)| {
            let (memory, log) = context.memory_and_data::<Log>();
            let memory = memory?;
            match memory.read_str(pointer, length, 1024) {
                Ok(text) => {
                    let text = text.to_owned();
                    log.expect("instance has a Log").0.push(text);
                    Ok(0i32)
                }
                // Like an ABI layer: invalid text is fatal, a bad range becomes an errno.
                Err(error @ SandboxError::InvalidUtf8 { .. }) => {
                    Err(HostTrap::error(BadBuffer(error)))
                }
                Err(_) => Ok(21),
            }
        })
        .unwrap();
    linker
}

fn logger() -> Instance {
    let mut data = InstanceData::new();
    data.insert(Log::default());
    Instance::new(
        runtime(),
        &module(LOGGER),
        &logger_linker(),
        Limits::default(),
        data,
    )
    .unwrap()
}

#[test]
fn a_host_function_reads_guest_memory_and_instance_data() {
    let mut instance = logger();
    assert_eq!(
        instance
            .call("log", &[Value::I32(16), Value::I32(11)])
            .unwrap(),
        vec![Value::I32(0)]
    );
    assert_eq!(instance.data().get::<Log>().unwrap().0, ["hello, host"]);
}

#[test]
fn wild_guest_pointers_get_errors_from_the_sandbox() {
    let mut instance = logger();
    let wild = [(65_530, 100), (-1, 2), (0, -1), (-16, 16)];
    for (pointer, length) in wild {
        assert_eq!(
            instance
                .call("log", &[Value::I32(pointer), Value::I32(length)])
                .unwrap(),
            vec![Value::I32(21)],
            "pointer {pointer:#x} length {length}"
        );
    }
    assert!(instance.data().get::<Log>().unwrap().0.is_empty());
    assert!(!instance.is_unusable());
}

#[test]
fn a_host_function_can_trap_the_guest_with_a_typed_error() {
    let mut instance = logger();
    // Invalid UTF-8 is not an errno case for this host function: it traps.
    instance
        .memory()
        .unwrap()
        .write_bytes(100, &[0xff, 0xfe])
        .unwrap();
    let error = instance
        .call("log", &[Value::I32(100), Value::I32(2)])
        .unwrap_err();
    match error {
        CallError::Trap(Trap::Host {
            module,
            name,
            error,
        }) => {
            assert_eq!((&*module, &*name), ("test", "log"));
            let bad = error
                .downcast_ref::<BadBuffer>()
                .expect("the host's own error type");
            assert!(matches!(
                bad.0,
                SandboxError::InvalidUtf8 { offset: 100, .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    assert!(instance.is_unusable());
}

#[test]
fn a_host_function_can_end_the_guest_with_an_exit_code() {
    let wat = r#"(module (import "test" "exit" (func $exit (param i32)))
        (func (export "_start") (call $exit (i32.const 3)) unreachable))"#;
    let mut linker = Linker::new(runtime());
    linker
        .define(
            "test",
            "exit",
            |_context, (code,): (u32,)| -> Result<(), HostTrap> { Err(HostTrap::exit(code)) },
        )
        .unwrap();
    let mut instance = instance_with(wat, &linker, Limits::default());
    match instance.call("_start", &[]) {
        Err(CallError::Exited { code: 3 }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn values_of_every_type_cross_the_host_boundary() {
    let mut linker = Linker::new(runtime());
    let ticks = host_values::Ticks::default();
    host_values::define(&mut linker, &ticks).unwrap();
    let mut instance = instance_with(host_values::WAT, &linker, Limits::default());
    host_values::check("interpreted", &ticks, |name, args| {
        instance.call(name, args).unwrap()
    });
}

#[test]
fn unresolved_imports_fail_at_instantiation_naming_the_import() {
    let wat = r#"(module (import "env" "missing" (func)) (func (export "f")))"#;
    match Instance::new(
        runtime(),
        &module(wat),
        &Linker::new(runtime()),
        Limits::default(),
        InstanceData::new(),
    ) {
        Err(InstantiationError::MissingImport { module, name }) => {
            assert_eq!((module.as_str(), name.as_str()), ("env", "missing"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mistyped_and_non_function_imports_fail_at_instantiation() {
    let wat = r#"(module (import "test" "log" (func (param i64))))"#;
    match Instance::new(
        runtime(),
        &module(wat),
        &logger_linker(),
        Limits::default(),
        InstanceData::new(),
    ) {
        Err(InstantiationError::ImportTypeMismatch {
            expected, found, ..
        }) => {
            assert_eq!(*expected, FunctionType::new([ValueType::I64], []));
            assert_eq!(
                *found,
                FunctionType::new([ValueType::I32, ValueType::I32], [ValueType::I32])
            );
        }
        other => panic!("{other:?}"),
    }
    let wat = r#"(module (import "env" "memory" (memory 1)))"#;
    match Instance::new(
        runtime(),
        &module(wat),
        &Linker::new(runtime()),
        Limits::default(),
        InstanceData::new(),
    ) {
        Err(InstantiationError::UnsupportedImport { kind: "memory", .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_linkers_give_the_same_import_different_behaviour() {
    let wat = r#"(module (import "test" "answer" (func $answer (result i32)))
        (func (export "f") (result i32) (call $answer)))"#;
    let linker_returning = |value: i32| {
        let mut linker = Linker::new(runtime());
        linker
            .define("test", "answer", move |_context, (): ()| Ok(value))
            .unwrap();
        linker
    };
    let mut first = instance_with(wat, &linker_returning(1), Limits::default());
    let mut second = instance_with(wat, &linker_returning(2), Limits::default());
    assert_eq!(second.call("f", &[]).unwrap(), vec![Value::I32(2)]);
    assert_eq!(first.call("f", &[]).unwrap(), vec![Value::I32(1)]);
}

#[test]
fn definitions_are_checked() {
    let mut linker = Linker::new(runtime());
    linker
        .define("test", "unique", |_context, (): ()| Ok(()))
        .unwrap();
    assert!(matches!(
        linker.define("test", "unique", |_context, (): ()| Ok(())),
        Err(DefineError::Duplicate { .. })
    ));
    // Another linker may not give the same name another type: WAMR links by name.
    let mut other = Linker::new(runtime());
    assert!(matches!(
        other.define("test", "unique", |_context, (_value,): (i32,)| Ok(())),
        Err(DefineError::SignatureConflict { .. })
    ));
    assert!(matches!(
        other.define("te\0st", "x", |_context, (): ()| Ok(())),
        Err(DefineError::InvalidName { .. })
    ));
}

#[test]
fn host_state_is_per_instance() {
    let wat = r#"(module (import "test" "bump" (func $bump (result i32)))
        (func (export "f") (result i32) (call $bump)))"#;
    let calls = Arc::new(AtomicU32::new(0));
    let mut linker = Linker::new(runtime());
    let counter = calls.clone();
    linker
        .define("test", "bump", move |context, (): ()| {
            counter.fetch_add(1, Ordering::Relaxed);
            let own = context.data::<u32>().expect("instance counter");
            *own += 1;
            Ok(*own as i32)
        })
        .unwrap();
    let make = || {
        let mut data = InstanceData::new();
        data.insert(0u32);
        Instance::new(runtime(), &module(wat), &linker, Limits::default(), data).unwrap()
    };
    let (mut a, mut b) = (make(), make());
    assert_eq!(a.call("f", &[]).unwrap(), vec![Value::I32(1)]);
    assert_eq!(a.call("f", &[]).unwrap(), vec![Value::I32(2)]);
    assert_eq!(b.call("f", &[]).unwrap(), vec![Value::I32(1)]);
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}

#[test]
fn a_module_without_memory_gives_host_functions_an_error_not_a_view() {
    let wat = r#"(module (import "test" "probe" (func $probe (result i32)))
        (func (export "f") (result i32) (call $probe)))"#;
    let mut linker = Linker::new(runtime());
    linker
        .define("test", "probe", |context, (): ()| {
            Ok(i32::from(context.memory().is_err()))
        })
        .unwrap();
    let mut instance = instance_with(wat, &linker, Limits::default());
    assert_eq!(instance.call("f", &[]).unwrap(), vec![Value::I32(1)]);
}

#[test]
fn host_functions_see_memory_as_grown_by_the_guest() {
    // Growing may move linear memory (it is reallocated through the runtime's allocator):
    // the host's view must follow both the new size and the new place.
    let wat = r#"(module (import "test" "size_and_last" (func $probe (result i64)))
        (memory 1)
        (func (export "grow_and_probe") (param i32) (result i64)
            (drop (memory.grow (local.get 0)))
            ;; mark the last byte of the grown memory
            (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
                (i32.const 0x5a))
            (call $probe)))"#;
    let mut linker = Linker::new(runtime());
    linker
        .define("test", "size_and_last", |context, (): ()| {
            let memory = context.memory()?;
            let length = u32::try_from(memory.len()).expect("a 32-bit memory");
            let last = memory
                .bytes(length - 1, 1)
                .expect("the last byte is in bounds")[0];
            Ok((i64::from(length) << 8) | i64::from(last))
        })
        .unwrap();
    let mut instance = instance_with(wat, &linker, Limits::default());
    for (grow, pages) in [(0, 1), (3, 4), (60, 64)] {
        assert_eq!(
            instance
                .call("grow_and_probe", &[Value::I32(grow)])
                .unwrap(),
            vec![Value::I64(((pages * 65_536) << 8) | 0x5a)],
            "after growing by {grow} pages"
        );
    }
    assert_eq!(instance.memory().unwrap().len(), 64 * 65_536);
}

#[test]
fn instances_share_their_linker_until_a_clone_defines_more() {
    let answer = r#"(module (import "share" "answer" (func $answer (result i32)))
        (func (export "f") (result i32) (call $answer)))"#;
    let mut linker = Linker::new(runtime());
    linker
        .define("share", "answer", |_context, (): ()| Ok(42))
        .unwrap();
    let first = instance_with(answer, &linker, Limits::default());
    let second = instance_with(answer, &linker, Limits::default());
    assert!(first.linker().shares_tables_with(&linker));
    assert!(second.linker().shares_tables_with(first.linker()));

    // Defining on a clone copies its tables: the instances and the original keep theirs.
    let mut extended = linker.clone();
    assert!(extended.shares_tables_with(&linker));
    extended
        .define("share", "double", |_context, (value,): (i32,)| {
            Ok(value.wrapping_mul(2))
        })
        .unwrap();
    assert!(!extended.shares_tables_with(&linker));
    assert_eq!((linker.len(), extended.len()), (1, 2));
    assert!(!linker.contains("share", "double"));
    assert!(!first.linker().contains("share", "double"));
    assert!(first.linker().shares_tables_with(&linker));

    let double = r#"(module (import "share" "double" (func $double (param i32) (result i32)))
        (func (export "f") (result i32) (call $double (i32.const 21))))"#;
    let mut doubled = instance_with(double, &extended, Limits::default());
    assert_eq!(doubled.call("f", &[]).unwrap(), vec![Value::I32(42)]);
    assert!(matches!(
        Instance::new(
            runtime(),
            &module(double),
            &linker,
            Limits::default(),
            InstanceData::new()
        ),
        Err(InstantiationError::MissingImport { .. })
    ));
}

#[test]
fn imports_from_several_modules_resolve_when_first_instantiated() {
    // Names reach WAMR when a module importing them is instantiated, one batch per import
    // module; names defined but never imported must not disturb that.
    let mut linker = Linker::new(runtime());
    linker
        .define("batch_a", "one", |_context, (): ()| Ok(1))
        .unwrap()
        .define("batch_a", "unused", |_context, (): ()| Ok(-1))
        .unwrap()
        .define("batch_b", "ten", |_context, (value,): (i32,)| {
            Ok(value.wrapping_mul(10))
        })
        .unwrap()
        .define("batch_b", "hundred", |_context, (value,): (i64,)| {
            Ok(value.wrapping_mul(100))
        })
        .unwrap();
    let wat = r#"(module
        (import "batch_b" "ten" (func $ten (param i32) (result i32)))
        (import "batch_a" "one" (func $one (result i32)))
        (import "batch_b" "hundred" (func $hundred (param i64) (result i64)))
        (func (export "f") (result i32) (call $ten (call $one)))
        (func (export "g") (result i64) (call $hundred (i64.const 3))))"#;
    let mut first = instance_with(wat, &linker, Limits::default());
    assert_eq!(first.call("f", &[]).unwrap(), vec![Value::I32(10)]);
    assert_eq!(first.call("g", &[]).unwrap(), vec![Value::I64(300)]);
    // A second instance finds the names registered already.
    let mut second = instance_with(wat, &linker, Limits::default());
    assert_eq!(second.call("g", &[]).unwrap(), vec![Value::I64(300)]);
    // The unused name is reserved with its type all the same.
    let mut other = Linker::new(runtime());
    assert!(matches!(
        other.define("batch_a", "unused", |_context, (): ()| Ok(0i64)),
        Err(DefineError::SignatureConflict { .. })
    ));
}
