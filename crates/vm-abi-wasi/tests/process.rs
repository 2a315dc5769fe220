//! Process, clock, randomness, polling and socket functions of `wasi_snapshot_preview1`:
//! args/environ, clock_res_get/clock_time_get, random_get, proc_exit/proc_raise,
//! sched_yield, poll_oneoff and sock_*; every errno path, through WAT guests that call the
//! raw functions with chosen arguments.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use vm_abi_wasi::context::{Descriptor, OpenFile, Resource};
use vm_abi_wasi::types::{Event, Subscription, rights};
use vm_abi_wasi::{Errno, WasiContext, WasiContextBuilder};
use vm_core::{
    CallError, Instance, InstanceData, Limits, Linker, Module, Runtime, RuntimeConfig, Trap, Value,
};
use vm_host::clock::{Clock, ClockKind, ManualClock};
use vm_host::fs::{Directory, File, OpenOptions};
use vm_host::host::{OsRandom, SystemClock, ThreadTask};
use vm_host::memfs::MemoryFileSystem;
use vm_host::random::{Random, RandomError};
use vm_host::task::Task;
use vm_sandbox::GuestValue;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

fn runtime() -> &'static Runtime {
    Runtime::get_or_initialize(RuntimeConfig::default).expect("runtime starts")
}

fn module(wat: &str) -> Module {
    let bytes = wat::parse_str(wat).expect("test WAT is valid");
    Module::from_bytes(runtime(), bytes).expect("test module loads")
}

fn wasi_linker() -> Linker {
    let mut linker = Linker::new(runtime());
    vm_abi_wasi::define(&mut linker).expect("WASI functions register");
    linker
}

/// Size of the guest memory of [`GUEST`]: one page. Any range reaching past it is out of
/// bounds.
const MEMORY_SIZE: u32 = 65_536;

