//! Cost of WASI-bound work per call, as a guest sees it: each sample is a guest loop making
//! `CALLS` calls, on the in-memory file system (so the adapter's own cost is small and the
//! numbers show the ABI layer). `cargo xtask bench` records the medians per call in
//! `docs/performance.md`. The `*_host` cases repeat the path calls on a host directory (a
//! temporary directory through `HostDirectory`), where the system calls each one makes show.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use vm_abi_wasi::WasiContext;
use vm_core::{Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Value};
use vm_host::fs::{Directory, OpenOptions};
use vm_host::host::{HostDirectory, OsRandom, SystemClock, ThreadTask};
use vm_host::memfs::MemoryFileSystem;
use vm_host::stdio::NullOutput;

/// Calls per sample.
const CALLS: i32 = 10_000;

/// A guest whose exports each run one WASI call `n` times in a loop and return the last errno.
/// Memory layout: 0: iovec {1024, 16}; 8: iovec {4096, 4096}; 16: out u32/u64 scratch;
/// 64: filestat buffer; 256: the path "data.bin"; 1024: 16 bytes to write; 4096: 4 KiB buffer.
const GUEST: &str = r#"(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\00\04\00\00\10\00\00\00\00\10\00\00\00\10\00\00")
    (data (i32.const 256) "data.bin")
    (func (export "write_small") (param $n i32) (result i32) (local $errno i32)
        (loop $next
            (local.set $errno (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
            (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $errno))
    (func (export "read_chunks") (param $fd i32) (param $n i32) (result i32) (local $errno i32)
        (loop $next
            (drop (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 16)))
            (local.set $errno (call $fd_read (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 16)))
            (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $errno))
    (func (export "clock") (param $n i32) (result i32) (local $errno i32)
        (loop $next
            (local.set $errno (call $clock (i32.const 1) (i64.const 1) (i32.const 16)))
            (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $errno))
    (func (export "stat") (param $n i32) (result i32) (local $errno i32)
        (loop $next
            (local.set $errno (call $stat (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 8) (i32.const 64)))
            (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $errno))
    (func (export "open_close") (param $n i32) (result i32) (local $errno i32)
        (loop $next
            (local.set $errno (call $open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 8)
                (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
            (br_if $next (local.get $errno))
            (local.set $errno (call $close (i32.load (i32.const 16))))
            (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $errno)))"#;

fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

/// The guest instance, with its preopen `/` (fd 3) on the in-memory file system holding
/// `data.bin` (8 KiB).
fn guest() -> Instance {
    guest_on(Arc::from(MemoryFileSystem::new().root()))
}

/// The guest instance with `root` as its preopen `/` (fd 3), after writing `data.bin`
/// (8 KiB) there.
fn guest_on(root: Arc<dyn Directory>) -> Instance {
    let options = OpenOptions {
        read: true,
        write: true,
        create: true,
        ..OpenOptions::default()
    };
    let file = root
        .open_file("data.bin", &options)
        .expect("create data.bin");
    file.write_at(0, &[7u8; 8192]).expect("fill data.bin");
    let context = WasiContext::builder()
        .stdout(Box::new(NullOutput))
        .preopen_directory("/", root)
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask))
        .build()
        .expect("WASI context");
    let mut linker = Linker::new(runtime());
    vm_abi_wasi::define(&mut linker).expect("WASI registers");
    let module =
        Module::from_bytes(runtime(), wat::parse_str(GUEST).expect("valid WAT")).expect("loads");
    let mut data = InstanceData::new();
    data.insert(context);
    let mut instance =
        Instance::new(runtime(), &module, &linker, Limits::default(), data).expect("instantiates");
    // The path functions must work before their cost means anything.
    assert_eq!(
        instance.call("open_close", &[Value::I32(1)]).expect("runs"),
        [Value::I32(0)]
    );
    instance
}

fn bench(criterion: &mut Criterion) {
    let mut instance = guest();
    let mut group = criterion.benchmark_group("wasi");
    let cases: [(&str, &str, Vec<Value>); 5] = [
        ("fd_write_16b", "write_small", vec![Value::I32(CALLS)]),
        ("clock_time_get", "clock", vec![Value::I32(CALLS)]),
        ("path_filestat_get", "stat", vec![Value::I32(CALLS)]),
        ("path_open_fd_close", "open_close", vec![Value::I32(CALLS)]),
        (
            "fd_read_4k",
            "read_chunks",
            vec![Value::I32(4), Value::I32(CALLS)],
        ),
    ];
    for (id, export, args) in cases {
        if export == "read_chunks" {
            open_data_as_fd_4(&mut instance);
        }
        group.bench_function(id, |bench| {
            bench.iter(|| {
                let result = instance.call(export, &args).expect("runs");
                assert_eq!(result, [Value::I32(0)], "{export} failed");
                black_box(result)
            });
        });
    }
    // The same path calls on a host directory.
    let directory = tempfile::tempdir().expect("temporary directory");
    let host_root = HostDirectory::open(directory.path()).expect("open the temporary directory");
    let mut host_instance = guest_on(Arc::new(host_root));
    for (id, export) in [
        ("path_filestat_get_host", "stat"),
        ("path_open_fd_close_host", "open_close"),
    ] {
        let args = [Value::I32(CALLS)];
        group.bench_function(id, |bench| {
            bench.iter(|| {
                let result = host_instance.call(export, &args).expect("runs");
                assert_eq!(result, [Value::I32(0)], "{export} failed");
                black_box(result)
            });
        });
    }
    group.finish();
}

/// Opens `data.bin` as fd 4 straight through the descriptor table, so the read loop needs no
/// guest-side bookkeeping of the descriptor.
fn open_data_as_fd_4(instance: &mut Instance) {
    use vm_abi_wasi::context::{Descriptor, OpenFile, Resource};
    use vm_abi_wasi::types::rights;
    let context = instance
        .data_mut()
        .get_mut::<WasiContext>()
        .expect("WASI context");
    let directory = match &context.descriptors.get(3).expect("preopen").resource {
        Resource::Directory(open) => open.directory.clone(),
        _ => unreachable!("fd 3 is the preopen"),
    };
    let options = OpenOptions {
        read: true,
        ..OpenOptions::default()
    };
    let file = directory
        .open_file("data.bin", &options)
        .expect("open data.bin");
    let fd = context
        .descriptors
        .insert(Descriptor {
            resource: Resource::File(OpenFile {
                file,
                position: 0,
                flags: 0,
                readable: true,
                writable: false,
            }),
            rights_base: rights::FILE,
            rights_inheriting: 0,
        })
        .expect("descriptor");
    assert_eq!(fd, 4);
}

criterion_group!(benches, bench);
criterion_main!(benches);
