//! Values of every type across the host boundary, shared by vm-core's host-function tests
//! (the interpreter's entry, and in the `unpatched` step of `cargo xtask test` WAMR's stock
//! one) and the facade's AOT tests (AOT code's entry): each must hand every value over
//! intact, in order, and take the result back. The including module provides `DefineError`,
//! `Linker` and `Value` (vm-core's, or the facade's re-exports of them).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::{DefineError, Linker, Value};

/// How often the `tick` of the linker it was given to, which takes and returns nothing, was
/// called: one per linker, so that tests running side by side do not count each other's calls.
#[derive(Clone, Default)]
pub struct Ticks(Arc<AtomicU32>);

impl Ticks {
    fn count(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value after each 64-bit one checks that the arguments' cells are walked with the right
/// widths; `none` has no parameter, `tick` neither parameter nor result. `mix_indirect` calls
/// `mix` through a table: AOT code does that through WAMR's stock slot path even in our
/// patched build.
pub const WAT: &str = r#"(module
    (import "test" "mix" (func $mix (param i32 i64 f32 f64 i32) (result f64)))
    (import "test" "wide" (func $wide (param i64) (result i64)))
    (import "test" "half" (func $half (param f32) (result f32)))
    (import "test" "none" (func $none (result i32)))
    (import "test" "tick" (func $tick))
    (func (export "mix") (result f64)
        (call $mix (i32.const -7) (i64.const 1099511627776) (f32.const 0.5) (f64.const 0.25)
            (i32.const 1000)))
    (func (export "wide") (param i64) (result i64) (call $wide (local.get 0)))
    (func (export "half") (param f32) (result f32) (call $half (local.get 0)))
    (func (export "none") (result i32) (call $none))
    (func (export "tick") (call $tick))
    (type $mix_type (func (param i32 i64 f32 f64 i32) (result f64)))
    (table 1 funcref)
    (elem (i32.const 0) $mix)
    (func (export "mix_indirect") (result f64)
        (call_indirect (type $mix_type)
            (i32.const -7) (i64.const 1099511627776) (f32.const 0.5) (f64.const 0.25)
            (i32.const 1000) (i32.const 0))))"#;

/// Defines the module's imports; `tick` counts its calls in `ticks`.
pub fn define(linker: &mut Linker, ticks: &Ticks) -> Result<(), DefineError> {
    let ticks = ticks.clone();
    linker
        .define(
            "test",
            "mix",
            |_context, (a, b, c, d, e): (i32, i64, f32, f64, u32)| {
                Ok(f64::from(a) + b as f64 + f64::from(c) + d + f64::from(e) / 1024.0)
            },
        )?
        .define("test", "wide", |_context, (value,): (u64,)| {
            Ok(value.rotate_left(8))
        })?
        .define("test", "half", |_context, (value,): (f32,)| Ok(value / 2.0))?
        .define("test", "none", |_context, (): ()| Ok(-5i32))?
        .define("test", "tick", move |_context, (): ()| {
            ticks.0.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })?;
    Ok(())
}

/// Calls every export of the module through `call` (export name, arguments → results) and
/// checks what comes back; `ticks` is what the module's linker was defined with, `what` names
/// the run in failure messages.
pub fn check(what: &str, ticks: &Ticks, mut call: impl FnMut(&str, &[Value]) -> Vec<Value>) {
    // Every term and sum is exact in f64.
    let mixed = vec![Value::F64(1_099_511_627_770.0 + 93.0 / 128.0)];
    assert_eq!(call("mix", &[]), mixed, "{what}");
    assert_eq!(call("mix_indirect", &[]), mixed, "{what}");
    let value = 0x0123_4567_89ab_cdef_u64;
    assert_eq!(
        call("wide", &[Value::I64(value as i64)]),
        vec![Value::I64(value.rotate_left(8) as i64)],
        "{what}"
    );
    assert_eq!(
        call("half", &[Value::F32(-3.0)]),
        vec![Value::F32(-1.5)],
        "{what}"
    );
    assert_eq!(call("none", &[]), vec![Value::I32(-5)], "{what}");
    let before = ticks.count();
    assert_eq!(call("tick", &[]), vec![], "{what}");
    assert_eq!(ticks.count(), before + 1, "{what}");
}