/// A guest exporting one thin wrapper per function under test (same name and signature),
/// plus `copy_args` / `copy_env`, which read args or environ the way libc does and copy the
/// strings back out, newline-separated, at the address given; they return the number of
/// bytes copied or a negative step number on failure.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
  (memory (export "memory") 1)

  (func (export "args_get") (param i32 i32) (result i32) (call $args_get (local.get 0) (local.get 1)))
  (func (export "args_sizes_get") (param i32 i32) (result i32) (call $args_sizes_get (local.get 0) (local.get 1)))
  (func (export "environ_get") (param i32 i32) (result i32) (call $environ_get (local.get 0) (local.get 1)))
  (func (export "environ_sizes_get") (param i32 i32) (result i32) (call $environ_sizes_get (local.get 0) (local.get 1)))
  (func (export "clock_res_get") (param i32 i32) (result i32) (call $clock_res_get (local.get 0) (local.get 1)))
  (func (export "clock_time_get") (param i32 i64 i32) (result i32) (call $clock_time_get (local.get 0) (local.get 1) (local.get 2)))
  (func (export "random_get") (param i32 i32) (result i32) (call $random_get (local.get 0) (local.get 1)))
  (func (export "proc_exit") (param i32) (call $proc_exit (local.get 0)) unreachable)
  (func (export "proc_raise") (param i32) (result i32) (call $proc_raise (local.get 0)))
  (func (export "sched_yield") (result i32) (call $sched_yield))
  (func (export "poll_oneoff") (param i32 i32 i32 i32) (result i32) (call $poll_oneoff (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
  (func (export "sock_accept") (param i32 i32 i32) (result i32) (call $sock_accept (local.get 0) (local.get 1) (local.get 2)))
  (func (export "sock_recv") (param i32 i32 i32 i32 i32 i32) (result i32) (call $sock_recv (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
  (func (export "sock_send") (param i32 i32 i32 i32 i32) (result i32) (call $sock_send (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
  (func (export "sock_shutdown") (param i32 i32) (result i32) (call $sock_shutdown (local.get 0) (local.get 1)))

  ;; Copies the NUL-terminated strings whose pointers are in the `count` entries at `argv`
  ;; to `out`, each followed by a newline; returns the end of the output.
  (func $copy_strings (param $argv i32) (param $count i32) (param $out i32) (result i32)
    (local $i i32) (local $p i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $p (i32.load (i32.add (local.get $argv) (i32.shl (local.get $i) (i32.const 2)))))
        (block $end
          (loop $copy
            (local.set $c (i32.load8_u (local.get $p)))
            (br_if $end (i32.eqz (local.get $c)))
            (i32.store8 (local.get $out) (local.get $c))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $copy)))
        (i32.store8 (local.get $out) (i32.const 10))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $out))

  ;; Sizes at 0 and 4, pointer array at 1024, string buffer at 2048.
  (func (export "copy_args") (param $out i32) (result i32)
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (return (i32.const -1))))
    (if (call $args_get (i32.const 1024) (i32.const 2048)) (then (return (i32.const -2))))
    (i32.sub
      (call $copy_strings (i32.const 1024) (i32.load (i32.const 0)) (local.get $out))
      (local.get $out)))
  (func (export "copy_env") (param $out i32) (result i32)
    (if (call $environ_sizes_get (i32.const 0) (i32.const 4)) (then (return (i32.const -1))))
    (if (call $environ_get (i32.const 1024) (i32.const 2048)) (then (return (i32.const -2))))
    (i32.sub
      (call $copy_strings (i32.const 1024) (i32.load (i32.const 0)) (local.get $out))
      (local.get $out)))
)"#;

/// An instance of [`GUEST`] with a WASI context.
struct Guest {
    instance: Instance,
}

fn i32_value(value: u32) -> Value {
    Value::I32(value as i32)
}

impl Guest {
    fn new(context: WasiContext) -> Self {
        let mut data = InstanceData::new();
        data.insert(context);
        let instance = Instance::new(
            runtime(),
            &module(GUEST),
            &wasi_linker(),
            Limits::default(),
            data,
        )
        .expect("guest instantiates");
        Self { instance }
    }

    fn with(builder: WasiContextBuilder) -> Self {
        Self::new(builder.build().expect("context builds"))
    }

    /// Calls export `name` (all `u32` arguments) and returns its errno.
    fn call(&mut self, name: &str, args: &[u32]) -> u16 {
        let args: Vec<Value> = args.iter().copied().map(i32_value).collect();
        self.call_values(name, &args)
    }

    fn call_values(&mut self, name: &str, args: &[Value]) -> u16 {
        match self.instance.call(name, args) {
            Ok(results) => match results.as_slice() {
                [Value::I32(errno)] => u16::try_from(*errno).expect("errno fits u16"),
                other => panic!("{name} returned {other:?}"),
            },
            Err(error) => panic!("{name} failed: {error:?}"),
        }
    }

    /// `clock_time_get(id, precision, time_ptr)`.
    fn clock_time_get(&mut self, id: u32, precision: u64, time_ptr: u32) -> u16 {
        self.call_values(
            "clock_time_get",
            &[
                i32_value(id),
                Value::I64(precision as i64),
                i32_value(time_ptr),
            ],
        )
    }

    fn write<T: GuestValue>(&mut self, offset: u32, value: &T) {
        self.instance
            .memory()
            .unwrap()
            .write(offset, value)
            .unwrap();
    }

    fn read<T: GuestValue>(&mut self, offset: u32) -> T {
        self.instance.memory().unwrap().read(offset).unwrap()
    }

    fn write_bytes(&mut self, offset: u32, bytes: &[u8]) {
        self.instance
            .memory()
            .unwrap()
            .write_bytes(offset, bytes)
            .unwrap();
    }

    fn bytes(&mut self, offset: u32, length: u32) -> Vec<u8> {
        self.instance
            .memory()
            .unwrap()
            .bytes(offset, length)
            .unwrap()
            .to_vec()
    }

    /// Fills `length` bytes at `offset` with a sentinel, to check later that nothing was
    /// written there.
    fn poison(&mut self, offset: u32, length: u32) {
        self.write_bytes(offset, &vec![SENTINEL; length as usize]);
    }

    fn is_poisoned(&mut self, offset: u32, length: u32) -> bool {
        self.bytes(offset, length)
            .iter()
            .all(|&byte| byte == SENTINEL)
    }

    fn wasi(&mut self) -> &mut WasiContext {
        self.instance
            .data_mut()
            .get_mut::<WasiContext>()
            .expect("WASI context")
    }
}

const SENTINEL: u8 = 0xA5;

fn errno(value: Errno) -> u16 {
    value.raw()
}

const SUCCESS: u16 = 0;

/// How a [`SimulatedTask`] moves its clock when asked to sleep.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Advance {
    /// By exactly the time asked.
    Full,
    /// By half of it (rounded up): the task wakes early.
    Half,
    /// Not at all: the clock is not tied to the task.
    Never,
}

/// Task services over a [`ManualClock`]: sleeping records the request and advances the clock,
/// so waits are instant and exact.
struct SimulatedTask {
    clock: Arc<ManualClock>,
    advance: Advance,
    sleeps: Mutex<Vec<u64>>,
    yields: AtomicUsize,
}

impl Task for SimulatedTask {
    fn yield_now(&self) {
        self.yields.fetch_add(1, Ordering::SeqCst);
    }

    fn sleep(&self, nanoseconds: u64) {
        self.sleeps.lock().unwrap().push(nanoseconds);
        match self.advance {
            Advance::Full => {
                self.clock.advance(nanoseconds);
            }
            Advance::Half => {
                self.clock.advance(nanoseconds.div_ceil(2));
            }
            Advance::Never => {}
        }
    }
}

impl SimulatedTask {
    fn sleeps(&self) -> Vec<u64> {
        self.sleeps.lock().unwrap().clone()
    }
}

/// A random source that records the size of each request and fills with a fixed byte, or
/// fails.
#[derive(Default)]
struct RecordingRandom {
    requests: Mutex<Vec<usize>>,
    fail: bool,
}

impl Random for RecordingRandom {
    fn fill(&self, buffer: &mut [u8]) -> Result<(), RandomError> {
        self.requests.lock().unwrap().push(buffer.len());
        if self.fail {
            return Err(RandomError);
        }
        buffer.fill(0x5A);
        Ok(())
    }
}

/// The simulated adapters of one test.
struct Simulation {
    clock: Arc<ManualClock>,
    task: Arc<SimulatedTask>,
    random: Arc<RecordingRandom>,
}

/// Start time of simulated clocks: far from zero so that "in the past" is expressible.
const EPOCH: u64 = 1_700_000_000_000_000_000;

fn simulated(advance: Advance) -> (WasiContextBuilder, Simulation) {
    let clock = Arc::new(ManualClock::new(EPOCH));
    let task = Arc::new(SimulatedTask {
        clock: clock.clone(),
        advance,
        sleeps: Mutex::new(Vec::new()),
        yields: AtomicUsize::new(0),
    });
    let random = Arc::new(RecordingRandom::default());
    let builder = WasiContext::builder()
        .clock(clock.clone())
        .task(task.clone())
        .random(random.clone());
    (
        builder,
        Simulation {
            clock,
            task,
            random,
        },
    )
}

/// A context on the host's real clock, threads and randomness.
fn system() -> WasiContextBuilder {
    WasiContext::builder()
        .clock(Arc::new(SystemClock::new()))
        .task(Arc::new(ThreadTask::new()))
        .random(Arc::new(OsRandom::new()))
}

// ---------------------------------------------------------------------------------------
// args / environ
// ---------------------------------------------------------------------------------------

fn with_args_and_env() -> WasiContextBuilder {
    simulated(Advance::Full)
        .0
        .args(["prog.wasm", "hello", "", "wörld"])
        .env("HOME", "/")
        .env("EMPTY", "")
        .env("LANG", "C.UTF-8")
}

#[test]
fn args_and_env_round_trip_through_a_guest_that_copies_them_out() {
    let mut guest = Guest::with(with_args_and_env());
    let length = guest.call("copy_args", &[8192]);
    let text = "prog.wasm\nhello\n\nwörld\n";
    assert_eq!(usize::from(length), text.len());
    assert_eq!(guest.bytes(8192, u32::from(length)), text.as_bytes());

    let length = guest.call("copy_env", &[8192]);
    let text = "HOME=/\nEMPTY=\nLANG=C.UTF-8\n";
    assert_eq!(usize::from(length), text.len());
    assert_eq!(guest.bytes(8192, u32::from(length)), text.as_bytes());
}

#[test]
fn sizes_count_the_strings_and_their_nuls() {
    let mut guest = Guest::with(with_args_and_env());
    assert_eq!(guest.call("args_sizes_get", &[0, 4]), SUCCESS);
    assert_eq!(guest.read::<u32>(0), 4);
    assert_eq!(guest.read::<u32>(4), 10 + 6 + 1 + 7);
    assert_eq!(guest.call("environ_sizes_get", &[0, 4]), SUCCESS);
    assert_eq!(guest.read::<u32>(0), 3);
    assert_eq!(guest.read::<u32>(4), 7 + 7 + 13);
}

#[test]
fn strings_are_packed_with_pointers_into_the_buffer() {
    let mut guest = Guest::with(with_args_and_env());
    guest.poison(100, 64);
    assert_eq!(guest.call("args_get", &[16, 100]), SUCCESS);
    let pointers: Vec<u32> = (0..4)
        .map(|index| guest.read::<u32>(16 + 4 * index))
        .collect();
    assert_eq!(pointers, [100, 110, 116, 117]);
    assert_eq!(guest.bytes(100, 24), b"prog.wasm\0hello\0\0w\xc3\xb6rld\0");
    // Nothing past the buffer.
    assert!(guest.is_poisoned(124, 40));
}

#[test]
fn sizes_get_with_an_out_of_range_pointer_writes_nothing() {
    let mut guest = Guest::with(with_args_and_env());
    for name in ["args_sizes_get", "environ_sizes_get"] {
        guest.poison(0, 8);
        assert_eq!(
            guest.call(name, &[0, MEMORY_SIZE]),
            errno(Errno::Fault),
            "{name}"
        );
        assert_eq!(
            guest.call(name, &[MEMORY_SIZE - 2, 4]),
            errno(Errno::Fault),
            "{name}"
        );
        assert_eq!(
            guest.call(name, &[u32::MAX, 4]),
            errno(Errno::Fault),
            "{name}"
        );
        assert!(guest.is_poisoned(0, 8), "{name} wrote before failing");
        // Misaligned result pointers are EINVAL (the sandbox's alignment rule).
        assert_eq!(guest.call(name, &[1, 4]), errno(Errno::Invalid), "{name}");
        assert!(guest.is_poisoned(0, 8), "{name} wrote before failing");
    }
}

#[test]
fn get_with_an_out_of_range_array_or_buffer_writes_nothing() {
    let mut guest = Guest::with(with_args_and_env());
    for name in ["args_get", "environ_get"] {
        guest.poison(0, 4096);
        // The pointer array runs past memory (4 or 3 entries of 4 bytes).
        assert_eq!(
            guest.call(name, &[MEMORY_SIZE - 8, 100]),
            errno(Errno::Fault),
            "{name}"
        );
        // The buffer runs past memory.
        assert_eq!(
            guest.call(name, &[16, MEMORY_SIZE - 10]),
            errno(Errno::Fault),
            "{name}"
        );
        // Wrapping addresses.
        assert_eq!(
            guest.call(name, &[16, u32::MAX - 2]),
            errno(Errno::Fault),
            "{name}"
        );
        assert_eq!(
            guest.call(name, &[u32::MAX - 3, 100]),
            errno(Errno::Fault),
            "{name}"
        );
        // A misaligned pointer array.
        assert_eq!(
            guest.call(name, &[18, 100]),
            errno(Errno::Invalid),
            "{name}"
        );
        assert!(guest.is_poisoned(0, 4096), "{name} wrote before failing");
        guest.poison(MEMORY_SIZE - 16, 16);
        assert_eq!(
            guest.call(name, &[16, MEMORY_SIZE - 10]),
            errno(Errno::Fault),
            "{name}"
        );
        assert!(
            guest.is_poisoned(MEMORY_SIZE - 16, 16),
            "{name} wrote before failing"
        );
    }
}

#[test]
fn buffer_may_end_exactly_at_the_end_of_memory() {
    let mut guest = Guest::with(with_args_and_env());
    // 24 bytes of arguments end exactly at the last byte.
    assert_eq!(guest.call("args_get", &[16, MEMORY_SIZE - 24]), SUCCESS);
    assert_eq!(guest.bytes(MEMORY_SIZE - 6, 6), b"\xc3\xb6rld\0");
    assert_eq!(
        guest.call("args_get", &[16, MEMORY_SIZE - 23]),
        errno(Errno::Fault)
    );
}

#[test]
fn empty_args_and_env_ignore_their_pointers() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    for name in ["args_get", "environ_get"] {
        assert_eq!(guest.call(name, &[u32::MAX, u32::MAX]), SUCCESS, "{name}");
        assert_eq!(guest.call(name, &[3, MEMORY_SIZE + 5]), SUCCESS, "{name}");
    }
    guest.poison(0, 8);
    assert_eq!(guest.call("args_sizes_get", &[0, 4]), SUCCESS);
    assert_eq!((guest.read::<u32>(0), guest.read::<u32>(4)), (0, 0));
    guest.poison(0, 8);
    assert_eq!(guest.call("environ_sizes_get", &[0, 4]), SUCCESS);
    assert_eq!((guest.read::<u32>(0), guest.read::<u32>(4)), (0, 0));
}

// ---------------------------------------------------------------------------------------
// clocks
// ---------------------------------------------------------------------------------------

#[test]
fn clock_time_get_reads_the_adapter_and_ignores_precision() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    for (id, precision) in [(0, 0), (1, 0), (0, u64::MAX), (1, 1)] {
        guest.poison(8, 8);
        assert_eq!(guest.clock_time_get(id, precision, 8), SUCCESS);
        assert_eq!(guest.read::<u64>(8), EPOCH);
    }
    simulation.clock.advance(5);
    assert_eq!(guest.clock_time_get(1, 0, 8), SUCCESS);
    assert_eq!(guest.read::<u64>(8), EPOCH + 5);
}

#[test]
fn clock_time_get_on_the_system_clock() {
    let mut guest = Guest::with(system());
    assert_eq!(guest.clock_time_get(0, 0, 8), SUCCESS);
    // After 2020-01-01.
    assert!(guest.read::<u64>(8) > 1_577_836_800_000_000_000);
    assert_eq!(guest.clock_time_get(1, 0, 8), SUCCESS);
    let first = guest.read::<u64>(8);
    assert_eq!(guest.clock_time_get(1, 0, 8), SUCCESS);
    assert!(
        guest.read::<u64>(8) >= first,
        "the monotonic clock went backwards"
    );
}

#[test]
fn clock_res_get_reports_the_adapter_resolution_never_zero() {
    struct Coarse;
    impl Clock for Coarse {
        fn now(&self, _kind: ClockKind) -> u64 {
            0
        }
        fn resolution(&self, kind: ClockKind) -> u64 {
            match kind {
                ClockKind::Realtime => 1_000_000,
                // A sloppy adapter: the guest must still get a non-zero resolution.
                ClockKind::Monotonic => 0,
            }
        }
    }
    let builder = simulated(Advance::Full).0.clock(Arc::new(Coarse));
    let mut guest = Guest::with(builder);
    assert_eq!(guest.call("clock_res_get", &[0, 8]), SUCCESS);
    assert_eq!(guest.read::<u64>(8), 1_000_000);
    assert_eq!(guest.call("clock_res_get", &[1, 8]), SUCCESS);
    assert_eq!(guest.read::<u64>(8), 1);

    let mut guest = Guest::with(system());
    for id in [0, 1] {
        assert_eq!(guest.call("clock_res_get", &[id, 8]), SUCCESS);
        assert!((1..=1_000_000_000).contains(&guest.read::<u64>(8)));
    }
}

#[test]
fn cpu_time_clocks_are_ebadf_like_wasmtime() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    for id in [2, 3] {
        guest.poison(8, 8);
        assert_eq!(
            guest.clock_time_get(id, 0, 8),
            errno(Errno::BadFileDescriptor)
        );
        assert_eq!(
            guest.call("clock_res_get", &[id, 8]),
            errno(Errno::BadFileDescriptor)
        );
        // The clock is checked before the pointer.
        assert_eq!(
            guest.clock_time_get(id, 0, MEMORY_SIZE),
            errno(Errno::BadFileDescriptor)
        );
        assert!(guest.is_poisoned(8, 8));
    }
}

