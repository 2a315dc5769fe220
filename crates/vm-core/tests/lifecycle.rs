//! Load, instantiate, call and drop, 10,000 times: the VM's memory use does not grow.
//!
//! The runtime here draws all its memory from a counting memory adapter, so "no growth" is
//! measured exactly in bytes, not guessed from the process's RSS.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use vm_core::{
    Allocator, Instance, InstanceData, Limits, Linker, LogLevel, Module, Runtime, RuntimeConfig,
    Value,
};
use vm_host::memory::GlobalAllocAdapter;

/// A system allocator that counts live bytes and blocks.
struct Counting {
    bytes: AtomicIsize,
    blocks: AtomicUsize,
}

// SAFETY: forwards to `System` and only adds counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.bytes
            .fetch_add(layout.size() as isize, Ordering::SeqCst);
        self.blocks.fetch_add(1, Ordering::SeqCst);
        // SAFETY: caller's contract is `GlobalAlloc::alloc`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        self.bytes
            .fetch_sub(layout.size() as isize, Ordering::SeqCst);
        self.blocks.fetch_sub(1, Ordering::SeqCst);
        // SAFETY: caller's contract is `GlobalAlloc::dealloc`'s.
        unsafe { System.dealloc(pointer, layout) }
    }
}

static COUNTING: GlobalAllocAdapter<Counting> = GlobalAllocAdapter(Counting {
    bytes: AtomicIsize::new(0),
    blocks: AtomicUsize::new(0),
});

fn live() -> (isize, usize) {
    (
        COUNTING.0.bytes.load(Ordering::SeqCst),
        COUNTING.0.blocks.load(Ordering::SeqCst),
    )
}

#[test]
fn ten_thousand_lifecycles_do_not_grow_memory() {
    let runtime = Runtime::initialize(RuntimeConfig {
        allocator: Allocator::Adapter(&COUNTING),
        log_level: LogLevel::Error,
    })
    .unwrap();
    let bytes = wat::parse_str(
        r#"(module (memory 1) (data (i32.const 0) "x")
            (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.load8_u (i32.const 0)))))"#,
    )
    .unwrap();
    let cycle = |round: i32| {
        let module = Module::from_bytes(runtime, bytes.clone()).unwrap();
        let mut instance = Instance::new(
            runtime,
            &module,
            &Linker::new(runtime),
            Limits::default(),
            InstanceData::new(),
        )
        .unwrap();
        assert_eq!(
            instance.call("f", &[Value::I32(round)]).unwrap(),
            vec![Value::I32(round + 120)]
        );
    };
    // The first cycle may allocate lasting runtime state (e.g. lazily created tables).
    cycle(0);
    let baseline = live();
    assert!(baseline.1 > 0, "the runtime allocates through the adapter");
    for round in 1..10_000 {
        cycle(round);
    }
    assert_eq!(
        live(),
        baseline,
        "(live bytes, live blocks) after 10,000 cycles"
    );
}
