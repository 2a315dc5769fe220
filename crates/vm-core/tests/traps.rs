//! Every trap kind, raised by real guest code, arrives as the matching `Trap` variant; the
//! instance becomes unusable and the runtime keeps working.

mod common;

use common::{instance, instance_with, runtime};
use vm_core::{CallError, Limits, Linker, TrapKind, Value};

fn trap_kind(wat: &str, export: &str, args: &[Value]) -> TrapKind {
    let mut instance = instance(wat);
    match instance.call(export, args) {
        Err(CallError::Trap(trap)) => trap.kind(),
        other => panic!("expected a trap from {export}, got {other:?}"),
    }
}

#[test]
fn unreachable_traps() {
    let wat = r#"(module (func (export "f") unreachable))"#;
    assert_eq!(trap_kind(wat, "f", &[]), TrapKind::Unreachable);
}

#[test]
fn out_of_bounds_load_traps() {
    let wat =
        r#"(module (memory 1) (func (export "f") (result i32) (i32.load (i32.const 65534))))"#;
    assert_eq!(trap_kind(wat, "f", &[]), TrapKind::OutOfBoundsMemory);
}

#[test]
fn out_of_bounds_bulk_fill_traps() {
    let wat = r#"(module (memory 1)
        (func (export "f") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000))))"#;
    assert_eq!(trap_kind(wat, "f", &[]), TrapKind::OutOfBoundsMemory);
}

#[test]
fn integer_division_by_zero_traps() {
    let wat = r#"(module (func (export "f") (param i32 i32) (result i32)
        (i32.div_s (local.get 0) (local.get 1))))"#;
    assert_eq!(
        trap_kind(wat, "f", &[Value::I32(1), Value::I32(0)]),
        TrapKind::IntegerDivideByZero
    );
}

#[test]
fn integer_overflow_traps() {
    let wat = r#"(module (func (export "f") (param i32 i32) (result i32)
        (i32.div_s (local.get 0) (local.get 1))))"#;
    assert_eq!(
        trap_kind(wat, "f", &[Value::I32(i32::MIN), Value::I32(-1)]),
        TrapKind::IntegerOverflow
    );
}

#[test]
fn invalid_float_conversion_traps() {
    let wat =
        r#"(module (func (export "f") (param f64) (result i32) (i32.trunc_f64_s (local.get 0))))"#;
    assert_eq!(
        trap_kind(wat, "f", &[Value::F64(f64::NAN)]),
        TrapKind::InvalidConversion
    );
    assert_eq!(
        trap_kind(wat, "f", &[Value::F64(1e300)]),
        TrapKind::IntegerOverflow
    );
}

#[test]
fn deep_recursion_overflows_the_stack() {
    let wat = r#"(module (func $f (export "f") (param i32) (result i32)
        (i32.add (call $f (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))"#;
    let limits = Limits {
        stack_size: 16 * 1024,
        ..Limits::default()
    };
    let mut instance = instance_with(wat, &Linker::new(runtime()), limits);
    let error = instance.call("f", &[Value::I32(0)]).unwrap_err();
    assert_eq!(
        error.trap().map(|trap| trap.kind()),
        Some(TrapKind::StackOverflow)
    );
}

#[test]
fn indirect_call_type_mismatch_traps() {
    let wat = r#"(module
        (type $unary (func (param i32) (result i32)))
        (func $nullary (result i32) (i32.const 1))
        (table 1 funcref) (elem (i32.const 0) $nullary)
        (func (export "f") (result i32) (call_indirect (type $unary) (i32.const 5) (i32.const 0))))"#;
    assert_eq!(trap_kind(wat, "f", &[]), TrapKind::IndirectCallTypeMismatch);
}

#[test]
fn indirect_call_outside_the_table_traps() {
    let wat = r#"(module (type $t (func)) (table 1 funcref)
        (func (export "f") (call_indirect (type $t) (i32.const 7))))"#;
    assert_eq!(trap_kind(wat, "f", &[]), TrapKind::UndefinedElement);
}

#[test]
fn a_trapped_instance_is_unusable_and_the_runtime_is_not() {
    let wat = r#"(module
        (func (export "boom") unreachable)
        (func (export "ok") (result i32) (i32.const 7)))"#;
    let mut first = instance(wat);
    assert!(first.call("boom", &[]).is_err());
    assert!(first.is_unusable());
    assert!(matches!(
        first.call("ok", &[]),
        Err(CallError::InstanceUnusable)
    ));
    let mut second = instance(wat);
    assert_eq!(second.call("ok", &[]).unwrap(), vec![Value::I32(7)]);
}

#[test]
fn trap_messages_name_the_cause() {
    let wat = r#"(module (func (export "f") unreachable))"#;
    let mut instance = instance(wat);
    let error = instance.call("f", &[]).unwrap_err();
    assert_eq!(error.to_string(), "trap: unreachable instruction executed");
}