#[test]
fn unknown_clock_ids_are_einval() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    for id in [4, 42, 0x8000_0000, u32::MAX] {
        assert_eq!(
            guest.clock_time_get(id, 0, 8),
            errno(Errno::Invalid),
            "id {id}"
        );
        assert_eq!(
            guest.call("clock_res_get", &[id, 8]),
            errno(Errno::Invalid),
            "id {id}"
        );
    }
}

#[test]
fn clock_results_need_an_aligned_in_range_pointer() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    for pointer in [MEMORY_SIZE, MEMORY_SIZE - 4, u32::MAX - 3] {
        assert_eq!(guest.clock_time_get(1, 0, pointer), errno(Errno::Fault));
        assert_eq!(
            guest.call("clock_res_get", &[1, pointer]),
            errno(Errno::Fault)
        );
    }
    guest.poison(0, 16);
    assert_eq!(guest.clock_time_get(1, 0, 4), errno(Errno::Invalid));
    assert_eq!(guest.call("clock_res_get", &[0, 2]), errno(Errno::Invalid));
    assert!(guest.is_poisoned(0, 16));
    // The last aligned slot of memory is fine.
    assert_eq!(guest.clock_time_get(1, 0, MEMORY_SIZE - 8), SUCCESS);
    assert_eq!(guest.read::<u64>(MEMORY_SIZE - 8), EPOCH);
}

