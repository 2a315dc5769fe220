//! With `std`, a panicking host function becomes an error; it never unwinds into WAMR.

mod common;

use common::{instance_with, runtime};
use vm_core::{CallError, Limits, Linker};

#[test]
fn a_panicking_host_function_fails_the_call_cleanly() {
    let wat = r#"(module (import "test" "panic" (func $panic)) (func (export "f") (call $panic)))"#;
    let mut linker = Linker::new(runtime());
    linker
        .define(
            "test",
            "panic",
            |_context, (): ()| -> Result<(), vm_core::HostTrap> { panic!("host bug") },
        )
        .unwrap();
    let mut instance = instance_with(wat, &linker, Limits::default());
    match instance.call("f", &[]) {
        Err(CallError::HostPanicked { module, name }) => {
            assert_eq!((&*module, &*name), ("test", "panic"))
        }
        other => panic!("{other:?}"),
    }
    assert!(instance.is_unusable());
}
