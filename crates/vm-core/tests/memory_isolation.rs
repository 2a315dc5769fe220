//! Linear memory starts zeroed and grows zeroed, whatever the allocator handed out before:
//! a guest never sees an earlier guest's (or the host's) data.

mod common;

use common::instance;
use vm_core::Value;

const SCRIBBLER: &str = r#"(module (memory (export "memory") 4)
    (func (export "scribble") (local $address i32)
        (loop $next
            (i32.store (local.get $address) (i32.const 0xAAAAAAAA))
            (local.set $address (i32.add (local.get $address) (i32.const 4)))
            (br_if $next (i32.lt_u (local.get $address) (i32.const 262144)))))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "sum") (result i32) (local $address i32) (local $sum i32)
        (loop $next
            (local.set $sum (i32.or (local.get $sum) (i32.load (local.get $address))))
            (local.set $address (i32.add (local.get $address) (i32.const 4)))
            (br_if $next (i32.lt_u (local.get $address)
                (i32.mul (memory.size) (i32.const 65536)))))
        (local.get $sum)))"#;

#[test]
fn fresh_and_grown_memory_is_zeroed() {
    for _ in 0..20 {
        let mut dirty = instance(SCRIBBLER);
        dirty.call("scribble", &[]).unwrap();
        drop(dirty);
        let mut fresh = instance(SCRIBBLER);
        assert_eq!(
            fresh.call("sum", &[]).unwrap(),
            vec![Value::I32(0)],
            "initial memory"
        );
        fresh.call("scribble", &[]).unwrap();
        // Growth moves the memory and must zero the new pages.
        assert_eq!(
            fresh.call("grow", &[Value::I32(60)]).unwrap(),
            vec![Value::I32(4)]
        );
        let memory = fresh.memory().unwrap();
        let new_pages = memory.bytes(4 * 65536, 60 * 65536).unwrap();
        assert!(
            new_pages.iter().all(|&byte| byte == 0),
            "grown pages are not zeroed"
        );
    }
}