// ---------------------------------------------------------------------------------------
// random_get
// ---------------------------------------------------------------------------------------

#[test]
fn random_get_fills_exactly_the_buffer() {
    let mut guest = Guest::with(system());
    guest.write_bytes(96, &[0; 160]);
    assert_eq!(guest.call("random_get", &[100, 128]), SUCCESS);
    let bytes = guest.bytes(96, 160);
    assert_eq!(&bytes[..4], &[0; 4]);
    assert_eq!(&bytes[132..], &[0; 28]);
    assert!(
        bytes[4..132].iter().any(|&byte| byte != 0),
        "128 random bytes all zero"
    );
    // Up to the last byte of memory.
    assert_eq!(guest.call("random_get", &[MEMORY_SIZE - 16, 16]), SUCCESS);
}

#[test]
fn random_get_fills_guest_memory_in_bounded_chunks() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    assert_eq!(guest.call("random_get", &[1000, 10_000]), SUCCESS);
    assert_eq!(
        *simulation.random.requests.lock().unwrap(),
        [4096, 4096, 1808]
    );
    assert!(guest.bytes(1000, 10_000).iter().all(|&byte| byte == 0x5A));
    // The whole of memory in one call is fine too (bounded by the memory, not the guest).
    assert_eq!(guest.call("random_get", &[0, MEMORY_SIZE]), SUCCESS);
}

#[test]
fn random_get_zero_length_touches_nothing() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    for pointer in [0, MEMORY_SIZE, u32::MAX] {
        assert_eq!(guest.call("random_get", &[pointer, 0]), SUCCESS);
    }
    assert!(simulation.random.requests.lock().unwrap().is_empty());
}

#[test]
fn random_get_out_of_range_is_efault_before_the_adapter_runs() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    guest.poison(MEMORY_SIZE - 64, 64);
    for (pointer, length) in [
        (MEMORY_SIZE - 64, 65),
        (MEMORY_SIZE, 1),
        (u32::MAX, 2),
        (0, u32::MAX),
        (1, MEMORY_SIZE),
    ] {
        assert_eq!(
            guest.call("random_get", &[pointer, length]),
            errno(Errno::Fault)
        );
    }
    assert!(simulation.random.requests.lock().unwrap().is_empty());
    assert!(guest.is_poisoned(MEMORY_SIZE - 64, 64));
}

#[test]
fn a_failing_random_source_is_eio() {
    let builder = simulated(Advance::Full).0.random(Arc::new(RecordingRandom {
        requests: Mutex::new(Vec::new()),
        fail: true,
    }));
    let mut guest = Guest::with(builder);
    assert_eq!(guest.call("random_get", &[0, 16]), errno(Errno::Io));
}

// ---------------------------------------------------------------------------------------
// proc_exit, proc_raise, sched_yield
// ---------------------------------------------------------------------------------------

#[test]
fn proc_exit_ends_the_call_with_the_code() {
    for code in [0, 1, 3, 125, 126, 255, 256, u32::MAX] {
        let mut guest = Guest::with(simulated(Advance::Full).0);
        match guest.instance.call("proc_exit", &[i32_value(code)]) {
            Err(CallError::Exited { code: exited }) => assert_eq!(exited, code),
            other => panic!("proc_exit({code}): {other:?}"),
        }
        // The instance cannot be resumed after an exit.
        assert!(matches!(
            guest.instance.call("sched_yield", &[]),
            Err(CallError::InstanceUnusable)
        ));
    }
}

#[test]
fn proc_raise_is_not_supported_like_wasmtime() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    for signal in 0..=30 {
        assert_eq!(
            guest.call("proc_raise", &[signal]),
            errno(Errno::NotSupported),
            "signal {signal}"
        );
    }
    for signal in [31, 255, 256, u32::MAX] {
        assert_eq!(
            guest.call("proc_raise", &[signal]),
            errno(Errno::Invalid),
            "signal {signal}"
        );
    }
}

#[test]
fn sched_yield_yields_the_task() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    assert_eq!(guest.call("sched_yield", &[]), SUCCESS);
    assert_eq!(guest.call("sched_yield", &[]), SUCCESS);
    assert_eq!(simulation.task.yields.load(Ordering::SeqCst), 2);
    let mut guest = Guest::with(system());
    assert_eq!(guest.call("sched_yield", &[]), SUCCESS);
}

// ---------------------------------------------------------------------------------------
// poll_oneoff
// ---------------------------------------------------------------------------------------

const SUBSCRIPTIONS: u32 = 0x1000;
const EVENTS: u32 = 0x2000;
const NEVENTS: u32 = 0x3000;

