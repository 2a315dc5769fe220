//! Calling exports: typed values in and out, signature checks before the call.

mod common;

use common::{instance, module};
use vm_core::{CallError, ExternKind, FunctionType, UnsupportedValueType, Value, ValueType};

const MATH: &str = r#"(module
    (func (export "mix") (param i32 i64 f32 f64) (result f64)
        (f64.add
            (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
            (f64.add (f64.promote_f32 (local.get 2)) (local.get 3))))
    (func (export "pair") (result i32 i64) (i32.const -1) (i64.const 1099511627776))
    (func (export "reference") (param externref))
    (memory (export "memory") 1))"#;

#[test]
fn typed_values_cross_in_both_directions() {
    let mut instance = instance(MATH);
    let result = instance
        .call(
            "mix",
            &[
                Value::I32(-2),
                Value::I64(40),
                Value::F32(0.5),
                Value::F64(1.25),
            ],
        )
        .unwrap();
    assert_eq!(result, vec![Value::F64(39.75)]);
    assert_eq!(
        instance.call("pair", &[]).unwrap(),
        vec![Value::I32(-1), Value::I64(1 << 40)]
    );
}

#[test]
fn signatures_are_checked_before_the_call() {
    let mut instance = instance(MATH);
    match instance.call("mix", &[Value::I32(1)]) {
        Err(CallError::ArgumentCount {
            expected: 4,
            found: 1,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let wrong = [
        Value::I32(1),
        Value::I32(2),
        Value::F32(0.0),
        Value::F64(0.0),
    ];
    match instance.call("mix", &wrong) {
        Err(CallError::ArgumentType {
            index: 1,
            expected: ValueType::I64,
            found: ValueType::I32,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // A rejected call does not poison the instance.
    assert!(!instance.is_unusable());
    assert_eq!(
        instance.function_type("mix").unwrap(),
        FunctionType::new(
            [
                ValueType::I32,
                ValueType::I64,
                ValueType::F32,
                ValueType::F64
            ],
            [ValueType::F64]
        )
    );
}

#[test]
fn missing_exports_and_unsupported_types_are_named() {
    let mut instance = instance(MATH);
    for name in ["nope", "memory", "", "mix\0"] {
        match instance.call(name, &[]) {
            Err(CallError::ExportNotFound { name: missing }) => assert_eq!(missing, name),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    match instance.call("reference", &[]) {
        Err(CallError::UnsupportedType {
            value_type: UnsupportedValueType::ExternRef,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn modules_describe_their_exports_and_imports() {
    let exports = module(MATH).exports();
    let names: Vec<_> = exports.iter().map(|export| export.name.as_str()).collect();
    assert_eq!(names, ["mix", "pair", "reference", "memory"]);
    assert_eq!(exports[3].kind, ExternKind::Memory);
    assert_eq!(
        exports[2].kind,
        ExternKind::Function(Err(UnsupportedValueType::ExternRef))
    );
    let imports = module(
        r#"(module (import "env" "log" (func (param i32 i32))) (import "env" "mem" (memory 1)))"#,
    )
    .imports();
    assert_eq!(imports.len(), 2);
    assert_eq!(
        (imports[0].module.as_str(), imports[0].name.as_str()),
        ("env", "log")
    );
    assert_eq!(
        imports[0].kind,
        ExternKind::Function(Ok(FunctionType::new([ValueType::I32, ValueType::I32], [])))
    );
    assert_eq!(imports[1].kind, ExternKind::Memory);
}
