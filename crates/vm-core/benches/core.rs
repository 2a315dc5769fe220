//! Costs vm-core adds around guest code: load + instantiate, a host-function round trip, and
//! the interpreter's speed on a plain loop. `cargo xtask bench` runs this and writes the
//! medians into `docs/performance.md` (per-call and per-iteration figures are derived there
//! from the batch sizes below).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use vm_core::{Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Value};

/// Host calls per `host_call` sample.
const HOST_CALLS: i32 = 10_000;
/// Loop iterations per `guest_loop` sample.
const LOOP_ITERATIONS: i32 = 1_000_000;

const SMALL_MODULE: &str = r#"(module
    (memory 1)
    (data (i32.const 0) "hello")
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

const HOST_CALLER: &str = r#"(module
    (import "bench" "nop" (func $nop (param i32) (result i32)))
    (func (export "calls") (param i32) (result i32) (local i32)
        (loop $next
            (local.set 1 (call $nop (local.get 1)))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $next (local.get 0)))
        (local.get 1)))"#;

const GUEST_LOOP: &str = r#"(module
    (func (export "spin") (param i32) (result i32) (local i32)
        (loop $next
            (local.set 1 (i32.add (local.get 1) (local.get 0)))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br_if $next (local.get 0)))
        (local.get 1)))"#;

fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

fn instance(wat: &str, linker: &Linker) -> Instance {
    let module =
        Module::from_bytes(runtime(), wat::parse_str(wat).expect("valid WAT")).expect("loads");
    Instance::new(
        runtime(),
        &module,
        linker,
        Limits::default(),
        InstanceData::new(),
    )
    .expect("instantiates")
}

fn load_instantiate(criterion: &mut Criterion) {
    let bytes = wat::parse_str(SMALL_MODULE).expect("valid WAT");
    let linker = Linker::new(runtime());
    let mut group = criterion.benchmark_group("load_instantiate");
    group.bench_function("small_module", |bench| {
        bench.iter(|| {
            let module = Module::from_bytes(runtime(), bytes.clone()).expect("loads");
            black_box(
                Instance::new(
                    runtime(),
                    &module,
                    &linker,
                    Limits::default(),
                    InstanceData::new(),
                )
                .expect("instantiates"),
            );
        });
    });
    group.finish();
}

fn host_call(criterion: &mut Criterion) {
    let mut linker = Linker::new(runtime());
    linker
        .define("bench", "nop", |_context, (value,): (i32,)| {
            Ok(value.wrapping_add(1))
        })
        .expect("defines");
    let mut instance = instance(HOST_CALLER, &linker);
    let mut group = criterion.benchmark_group("host_call");
    group.bench_function("empty_round_trip", |bench| {
        bench.iter(|| {
            let result = instance
                .call("calls", &[Value::I32(HOST_CALLS)])
                .expect("runs");
            assert_eq!(result, [Value::I32(HOST_CALLS)]);
        });
    });
    group.finish();
}

fn guest_loop(criterion: &mut Criterion) {
    let mut instance = instance(GUEST_LOOP, &Linker::new(runtime()));
    let mut group = criterion.benchmark_group("guest_loop");
    group.bench_function("iteration", |bench| {
        bench.iter(|| {
            black_box(
                instance
                    .call("spin", &[Value::I32(LOOP_ITERATIONS)])
                    .expect("runs"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, load_instantiate, host_call, guest_loop);
criterion_main!(benches);