const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const REALTIME: u32 = 0;
const MONOTONIC: u32 = 1;
const ABSTIME: u16 = 1;
const HANGUP: u16 = 1;

fn clock_subscription(userdata: u64, id: u32, timeout: u64, flags: u16) -> Subscription {
    Subscription {
        userdata,
        tag: CLOCK,
        id_or_fd: id,
        timeout,
        precision: 0,
        flags,
    }
}

fn fd_subscription(userdata: u64, tag: u8, fd: u32) -> Subscription {
    Subscription {
        userdata,
        tag,
        id_or_fd: fd,
        timeout: 0,
        precision: 0,
        flags: 0,
    }
}

impl Guest {
    /// Writes `subscriptions` at [`SUBSCRIPTIONS`], poisons the outputs, calls `poll_oneoff`
    /// and returns the errno.
    fn poll(&mut self, subscriptions: &[Subscription]) -> u16 {
        for (index, subscription) in (0u32..).zip(subscriptions) {
            self.write(SUBSCRIPTIONS + index * Subscription::SIZE, subscription);
        }
        self.poison(EVENTS, 32 * 16);
        self.poison(NEVENTS, 4);
        let count = u32::try_from(subscriptions.len()).unwrap();
        self.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, count, NEVENTS])
    }

    /// The events written by the last successful `poll`.
    fn events(&mut self) -> Vec<Event> {
        let count = self.read::<u32>(NEVENTS);
        (0..count)
            .map(|index| self.read::<Event>(EVENTS + index * Event::SIZE))
            .collect()
    }

    /// Whether the last `poll` left its outputs untouched.
    fn poll_wrote_nothing(&mut self) -> bool {
        self.is_poisoned(EVENTS, 32 * 16) && self.is_poisoned(NEVENTS, 4)
    }
}

fn clock_event(userdata: u64) -> Event {
    Event {
        userdata,
        error: 0,
        kind: CLOCK,
        nbytes: 0,
        flags: 0,
    }
}

fn fd_event(userdata: u64, kind: u8, nbytes: u64, flags: u16) -> Event {
    Event {
        userdata,
        error: 0,
        kind,
        nbytes,
        flags,
    }
}

fn monotonic_now() -> u64 {
    SystemClock::new().now(ClockKind::Monotonic)
}

#[test]
fn poll_with_no_subscriptions_is_einval() {
    let mut guest = Guest::with(simulated(Advance::Full).0);
    assert_eq!(guest.poll(&[]), errno(Errno::Invalid));
    assert!(guest.poll_wrote_nothing());
    // Whatever the pointers.
    assert_eq!(
        guest.call("poll_oneoff", &[u32::MAX, u32::MAX, 0, u32::MAX]),
        errno(Errno::Invalid)
    );
}

#[test]
fn relative_monotonic_timeout_sleeps_at_least_the_timeout() {
    let mut guest = Guest::with(system());
    let timeout = 20_000_000;
    let before = monotonic_now();
    assert_eq!(
        guest.poll(&[clock_subscription(0x0123_4567_89AB, MONOTONIC, timeout, 0)]),
        SUCCESS
    );
    let elapsed = monotonic_now() - before;
    assert!(
        elapsed >= timeout,
        "slept {elapsed} ns for a {timeout} ns timeout"
    );
    assert_eq!(guest.events(), [clock_event(0x0123_4567_89AB)]);
}

#[test]
fn relative_realtime_timeout_sleeps_at_least_the_timeout() {
    // wasi-libc's sleep() and nanosleep() poll on the realtime clock.
    let mut guest = Guest::with(system());
    let timeout = 10_000_000;
    let before = monotonic_now();
    assert_eq!(
        guest.poll(&[clock_subscription(7, REALTIME, timeout, 0)]),
        SUCCESS
    );
    let elapsed = monotonic_now() - before;
    assert!(
        elapsed >= timeout,
        "slept {elapsed} ns for a {timeout} ns timeout"
    );
    assert_eq!(guest.events(), [clock_event(7)]);
}

#[test]
fn absolute_monotonic_deadline_is_waited_for() {
    let mut guest = Guest::with(system());
    // `SystemClock`s of one process share their monotonic origin.
    let deadline = monotonic_now() + 15_000_000;
    assert_eq!(
        guest.poll(&[clock_subscription(8, MONOTONIC, deadline, ABSTIME)]),
        SUCCESS
    );
    assert!(monotonic_now() >= deadline, "woke before the deadline");
    assert_eq!(guest.events(), [clock_event(8)]);
}

#[test]
fn absolute_realtime_deadline_is_waited_for() {
    let mut guest = Guest::with(system());
    let clock = SystemClock::new();
    let before = monotonic_now();
    let deadline = clock.now(ClockKind::Realtime) + 15_000_000;
    assert_eq!(
        guest.poll(&[clock_subscription(9, REALTIME, deadline, ABSTIME)]),
        SUCCESS
    );
    // The wall clock may be adjusted meanwhile; the monotonic time that passed is what the
    // deadline was converted to, less what had already passed before the call.
    assert!(monotonic_now() - before >= 14_000_000);
    assert!(clock.now(ClockKind::Realtime) >= deadline - 1_000_000);
    assert_eq!(guest.events(), [clock_event(9)]);
}

#[test]
fn simulated_waits_are_exact_for_every_clock_mode() {
    let cases = [
        (clock_subscription(1, MONOTONIC, 5_000, 0), 5_000),
        (clock_subscription(2, REALTIME, 6_000, 0), 6_000),
        (
            clock_subscription(3, MONOTONIC, EPOCH + 7_000, ABSTIME),
            7_000,
        ),
        (
            clock_subscription(4, REALTIME, EPOCH + 8_000, ABSTIME),
            8_000,
        ),
    ];
    for (subscription, expected) in cases {
        let (builder, simulation) = simulated(Advance::Full);
        let mut guest = Guest::with(builder);
        assert_eq!(guest.poll(&[subscription]), SUCCESS);
        assert_eq!(simulation.task.sleeps(), [expected], "{subscription:?}");
        assert_eq!(guest.events(), [clock_event(subscription.userdata)]);
    }
}

#[test]
fn all_expired_clocks_are_reported_in_subscription_order() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    let subscriptions = [
        clock_subscription(1, MONOTONIC, 30_000, 0),
        clock_subscription(2, MONOTONIC, 10_000, 0),
        clock_subscription(3, REALTIME, EPOCH + 10_000, ABSTIME),
        clock_subscription(4, MONOTONIC, 50_000, 0),
        clock_subscription(5, REALTIME, 9_000, 0),
    ];
    assert_eq!(guest.poll(&subscriptions), SUCCESS);
    // One sleep until the earliest deadline; everything due by then fires.
    assert_eq!(simulation.task.sleeps(), [9_000]);
    assert_eq!(guest.events(), [clock_event(5)]);

    // Two deadlines at the same instant fire together.
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    assert_eq!(guest.poll(&subscriptions[..4]), SUCCESS);
    assert_eq!(simulation.task.sleeps(), [10_000]);
    assert_eq!(guest.events(), [clock_event(2), clock_event(3)]);
}

#[test]
fn deadlines_in_the_past_and_zero_timeouts_fire_without_sleeping() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    let subscriptions = [
        clock_subscription(1, MONOTONIC, EPOCH - 1, ABSTIME),
        clock_subscription(2, MONOTONIC, 1_000, 0),
        clock_subscription(3, REALTIME, 0, ABSTIME),
        clock_subscription(4, REALTIME, 0, 0),
        clock_subscription(5, MONOTONIC, EPOCH, ABSTIME),
    ];
    assert_eq!(guest.poll(&subscriptions), SUCCESS);
    assert!(simulation.task.sleeps().is_empty());
    assert_eq!(
        guest.events(),
        [
            clock_event(1),
            clock_event(3),
            clock_event(4),
            clock_event(5)
        ]
    );
}

#[test]
fn a_clock_unrelated_to_the_task_cannot_hang_the_wait() {
    let (builder, simulation) = simulated(Advance::Never);
    let mut guest = Guest::with(builder);
    let subscriptions = [
        clock_subscription(1, MONOTONIC, 2_000, 0),
        clock_subscription(2, MONOTONIC, 1_000, 0),
    ];
    assert_eq!(guest.poll(&subscriptions), SUCCESS);
    // One sleep of the asked length; the earliest deadline counts as reached.
    assert_eq!(simulation.task.sleeps(), [1_000]);
    assert_eq!(guest.events(), [clock_event(2)]);
}

#[test]
fn a_task_that_wakes_early_sleeps_again_a_bounded_number_of_times() {
    let (builder, simulation) = simulated(Advance::Half);
    let mut guest = Guest::with(builder);
    assert_eq!(
        guest.poll(&[clock_subscription(1, MONOTONIC, 1_000, 0)]),
        SUCCESS
    );
    let sleeps = simulation.task.sleeps();
    assert_eq!(sleeps[..3], [1_000, 500, 250]);
    assert_eq!(sleeps.len(), 8, "{sleeps:?}");
    assert_eq!(guest.events(), [clock_event(1)]);

    // With a task that wakes early only a little, a second sleep reaches the deadline.
    let (builder, simulation) = simulated(Advance::Half);
    let mut guest = Guest::with(builder);
    assert_eq!(
        guest.poll(&[clock_subscription(1, MONOTONIC, 2, 0)]),
        SUCCESS
    );
    assert_eq!(simulation.task.sleeps(), [2, 1]);
    assert_eq!(simulation.clock.now(ClockKind::Monotonic), EPOCH + 2);
}

/// Stdio plus a preopened directory (fd 3) and files: fd 4 readable with 5 bytes at position
/// 2, fd 5 readable at its end, fd 6 write-only, fd 7 read-only with no poll right.
fn with_files(builder: WasiContextBuilder) -> WasiContext {
    let file_system = MemoryFileSystem::new();
    let root = file_system.root_directory();
    let options = OpenOptions {
        read: true,
        write: true,
        create: true,
        ..OpenOptions::default()
    };
    let file = root.open_file("data", &options).unwrap();
    file.write_at(0, b"hello").unwrap();
    let mut context = builder
        .preopen_directory("/", Arc::new(file_system.root_directory()))
        .build()
        .unwrap();
    let mut add = |position: u64, readable: bool, writable: bool, rights: u64| {
        let file: Box<dyn File> = root
            .open_file(
                "data",
                &OpenOptions {
                    read: true,
                    write: true,
                    ..OpenOptions::default()
                },
            )
            .unwrap();
        context
            .descriptors
            .insert(Descriptor {
                resource: Resource::File(OpenFile {
                    file,
                    position,
                    flags: 0,
                    readable,
                    writable,
                }),
                rights_base: rights,
                rights_inheriting: 0,
            })
            .unwrap()
    };
    assert_eq!(add(2, true, false, rights::FILE), 4);
    assert_eq!(add(5, true, false, rights::FILE), 5);
    assert_eq!(add(0, false, true, rights::FD_WRITE), 6);
    // Like wasmtime, polling does not need `poll_fd_readwrite`.
    assert_eq!(add(9, true, false, rights::FD_READ), 7);
    context
}

#[test]
fn descriptors_are_always_ready() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::new(with_files(builder));
    let subscriptions = [
        fd_subscription(10, FD_READ, 4),
        clock_subscription(11, MONOTONIC, 1_000_000_000, 0),
        fd_subscription(12, FD_READ, 5),
        fd_subscription(13, FD_WRITE, 6),
        fd_subscription(14, FD_READ, 0),
        fd_subscription(15, FD_WRITE, 1),
        fd_subscription(16, FD_WRITE, 2),
        fd_subscription(17, FD_READ, 7),
        clock_subscription(18, MONOTONIC, 0, 0),
    ];
    assert_eq!(guest.poll(&subscriptions), SUCCESS);
    // Ready descriptors: no sleep, and the pending clock is not reported.
    assert!(simulation.task.sleeps().is_empty());
    assert_eq!(
        guest.events(),
        [
            fd_event(10, FD_READ, 3, 0),
            fd_event(12, FD_READ, 0, HANGUP),
            fd_event(13, FD_WRITE, 1, 0),
            fd_event(14, FD_READ, 1, 0),
            fd_event(15, FD_WRITE, 1, 0),
            fd_event(16, FD_WRITE, 1, 0),
            fd_event(17, FD_READ, 0, HANGUP),
            clock_event(18),
        ]
    );
}

#[test]
fn stdio_readiness_does_not_wait_for_real_clocks() {
    let mut guest = Guest::with(system());
    let subscriptions = [
        clock_subscription(1, MONOTONIC, 200_000_000, 0),
        fd_subscription(2, FD_READ, 0),
        fd_subscription(3, FD_WRITE, 1),
        fd_subscription(4, FD_WRITE, 2),
    ];
    let before = monotonic_now();
    assert_eq!(guest.poll(&subscriptions), SUCCESS);
    assert!(
        monotonic_now() - before < 200_000_000,
        "waited for the clock"
    );
    assert_eq!(
        guest.events(),
        [
            fd_event(2, FD_READ, 1, 0),
            fd_event(3, FD_WRITE, 1, 0),
            fd_event(4, FD_WRITE, 1, 0)
        ]
    );
}

#[test]
fn a_descriptor_that_cannot_be_polled_fails_the_whole_call_with_ebadf() {
    let cases = [
        fd_subscription(1, FD_READ, 99),
        fd_subscription(1, FD_WRITE, u32::MAX),
        // The preopened directory.
        fd_subscription(1, FD_READ, 3),
        fd_subscription(1, FD_WRITE, 3),
        // Stdin cannot be written, stdout and stderr cannot be read.
        fd_subscription(1, FD_WRITE, 0),
        fd_subscription(1, FD_READ, 1),
        fd_subscription(1, FD_READ, 2),
        // A write-only file cannot be polled for reading, a read-only one for writing.
        fd_subscription(1, FD_READ, 6),
        fd_subscription(1, FD_WRITE, 4),
    ];
    for bad in cases {
        let (builder, simulation) = simulated(Advance::Full);
        let mut guest = Guest::new(with_files(builder));
        let subscriptions = [
            clock_subscription(2, MONOTONIC, 0, 0),
            bad,
            fd_subscription(3, FD_WRITE, 1),
        ];
        assert_eq!(
            guest.poll(&subscriptions),
            errno(Errno::BadFileDescriptor),
            "{bad:?}"
        );
        assert!(guest.poll_wrote_nothing(), "{bad:?}");
        assert!(simulation.task.sleeps().is_empty());
    }
}

#[test]
fn a_closed_descriptor_is_ebadf() {
    let (builder, _simulation) = simulated(Advance::Full);
    let mut guest = Guest::new(with_files(builder));
    guest.wasi().descriptors.remove(4).unwrap();
    assert_eq!(
        guest.poll(&[fd_subscription(1, FD_READ, 4)]),
        errno(Errno::BadFileDescriptor)
    );
    assert!(guest.poll_wrote_nothing());
}

#[test]
fn malformed_subscriptions_are_einval() {
    let cases = [
        // Event types past fd_write.
        fd_subscription(1, 3, 0),
        fd_subscription(1, 0xFF, 0),
        // CPU-time clocks cannot be waited on, and ids past them do not exist.
        clock_subscription(1, 2, 0, 0),
        clock_subscription(1, 3, 0, 0),
        clock_subscription(1, 4, 0, 0),
        clock_subscription(1, u32::MAX, 0, 0),
        // Unknown subclockflags bits.
        clock_subscription(1, MONOTONIC, 0, 2),
        clock_subscription(1, MONOTONIC, 0, 0x8001),
    ];
    for bad in cases {
        let (builder, simulation) = simulated(Advance::Full);
        let mut guest = Guest::with(builder);
        let subscriptions = [clock_subscription(2, MONOTONIC, 1_000, 0), bad];
        assert_eq!(guest.poll(&subscriptions), errno(Errno::Invalid), "{bad:?}");
        assert!(guest.poll_wrote_nothing(), "{bad:?}");
        assert!(
            simulation.task.sleeps().is_empty(),
            "slept before validating {bad:?}"
        );
    }
}

#[test]
fn the_precision_and_padding_of_subscriptions_are_ignored() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    guest.poison(SUBSCRIPTIONS, 48);
    let mut subscription = clock_subscription(1, MONOTONIC, 500, 0);
    subscription.precision = u64::MAX;
    // Write the fields one by one so the padding keeps the sentinel bytes.
    guest.write(SUBSCRIPTIONS, &subscription.userdata);
    guest.write(SUBSCRIPTIONS + 8, &subscription.tag);
    guest.write(SUBSCRIPTIONS + 16, &subscription.id_or_fd);
    guest.write(SUBSCRIPTIONS + 24, &subscription.timeout);
    guest.write(SUBSCRIPTIONS + 32, &subscription.precision);
    guest.write(SUBSCRIPTIONS + 40, &subscription.flags);
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 1, NEVENTS]),
        SUCCESS
    );
    assert_eq!(simulation.task.sleeps(), [500]);
    assert_eq!(guest.events(), [clock_event(1)]);
}

#[test]
fn out_of_range_or_misaligned_poll_arrays() {
    let (builder, simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    let clock = clock_subscription(1, MONOTONIC, 0, 0);
    guest.write(SUBSCRIPTIONS, &clock);
    guest.write(MEMORY_SIZE - 48, &clock);
    guest.poison(EVENTS, 64);
    guest.poison(NEVENTS, 4);
    let fault = errno(Errno::Fault);
    // Subscriptions past the end, wrapping, or too many to even size.
    assert_eq!(
        guest.call("poll_oneoff", &[MEMORY_SIZE - 48, EVENTS, 2, NEVENTS]),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[MEMORY_SIZE, EVENTS, 1, NEVENTS]),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[u32::MAX - 7, EVENTS, 1, NEVENTS]),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, u32::MAX, NEVENTS]),
        fault
    );
    assert_eq!(
        guest.call(
            "poll_oneoff",
            &[SUBSCRIPTIONS, EVENTS, 0x0100_0000, NEVENTS]
        ),
        fault
    );
    // A misaligned subscription array.
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS + 4, EVENTS, 1, NEVENTS]),
        errno(Errno::Invalid)
    );
    assert!(guest.is_poisoned(EVENTS, 64) && guest.is_poisoned(NEVENTS, 4));
    // Events or the count out of range: EFAULT once the events are known.
    assert_eq!(
        guest.call(
            "poll_oneoff",
            &[SUBSCRIPTIONS, MEMORY_SIZE - 16, 1, NEVENTS]
        ),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, u32::MAX - 7, 1, NEVENTS]),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 1, MEMORY_SIZE - 2]),
        fault
    );
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS + 4, 1, NEVENTS]),
        errno(Errno::Invalid)
    );
    assert_eq!(
        guest.call("poll_oneoff", &[SUBSCRIPTIONS, EVENTS, 1, NEVENTS + 1]),
        errno(Errno::Invalid)
    );
    // The subscription at the very end of memory is fine.
    assert_eq!(
        guest.call("poll_oneoff", &[MEMORY_SIZE - 48, EVENTS, 1, NEVENTS]),
        SUCCESS
    );
    assert_eq!(guest.events(), [clock_event(1)]);
    assert!(simulation.task.sleeps().is_empty());
}

#[test]
fn the_event_array_only_needs_room_for_the_events_produced() {
    // Like wasmtime, events are written one by one: a guest that sizes its event array for
    // the events it expects is served.
    let (builder, _simulation) = simulated(Advance::Full);
    let mut guest = Guest::with(builder);
    let subscriptions = [
        clock_subscription(1, MONOTONIC, 0, 0),
        clock_subscription(2, MONOTONIC, 10, 0),
    ];
    for (index, subscription) in (0u32..).zip(&subscriptions) {
        guest.write(SUBSCRIPTIONS + index * 48, subscription);
    }
    assert_eq!(
        guest.call(
            "poll_oneoff",
            &[SUBSCRIPTIONS, MEMORY_SIZE - 32, 2, NEVENTS]
        ),
        SUCCESS
    );
    assert_eq!(guest.read::<u32>(NEVENTS), 1);
    assert_eq!(guest.read::<Event>(MEMORY_SIZE - 32), clock_event(1));
}

// ---------------------------------------------------------------------------------------
// sockets
// ---------------------------------------------------------------------------------------

#[test]
fn socket_calls_on_closed_descriptors_are_ebadf() {
    let (builder, _simulation) = simulated(Advance::Full);
    let mut guest = Guest::new(with_files(builder));
    let badf = errno(Errno::BadFileDescriptor);
    for fd in [8, 1000, u32::MAX] {
        assert_eq!(guest.call("sock_accept", &[fd, 0, 0]), badf);
        assert_eq!(guest.call("sock_recv", &[fd, 0, 0, 0, 0, 4]), badf);
        assert_eq!(guest.call("sock_send", &[fd, 0, 0, 0, 0]), badf);
        assert_eq!(guest.call("sock_shutdown", &[fd, 3]), badf);
    }
}

#[test]
fn socket_calls_on_other_descriptors_are_enotsock_like_wasmtime() {
    let (builder, _simulation) = simulated(Advance::Full);
    let mut guest = Guest::new(with_files(builder));
    let notsock = errno(Errno::NotSocket);
    guest.poison(0, 64);
    // Stdio, the preopened directory, files; flags that exist; pointers that are not looked
    // at because the descriptor is not a socket.
    for fd in 0..=7 {
        assert_eq!(guest.call("sock_accept", &[fd, 0, 0]), notsock, "fd {fd}");
        assert_eq!(
            guest.call("sock_accept", &[fd, 4, MEMORY_SIZE]),
            notsock,
            "fd {fd}"
        );
        assert_eq!(
            guest.call("sock_recv", &[fd, 16, 1, 0, 0, 4]),
            notsock,
            "fd {fd}"
        );
        assert_eq!(
            guest.call("sock_recv", &[fd, u32::MAX, u32::MAX, 3, MEMORY_SIZE, 1]),
            notsock
        );
        assert_eq!(
            guest.call("sock_send", &[fd, 16, 1, 0, 0]),
            notsock,
            "fd {fd}"
        );
        assert_eq!(
            guest.call(
                "sock_send",
                &[fd, u32::MAX, u32::MAX, u32::MAX, MEMORY_SIZE]
            ),
            notsock
        );
        for how in 0..=3 {
            assert_eq!(
                guest.call("sock_shutdown", &[fd, how]),
                notsock,
                "fd {fd} how {how}"
            );
        }
    }
    assert!(guest.is_poisoned(0, 64));
}

#[test]
fn undefined_socket_flags_are_refused_before_the_descriptor_is_looked_at() {
    let (builder, _simulation) = simulated(Advance::Full);
    let mut guest = Guest::new(with_files(builder));
    // An undefined bit within the flags' witx type is `EINVAL`; a value wider than the type
    // (`fdflags`, `riflags`: u16; `sdflags`: u8) `EOVERFLOW`, as for the descriptor calls.
    let inval = errno(Errno::Invalid);
    let overflow = errno(Errno::Overflow);
    for fd in [1, 3, 99] {
        for (flags, expected) in [
            (1 << 5, inval),
            (0x8000, inval),
            (0x1_0000, overflow),
            (u32::MAX, overflow),
        ] {
            assert_eq!(
                guest.call("sock_accept", &[fd, flags, 0]),
                expected,
                "fd {fd} flags {flags:#x}"
            );
        }
        for (flags, expected) in [
            (4, inval),
            (0x100, inval),
            (0x1_0001, overflow),
            (u32::MAX, overflow),
        ] {
            assert_eq!(
                guest.call("sock_recv", &[fd, 0, 0, flags, 0, 4]),
                expected,
                "fd {fd} flags {flags:#x}"
            );
        }
        for (how, expected) in [
            (4, inval),
            (0x80, inval),
            (0x100, overflow),
            (u32::MAX, overflow),
        ] {
            assert_eq!(
                guest.call("sock_shutdown", &[fd, how]),
                expected,
                "fd {fd} how {how:#x}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// embedder errors
// ---------------------------------------------------------------------------------------

#[test]
fn an_instance_without_a_wasi_context_traps() {
    let mut instance = Instance::new(
        runtime(),
        &module(GUEST),
        &wasi_linker(),
        Limits::default(),
        InstanceData::new(),
    )
    .unwrap();
    match instance.call("sched_yield", &[]) {
        Err(CallError::Trap(Trap::Host { module, name, .. })) => {
            assert_eq!(
                (&*module, &*name),
                ("wasi_snapshot_preview1", "sched_yield")
            );
        }
        other => panic!("{other:?}"),
    }
}

/// An instance of `wat`, a module without linear memory, with a WASI context.
fn memoryless_instance(wat: &str) -> Instance {
    let mut data = InstanceData::new();
    data.insert(simulated(Advance::Full).0.build().unwrap());
    Instance::new(
        runtime(),
        &module(wat),
        &wasi_linker(),
        Limits::default(),
        data,
    )
    .unwrap()
}

#[test]
fn a_module_without_memory_gets_efault() {
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
        (func (export "now") (result i32) (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 0))))"#;
    let mut instance = memoryless_instance(wat);
    assert_eq!(
        instance.call("now", &[]).unwrap(),
        [Value::I32(i32::from(errno(Errno::Fault)))]
    );
}

#[test]
fn a_module_without_memory_can_call_functions_that_take_no_pointer() {
    // Those functions never build the memory view, so they work as for any module; the
    // pointer-taking ones in the same module still get `EFAULT`.
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
        (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
        (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
        (func (export "close") (param i32) (result i32) (call $fd_close (local.get 0)))
        (func (export "yield") (result i32) (call $sched_yield))
        (func (export "tell") (result i32) (call $fd_tell (i32.const 0) (i32.const 0))))"#;
    let mut instance = memoryless_instance(wat);
    assert_eq!(
        instance.call("close", &[Value::I32(99)]).unwrap(),
        [Value::I32(i32::from(errno(Errno::BadFileDescriptor)))]
    );
    assert_eq!(instance.call("yield", &[]).unwrap(), [Value::I32(0)]);
    assert_eq!(
        instance.call("tell", &[]).unwrap(),
        [Value::I32(i32::from(errno(Errno::Fault)))]
    );
}
