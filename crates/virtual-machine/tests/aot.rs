//! Ahead-of-time compiled modules through the facade: the WASI test programs give the same
//! results as interpreted, out-of-bounds accesses trap without writing outside linear memory,
//! files the runtime must not run are refused, runaway code is stopped, the instruction budget
//! is refused, and a read-only buffer is never written.
//!
//! The modules are compiled by `xila-aotc` (tools/aot-compiler, which needs LLVM 19), found
//! through the `XILA_AOTC` variable; the tests are ignored in a plain `cargo test` and run by
//! `cargo xtask test` (step `aot`), which builds the compiler and sets the variable.
#![cfg(feature = "std")]

mod common;
#[path = "../../vm-core/tests/shared/host_values.rs"]
mod host_values;

use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::wasi_guests::{Backend, Invocation, Outcome, guest_file, run_module};
use virtual_machine::aot_stamp::{
    Abi, AotStamp, BoundsChecks, CompileOptions, FIXED_HEADER_LEN, Target,
};
use virtual_machine::host::host::HostTcpListener;
use virtual_machine::wasi::WasiContextBuilder;
use virtual_machine::{
    Allocator, DefineError, Error, FailureClass, INSTRUCTION_BUDGET_SUPPORTED, Instance,
    InstanceData, InstantiationError, LimitsError, Linker, LoadErrorKind, Module, RunOptions, Trap,
    TrapKind, Value, VirtualMachine,
};

/// The variable naming the compiler binary.
const COMPILER_VARIABLE: &str = "XILA_AOTC";

/// The architecture this test binary runs on, as the compiler names it.
fn runtime_target() -> Target {
    virtual_machine::runtime_target().expect("the VM has no AOT target for this architecture")
}

/// The compiler binary. An ignored test run on purpose without it must fail, not pass.
fn compiler() -> PathBuf {
    match std::env::var_os(COMPILER_VARIABLE) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => panic!(
            "{COMPILER_VARIABLE} is not set: these tests compile their modules with xila-aotc \
             (tools/aot-compiler, needs LLVM 19). Run them with `cargo xtask test`, which builds \
             the compiler, or set {COMPILER_VARIABLE} to the xila-aotc binary"
        ),
    }
}

/// Compiles WebAssembly for `target` with `xila-aotc` and returns the stamped `.aot` file.
fn compile_for(wasm: &[u8], target: Target) -> Vec<u8> {
    compile_with(wasm, target, &[])
}

/// Compiles WebAssembly for `target` with extra compiler options.
fn compile_with(wasm: &[u8], target: Target, options: &[&str]) -> Vec<u8> {
    let directory = tempfile::tempdir().expect("temp dir");
    let input = directory.path().join("in.wasm");
    let output = directory.path().join("out.aot");
    std::fs::write(&input, wasm).expect("write the module");
    let compiler = compiler();
    let result = Command::new(&compiler)
        .arg("--target")
        .arg(target.name())
        .args(options)
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .output()
        .unwrap_or_else(|error| panic!("{} does not start: {error}", compiler.display()));
    assert!(
        result.status.success(),
        "xila-aotc --target {target} failed ({}):\n{}",
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    std::fs::read(&output).expect("the compiler wrote its output")
}

/// Compiles WebAssembly for this machine.
fn compile(wasm: &[u8]) -> Vec<u8> {
    compile_for(wasm, runtime_target())
}

fn compile_wat(wat: &str) -> Vec<u8> {
    compile(&wat::parse_str(wat).expect("test WAT is valid"))
}

/// A VM without host functions. Every test of this binary uses the system allocator (the
/// runtime is process-wide).
fn bare_vm() -> VirtualMachine {
    common::vm()
}

fn load_aot(vm: &VirtualMachine, aot: Vec<u8>) -> Module {
    let module = vm.load(aot).expect("the AOT module loads");
    assert!(module.is_aot());
    module
}

// --- (a) The WASI test programs, compiled, behave exactly as interpreted. ---

/// Extra WASI settings for a run.
type Configure = fn(WasiContextBuilder) -> WasiContextBuilder;

/// One run of a guest program: its arguments, environment and stdin.
type Run<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [u8]);

/// Runs `program` interpreted and AOT-compiled with the same inputs, on both backends (or the
/// in-memory one only), and expects the same status and output, and no change outside the
/// preopened directory. Returns the AOT outcomes for further checks.
fn same_as_interpreted(program: &str, runs: &[Run<'_>], memory_backend_only: bool) -> Vec<Outcome> {
    same_as_interpreted_with(program, runs, memory_backend_only, |builder| builder)
}

fn same_as_interpreted_with(
    program: &str,
    runs: &[Run<'_>],
    memory_backend_only: bool,
    configure: Configure,
) -> Vec<Outcome> {
    let (file, name) = guest_file(program);
    let wasm = std::fs::read(&file).expect("guest program exists");
    let vm = common::wasi_guests::vm();
    let interpreted = vm.load(wasm.clone()).expect("the program loads");
    assert!(!interpreted.is_aot());
    let compiled = load_aot(&vm, compile(&wasm));
    let mut outcomes = Vec::new();
    for &(args, env, stdin) in runs {
        let invocation = Invocation {
            name,
            args,
            env,
            stdin,
        };
        let backends: &[fn() -> Backend] = if memory_backend_only {
            &[Backend::memory]
        } else {
            &[Backend::host, Backend::memory]
        };
        for backend in backends {
            let mut results = Vec::new();
            for module in [&interpreted, &compiled] {
                let backend = backend();
                let before = backend.outside();
                let outcome = run_module(&vm, module, &invocation, &backend, configure);
                assert_eq!(
                    backend.outside(),
                    before,
                    "{program} changed files outside the preopen"
                );
                results.push(outcome);
            }
            assert_eq!(
                results[1], results[0],
                "{program} {args:?}: AOT (left) differs from the interpreter (right)"
            );
            outcomes.push(results.remove(1));
        }
    }
    outcomes
}

fn succeeds_with(outcomes: &[Outcome], marker: &str) {
    for outcome in outcomes {
        assert!(outcome.status.success(), "{outcome:?}");
        assert!(outcome.stdout.contains(marker), "{outcome:?}");
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_hello_arguments_environment_and_exit_codes() {
    let outcomes = same_as_interpreted("hello", &[(&["one", "two"], &[], b"")], true);
    assert_eq!(
        outcomes[0].stdout,
        "hello from wasi\narg 0: hello.wasm\narg 1: one\narg 2: two\n"
    );
    let outcomes = same_as_interpreted(
        "args_env",
        &[(
            &["first", "second arg", "ünïcödé"],
            &[("GREETING", "hi"), ("EMPTY", "")],
            b"",
        )],
        true,
    );
    succeeds_with(&outcomes, "args and env ok");
    let outcomes = same_as_interpreted(
        "exit_code",
        &[
            (&["0"], &[], b""),
            (&["42"], &[], b""),
            (&["125"], &[], b""),
        ],
        true,
    );
    let codes: Vec<u32> = outcomes
        .iter()
        .map(|outcome| outcome.status.code())
        .collect();
    assert_eq!(codes, [0, 42, 125]);
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_stdin_is_read_to_the_end() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let outcomes = same_as_interpreted("stdin", &[(&[], &[], &input)], true);
    assert!(
        outcomes[0]
            .stdout
            .starts_with("read 100000 bytes, checksum "),
        "{:?}",
        outcomes[0]
    );
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_clocks_and_random() {
    succeeds_with(
        &same_as_interpreted("clocks", &[(&[], &[], b"")], false),
        "clocks ok",
    );
    succeeds_with(
        &same_as_interpreted("random", &[(&[], &[], b"")], false),
        "random ok",
    );
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_files_links_and_escapes() {
    for (program, marker) in [
        ("files", "files ok"),
        ("symlinks", "symlinks ok"),
        ("escapes", "escapes refused"),
    ] {
        succeeds_with(
            &same_as_interpreted(program, &[(&[], &[], b"")], false),
            marker,
        );
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_path_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe.stdout");
    for outcome in same_as_interpreted("probe", &[(&[], &[], b"")], false) {
        assert_eq!(outcome.stdout, expected);
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_a_preopened_tcp_listener_echoes() {
    use std::io::{BufRead, BufReader, Write};
    // Each run (interpreted, then AOT) gets a listener of its own and a client thread.
    fn with_listener(builder: WasiContextBuilder) -> WasiContextBuilder {
        let listener =
            HostTcpListener::bind("127.0.0.1:0".parse().expect("address")).expect("bind");
        let address = listener.local_address().expect("address");
        std::thread::spawn(move || {
            let mut stream = std::net::TcpStream::connect(address).expect("connect");
            stream.write_all(b"ping\nsecond line\n").expect("send");
            stream
                .shutdown(std::net::Shutdown::Write)
                .expect("shutdown");
            // The guest's own report ("echoed 2 lines") shows what it received.
            for line in BufReader::new(stream).lines() {
                line.expect("line");
            }
        });
        builder.preopen_socket(Box::new(listener))
    }
    // fd 3 is the preopened directory, so the listener is fd 4.
    let outcomes = same_as_interpreted_with("tcp_echo", &[(&["4"], &[], b"")], true, with_listener);
    assert_eq!(outcomes[0].stdout, "echoed 2 lines\n");
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_c_programs() {
    succeeds_with(
        &same_as_interpreted("c/files", &[(&[], &[], b"")], false),
        "c files ok",
    );
    let outcomes = same_as_interpreted(
        "c/process",
        &[(&["one", "two"], &[("GREETING", "hi")], b"")],
        true,
    );
    assert_eq!(outcomes[0].status.code(), 7);
    assert_eq!(outcomes[0].stdout, "c process ok\n");
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn wasi_assemblyscript_programs() {
    let environment: &[(&str, &str)] = &[("GREETING", "hi"), ("EMPTY", "")];
    let input: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    let outcomes = same_as_interpreted(
        "as/hello",
        &[
            (&["one", "two words"], environment, &input),
            (&["--exit=42"], environment, b""),
            // Without the environment the program reports its own failure.
            (&[], &[], b""),
        ],
        true,
    );
    let codes: Vec<u32> = outcomes
        .iter()
        .map(|outcome| outcome.status.code())
        .collect();
    assert_eq!(codes, [0, 42, 1]);
    assert!(
        outcomes[0]
            .stdout
            .starts_with("hello from assemblyscript\n")
    );
    succeeds_with(
        &same_as_interpreted("as/clock_random", &[(&[], &[], b"")], false),
        "assemblyscript clocks and random ok",
    );
    succeeds_with(
        &same_as_interpreted("as/files", &[(&[], &[], b"")], false),
        "assemblyscript files ok",
    );
}

// --- Start functions and auto-called hooks (the compiler's rewrite). ---

/// AOT code hands host functions its arguments in one buffer that also receives the result,
/// the interpreter in the frame's cells with a separate result buffer.
#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn values_of_every_type_cross_the_host_boundary_as_interpreted() {
    let ticks = host_values::Ticks::default();
    let vm = VirtualMachine::builder()
        .host_functions({
            let ticks = ticks.clone();
            move |linker| host_values::define(linker, &ticks)
        })
        .build()
        .expect("the VM builds");
    let wasm = wat::parse_str(host_values::WAT).expect("test WAT is valid");
    let interpreted = vm.load(wasm.clone()).expect("the module loads");
    let compiled = load_aot(&vm, compile(&wasm));
    for (what, module) in [("interpreted", &interpreted), ("AOT", &compiled)] {
        host_values::check(what, &ticks, |name, args| {
            vm.invoke(module, name, args)
                .unwrap_or_else(|error| panic!("{name} ({what}): {error}"))
        });
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn the_start_function_and_hooks_behave_as_interpreted() {
    let wasm = wat::parse_str(
        r#"(module
            (memory 1)
            (global $log (mut i32) (i32.const 0))
            (func $start (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 1))))
            (start $start)
            (func (export "__wasm_call_ctors")
                (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 2))))
            (func (export "_start")
                (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 3))))
            (func (export "log") (result i32) (global.get $log)))"#,
    )
    .expect("valid WAT");
    let vm = bare_vm();
    let mut logs = Vec::new();
    for module in [
        vm.load(wasm.clone()).expect("loads"),
        load_aot(&vm, compile(&wasm)),
    ] {
        let mut instance = vm
            .instantiate(&module, InstanceData::new())
            .expect("instance");
        let mut log = || match instance.call("log", &[]).expect("log").as_slice() {
            [Value::I32(log)] => *log,
            other => panic!("{other:?}"),
        };
        // The start function ran once, after instantiation; the hook did not run by itself.
        let after_instantiation = log();
        instance
            .call("__wasm_call_ctors", &[])
            .expect("the hook is callable");
        instance.call("_start", &[]).expect("entry point");
        let mut instance_log = vec![after_instantiation];
        instance_log.push(match instance.call("log", &[]).expect("log").as_slice() {
            [Value::I32(log)] => *log,
            other => panic!("{other:?}"),
        });
        logs.push(instance_log);
    }
    assert_eq!(logs[0], [1, 123], "interpreted");
    assert_eq!(logs[1], logs[0], "AOT differs from the interpreter");
}

// --- (b) Out-of-bounds accesses trap and write nothing outside linear memory. ---

/// What the guest stores in its out-of-bounds attempts.
const STORED: u8 = 0x5a;
/// What the attacking instance's own memory is filled with.
const OWN: u8 = 0x11;
/// What the victim instance's memory and the host buffers are filled with.
const CANARY: u8 = 0xa5;
const HOST_CANARY: u8 = 0xc3;
const PAGE: u64 = 65536;

/// Stores and loads of each width, with static offsets 0, 16, one page and u32::MAX, at an
/// address given at run time; constant-address accesses at the end of the first page; bulk
/// memory; growth.
const ACCESSOR: &str = r#"(module
    (memory 1 4)
    (func (export "fill") (param $value i32)
        (memory.fill (i32.const 0) (local.get $value) (i32.mul (memory.size) (i32.const 65536))))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "store8") (param $a i32) (i32.store8 (local.get $a) (i32.const 0x5a)))
    (func (export "store16") (param $a i32) (i32.store16 (local.get $a) (i32.const 0x5a5a)))
    (func (export "store32") (param $a i32) (i32.store (local.get $a) (i32.const 0x5a5a5a5a)))
    (func (export "store64") (param $a i32)
        (i64.store (local.get $a) (i64.const 0x5a5a5a5a5a5a5a5a)))
    (func (export "store32+16") (param $a i32)
        (i32.store offset=16 (local.get $a) (i32.const 0x5a5a5a5a)))
    (func (export "store32+65536") (param $a i32)
        (i32.store offset=65536 (local.get $a) (i32.const 0x5a5a5a5a)))
    (func (export "store64+4294967295") (param $a i32)
        (i64.store offset=4294967295 (local.get $a) (i64.const 0x5a5a5a5a5a5a5a5a)))
    (func (export "store32@65536") (param $a i32)
        (i32.store (i32.const 65536) (i32.const 0x5a5a5a5a)))
    (func (export "store32@65534") (param $a i32)
        (i32.store (i32.const 65534) (i32.const 0x5a5a5a5a)))
    (func (export "fill8") (param $a i32) (memory.fill (local.get $a) (i32.const 0x5a) (i32.const 8)))
    (func (export "copy8") (param $a i32) (memory.copy (local.get $a) (i32.const 0) (i32.const 8)))
    (func (export "load8") (param $a i32) (result i64) (i64.load8_u (local.get $a)))
    (func (export "load32") (param $a i32) (result i64) (i64.load32_u (local.get $a)))
    (func (export "load64") (param $a i32) (result i64) (i64.load (local.get $a)))
    (func (export "load32+16") (param $a i32) (result i64) (i64.load32_u offset=16 (local.get $a)))
    (func (export "load64+4294967295") (param $a i32) (result i64)
        (i64.load offset=4294967295 (local.get $a)))
    (func (export "load32@65536") (param $a i32) (result i64) (i64.load32_u (i32.const 65536))))"#;

/// An access export: its name, its static offset, its width in bytes, whether it stores.
#[derive(Debug, Clone, Copy)]
struct Access {
    name: &'static str,
    offset: u64,
    width: u64,
    stores: bool,
}

const fn access(name: &'static str, offset: u64, width: u64, stores: bool) -> Access {
    Access {
        name,
        offset,
        width,
        stores,
    }
}

const ACCESSES: &[Access] = &[
    access("store8", 0, 1, true),
    access("store16", 0, 2, true),
    access("store32", 0, 4, true),
    access("store64", 0, 8, true),
    access("store32+16", 16, 4, true),
    access("store32+65536", 65536, 4, true),
    access("store64+4294967295", 4_294_967_295, 8, true),
    access("fill8", 0, 8, true),
    access("copy8", 0, 8, true),
    access("load8", 0, 1, false),
    access("load32", 0, 4, false),
    access("load64", 0, 8, false),
    access("load32+16", 16, 4, false),
    access("load64+4294967295", 4_294_967_295, 8, false),
];

/// The base address and length of an instance's linear memory.
fn memory_span(instance: &mut Instance) -> (usize, usize) {
    let memory = instance.memory().expect("the module has a memory");
    let len = memory.len();
    let base = memory
        .bytes(0, u32::try_from(len).expect("small memory"))
        .expect("the whole memory")
        .as_ptr() as usize;
    (base, len)
}

/// Whether every byte of the instance's memory is `value`.
fn memory_is_all(instance: &mut Instance, value: u8) -> bool {
    let memory = instance.memory().expect("the module has a memory");
    let len = u32::try_from(memory.len()).expect("small memory");
    memory
        .bytes(0, len)
        .expect("the whole memory")
        .iter()
        .all(|&byte| byte == value)
}

fn call_with_address(
    instance: &mut Instance,
    name: &str,
    address: u64,
) -> Result<Vec<Value>, Error> {
    let address = u32::try_from(address).expect("a wasm32 address");
    instance
        .call(name, &[Value::I32(address as i32)])
        .map_err(Error::Call)
}

fn fresh(vm: &VirtualMachine, module: &Module, fill: u8) -> Instance {
    let mut instance = vm
        .instantiate(module, InstanceData::new())
        .expect("instance");
    instance
        .call("fill", &[Value::I32(i32::from(fill))])
        .expect("fill");
    instance
}

fn expect_out_of_bounds(result: Result<Vec<Value>, Error>, what: &str) {
    match result {
        Err(error) => assert_eq!(
            error.trap().map(Trap::kind),
            Some(TrapKind::OutOfBoundsMemory),
            "{what}: {error}"
        ),
        Ok(values) => panic!("{what} did not trap (returned {values:?})"),
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn accesses_at_and_past_the_end_trap_and_write_nothing() {
    let vm = bare_vm();
    let module = load_aot(&vm, compile_wat(ACCESSOR));
    let memory_end = PAGE;
    for access in ACCESSES {
        // The last in-bounds address works, and reads or writes exactly there.
        if access.offset < memory_end {
            let last = memory_end - access.offset - access.width;
            let mut instance = fresh(&vm, &module, OWN);
            let result = call_with_address(&mut instance, access.name, last)
                .unwrap_or_else(|error| panic!("{} at {last}: {error}", access.name));
            let memory = instance.memory().expect("memory");
            let written = memory
                .bytes((last + access.offset) as u32, access.width as u32)
                .expect("in bounds");
            if access.stores {
                let expected = if access.name == "copy8" { OWN } else { STORED };
                assert!(written.iter().all(|&b| b == expected), "{}", access.name);
            } else {
                let expected = u64::from_le_bytes([OWN; 8]) >> (64 - 8 * access.width);
                assert_eq!(result, [Value::I64(expected as i64)], "{}", access.name);
            }
        }
        // One byte further, and far further, traps and leaves the memory as it was.
        let past = [
            memory_end.saturating_sub(access.offset + access.width) + 1,
            memory_end.saturating_sub(access.offset),
            memory_end,
            memory_end + 1,
            0x7fff_ffff,
            0xffff_fffc,
            0xffff_ffff,
        ];
        for address in past {
            if address + access.offset + access.width <= memory_end {
                continue;
            }
            let mut instance = fresh(&vm, &module, OWN);
            let what = format!("{} at {address:#x}", access.name);
            expect_out_of_bounds(
                call_with_address(&mut instance, access.name, address),
                &what,
            );
            assert!(
                memory_is_all(&mut instance, OWN),
                "{what} changed the memory"
            );
        }
    }
    for constant in ["store32@65536", "store32@65534", "load32@65536"] {
        let mut instance = fresh(&vm, &module, OWN);
        expect_out_of_bounds(call_with_address(&mut instance, constant, 0), constant);
        assert!(memory_is_all(&mut instance, OWN), "{constant}");
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn grown_memory_is_bounded_by_its_new_size() {
    let vm = bare_vm();
    let module = load_aot(&vm, compile_wat(ACCESSOR));
    let mut instance = fresh(&vm, &module, OWN);
    assert_eq!(
        instance.call("grow", &[Value::I32(1)]).expect("grow"),
        [Value::I32(1)]
    );
    // The new page is usable up to its last byte.
    call_with_address(&mut instance, "store32", 2 * PAGE - 4).expect("store in the new page");
    call_with_address(&mut instance, "store32+65536", PAGE - 4).expect("offset into the new page");
    expect_out_of_bounds(
        call_with_address(&mut instance, "store32", 2 * PAGE - 3),
        "store32 across the new end",
    );
    for (address, name) in [
        (2 * PAGE, "store8"),
        (PAGE, "store32+65536"),
        (2 * PAGE, "load8"),
    ] {
        let mut instance = fresh(&vm, &module, OWN);
        assert_eq!(
            instance.call("grow", &[Value::I32(1)]).expect("grow"),
            [Value::I32(1)]
        );
        let what = format!("{name} at {address:#x} after growing");
        expect_out_of_bounds(call_with_address(&mut instance, name, address), &what);
    }
    // Growing past the maximum fails, and the memory keeps its size.
    let mut instance = fresh(&vm, &module, OWN);
    assert_eq!(
        instance.call("grow", &[Value::I32(4)]).expect("grow"),
        [Value::I32(-1)]
    );
    expect_out_of_bounds(
        call_with_address(&mut instance, "store8", PAGE),
        "store8 after a failed grow",
    );
    assert!(memory_is_all(&mut instance, OWN));
}

/// Functions that store, grow memory (by a call or in place) and store again. xila-aotc lets
/// LLVM keep linear memory's bounds across stores (alias information): these check that the
/// bounds are still taken again after a grow, and that stores before it stay checked.
const STORES_AROUND_A_GROW: &str = r#"(module
    (memory 1 4)
    (func (export "fill") (param $value i32)
        (memory.fill (i32.const 0) (local.get $value) (i32.mul (memory.size) (i32.const 65536))))
    (func $grow_one (drop (memory.grow (i32.const 1))))
    (func (export "by call") (param $a i32) (param $b i32) (param $c i32)
        (i32.store (local.get $a) (i32.const 0x5a5a5a5a))
        (i32.store (local.get $b) (i32.const 0x5a5a5a5a))
        (call $grow_one)
        (i32.store (local.get $c) (i32.const 0x5a5a5a5a)))
    (func (export "in place") (param $a i32) (param $b i32) (param $c i32)
        (i32.store (local.get $a) (i32.const 0x5a5a5a5a))
        (i32.store (local.get $b) (i32.const 0x5a5a5a5a))
        (drop (memory.grow (i32.const 1)))
        (i32.store (local.get $c) (i32.const 0x5a5a5a5a))))"#;

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn stores_around_a_grow_in_one_function_see_the_right_bounds() {
    let vm = bare_vm();
    let module = load_aot(&vm, compile_wat(STORES_AROUND_A_GROW));
    let stored = u32::from_le_bytes([STORED; 4]);
    let call = |instance: &mut Instance, name: &str, [a, b, c]: [u64; 3]| {
        let arguments = [a, b, c]
            .map(|address| Value::I32(u32::try_from(address).expect("a wasm32 address") as i32));
        instance.call(name, &arguments).map_err(Error::Call)
    };
    let word_at = |instance: &mut Instance, address: u64| {
        let memory = instance.memory().expect("the module has a memory");
        let bytes = memory
            .bytes(u32::try_from(address).expect("small"), 4)
            .expect("in memory");
        u32::from_le_bytes(bytes.try_into().expect("four bytes"))
    };
    for name in ["by call", "in place"] {
        // The last word of the new page is writable once the function has grown memory.
        let mut instance = fresh(&vm, &module, OWN);
        call(&mut instance, name, [0, PAGE - 4, 2 * PAGE - 4])
            .unwrap_or_else(|error| panic!("{name}: store in the new page: {error}"));
        for address in [0, PAGE - 4, 2 * PAGE - 4] {
            assert_eq!(
                word_at(&mut instance, address),
                stored,
                "{name} at {address:#x}"
            );
        }

        // Before the grow, the first page is all there is: the second store traps, nothing
        // is grown and nothing past the first store is written.
        let mut instance = fresh(&vm, &module, OWN);
        expect_out_of_bounds(
            call(&mut instance, name, [0, PAGE - 3, PAGE]),
            &format!("{name}: store across the end before the grow"),
        );
        assert_eq!(memory_span(&mut instance).1, PAGE as usize, "{name}");
        assert_eq!(word_at(&mut instance, 0), stored, "{name}");
        assert_eq!(
            word_at(&mut instance, PAGE - 4),
            u32::from_le_bytes([OWN; 4]),
            "{name}"
        );

        // After the grow, the new end is the bound (the new page comes zeroed).
        let mut instance = fresh(&vm, &module, OWN);
        expect_out_of_bounds(
            call(&mut instance, name, [0, 4, 2 * PAGE - 3]),
            &format!("{name}: store across the new end"),
        );
        assert_eq!(memory_span(&mut instance).1, 2 * PAGE as usize, "{name}");
        assert_eq!(word_at(&mut instance, 2 * PAGE - 4), 0, "{name}");
    }
}

/// Aims each access of an attacking instance at the middle of memory that is not its own: the
/// linear memory of an instance created after it, and a host buffer allocated after that
/// (allocators tend to place them just above the attacker's memory). Each attempt uses fresh
/// instances, since a trap makes an instance unusable. Returns how many accesses could be
/// aimed (a neighbour must lie within a wasm32 address plus offset above the attacker).
fn aim_at_neighbours(vm: &VirtualMachine, module: &Module, grow_first: bool) -> usize {
    let mut aimed = 0;
    for access in ACCESSES {
        for aim_at_host in [false, true] {
            let mut attacker = fresh(vm, module, OWN);
            if grow_first {
                assert_eq!(
                    attacker.call("grow", &[Value::I32(2)]).expect("grow"),
                    [Value::I32(1)]
                );
                attacker
                    .call("fill", &[Value::I32(i32::from(OWN))])
                    .expect("fill");
            }
            let mut victim = fresh(vm, module, CANARY);
            let host = std::hint::black_box(vec![HOST_CANARY; PAGE as usize]);
            let (base, _) = memory_span(&mut attacker);
            let (neighbour, len, what) = if aim_at_host {
                (host.as_ptr() as usize, host.len(), "a host buffer")
            } else {
                let (victim_base, victim_len) = memory_span(&mut victim);
                (victim_base, victim_len, "another instance's memory")
            };
            let aim = neighbour + len / 2;
            let reachable = aim
                .checked_sub(base)
                .and_then(|distance| (distance as u64).checked_sub(access.offset))
                .filter(|address| *address <= u64::from(u32::MAX));
            if let Some(address) = reachable {
                let what = format!(
                    "{} aimed at {what} ({:#x} bytes above the attacker's memory{})",
                    access.name,
                    aim - base,
                    if grow_first { ", grown" } else { "" }
                );
                expect_out_of_bounds(
                    call_with_address(&mut attacker, access.name, address),
                    &what,
                );
                assert!(
                    memory_is_all(&mut attacker, OWN),
                    "{what}: own memory changed"
                );
                aimed += 1;
            }
            assert!(
                memory_is_all(&mut victim, CANARY),
                "another instance was written"
            );
            let host = std::hint::black_box(host);
            assert!(
                host.iter().all(|&byte| byte == HOST_CANARY),
                "a host buffer was written"
            );
        }
    }
    aimed
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn out_of_bounds_accesses_never_reach_another_instance_or_the_host() {
    let vm = bare_vm();
    let module = load_aot(&vm, compile_wat(ACCESSOR));
    let aimed = aim_at_neighbours(&vm, &module, false) + aim_at_neighbours(&vm, &module, true);
    println!(
        "aimed {aimed} of {} out-of-bounds accesses at neighbouring memory",
        ACCESSES.len() * 4
    );
    // Which neighbours are reachable depends on the allocator; with none, nothing was shown.
    assert!(
        aimed > 0,
        "no neighbouring memory was within a wasm32 address's reach"
    );
}

// --- (c) Files this runtime must not run are refused. ---

/// A small module that computes something, to compile and then tamper with.
const ADDER: &str = r#"(module (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1))))"#;

/// Loads `file` and expects an [`LoadErrorKind::AotRefused`] whose message contains `naming`.
fn refused(vm: &VirtualMachine, file: Vec<u8>, naming: &str) {
    match vm.load(file) {
        Err(Error::Load(error)) => {
            assert_eq!(error.kind, LoadErrorKind::AotRefused, "{error:?}");
            assert!(
                error.message.contains(naming),
                "the message does not name {naming:?}: {}",
                error.message
            );
        }
        Err(other) => panic!("expected a refusal naming {naming:?}, got {other}"),
        Ok(_) => panic!("a file that should be refused ({naming}) was loaded"),
    }
}

/// The file with its stamp changed by `change` (same payload).
fn restamped<'a>(file: &'a [u8], change: impl FnOnce(&mut AotStamp<'a>)) -> Vec<u8> {
    let parsed = AotStamp::parse(file).expect("a stamped file");
    let mut stamp = parsed.stamp;
    change(&mut stamp);
    stamp
        .encode(parsed.payload)
        .expect("the changed stamp encodes")
}

/// A CPU feature the portable options of `target` do not allow.
fn extra_feature(target: Target) -> &'static str {
    match target {
        Target::X86_64 => "+avx2",
        Target::I686 => "+sse4.2",
        Target::Riscv64 => "+v",
        Target::Riscv32 => "+f",
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn mismatched_files_are_refused_with_the_field_named() {
    let vm = bare_vm();
    let file = compile_wat(ADDER);
    let target = runtime_target();
    // The file as compiled loads and runs.
    let module = load_aot(&vm, file.clone());
    assert_eq!(
        vm.invoke(&module, "add", &[Value::I32(2), Value::I32(40)])
            .expect("add"),
        [Value::I32(42)]
    );

    let payload = AotStamp::parse(&file).expect("stamped").payload.to_vec();
    refused(&vm, payload, "no Xila stamp");

    let other_target = Target::ALL
        .into_iter()
        .find(|other| *other != target)
        .expect("another target");
    refused(
        &vm,
        restamped(&file, |stamp| {
            stamp.options = CompileOptions::portable(other_target)
        }),
        "target",
    );
    match target.abis().iter().find(|abi| **abi != stamp_abi(&file)) {
        // Another ABI of this target.
        Some(&abi) => refused(
            &vm,
            restamped(&file, |stamp| stamp.options.abi = abi),
            "ABI",
        ),
        // x86 has one ABI: an ABI of another target in the header is refused too.
        None => {
            let mut tampered = file.clone();
            tampered[27] = abi_code_outside(target);
            refused(&vm, tampered, "ABI");
        }
    }
    refused(
        &vm,
        restamped(&file, |stamp| {
            stamp.options.bounds_checks = BoundsChecks::Hardware;
        }),
        "hardware",
    );
    let features = format!(
        "{}{}{}",
        CompileOptions::portable(target).cpu_features,
        if CompileOptions::portable(target).cpu_features.is_empty() {
            ""
        } else {
            ","
        },
        extra_feature(target)
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.options.cpu_features = &features),
        "CPU feature",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.options.cpu = "sifive-u74"),
        "CPU",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.wamr_version.patch += 1),
        "WAMR",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.wamr_version.major += 1),
        "WAMR",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.abi_version += 1),
        "VM ABI version",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.options.stop_checks = false),
        "stop checks",
    );
    refused(
        &vm,
        restamped(&file, |stamp| stamp.options.stack_bounds_checks = false),
        "native-stack",
    );
}

fn stamp_abi(file: &[u8]) -> Abi {
    AotStamp::parse(file).expect("stamped").stamp.options.abi
}

/// The header code of an ABI that is not one of `target`'s (codes as in the stamp layout).
fn abi_code_outside(target: Target) -> u8 {
    let code = |abi: Abi| match abi {
        Abi::Gnu => 1,
        Abi::Ilp32 => 2,
        Abi::Ilp32f => 3,
        Abi::Ilp32d => 4,
        Abi::Lp64 => 5,
        Abi::Lp64d => 6,
    };
    Abi::ALL
        .into_iter()
        .find(|abi| !target.abis().contains(abi))
        .map(code)
        .expect("an ABI of another target")
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn truncated_files_are_refused() {
    let vm = bare_vm();
    let file = compile_wat(ADDER);
    let header = AotStamp::parse(&file).expect("stamped").payload_offset;
    for len in [file.len() - 1, header + 8, header, FIXED_HEADER_LEN - 1, 12] {
        refused(&vm, file[..len].to_vec(), "");
    }
    // A stamp that describes a truncated payload passes the stamp check: WAMR's loader must
    // then refuse the payload itself, without crashing.
    let payload = AotStamp::parse(&file).expect("stamped").payload.to_vec();
    for len in [
        8,
        32,
        payload.len() / 4,
        payload.len() / 2,
        payload.len() - 1,
    ] {
        let parsed = AotStamp::parse(&file).expect("stamped");
        let truncated = parsed.stamp.encode(&payload[..len]).expect("encodes");
        let result = vm.load(truncated);
        assert!(
            matches!(result, Err(Error::Load(_))),
            "a payload truncated to {len} of {} bytes: {:?}",
            payload.len(),
            result.map(|_| ())
        );
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn code_for_another_architecture_is_refused_even_under_a_forged_stamp() {
    let vm = bare_vm();
    let target = runtime_target();
    let other = Target::ALL
        .into_iter()
        .find(|other| *other != target && *other != Target::Riscv32)
        .expect("another target");
    let foreign = compile_for(&wat::parse_str(ADDER).expect("valid WAT"), other);
    refused(&vm, foreign.clone(), "target");
    // Restamped as if compiled here: WAMR's own header check still refuses the code.
    let forged = restamped(&foreign, |stamp| {
        stamp.options = CompileOptions::portable(target);
    });
    match vm.load(forged) {
        Err(Error::Load(error)) => println!("forged stamp refused by WAMR: {error}"),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("code compiled for {other} was loaded on {target}"),
    }
}

// --- (d) Runaway AOT code is stopped. ---

/// The upper bound a 100 ms timeout must stop a runaway guest within, generous for a loaded
/// two-core CI machine or an emulator; the measured latency is printed.
const STOP_BOUND: Duration = Duration::from_secs(2);
const TIMEOUT: Duration = Duration::from_millis(100);

const RUNAWAYS: &[(&str, &str)] = &[
    (
        "loop br",
        r#"(module (func (export "_start") (loop $again (br $again))))"#,
    ),
    (
        "loop in a called function",
        r#"(module (func $spin (loop $again (br $again)))
            (func (export "_start") (call $spin)))"#,
    ),
    (
        "loop calling a function",
        r#"(module (global $count (mut i32) (i32.const 0))
            (func $tick (global.set $count (i32.add (global.get $count) (i32.const 1))))
            (func (export "_start") (loop $again (call $tick) (br $again))))"#,
    ),
    (
        // No loop at all: 2^64 calls, never deeper than 64 frames. Only the checks before
        // calls can see the stop (xila-aotc emits none after calls).
        "recursion without a loop",
        r#"(module (func $tree (param $depth i32)
                (if (local.get $depth) (then
                    (call $tree (i32.sub (local.get $depth) (i32.const 1)))
                    (call $tree (i32.sub (local.get $depth) (i32.const 1))))))
            (func (export "_start") (call $tree (i32.const 64))))"#,
    ),
    (
        "counting loop LLVM could fold",
        r#"(module (func (export "_start") (local $i i64)
            (loop $again
                (local.set $i (i64.add (local.get $i) (i64.const 1)))
                (br_if $again (i64.ne (local.get $i) (i64.const 0x7fffffffffffffff))))))"#,
    ),
];

/// Runs `work` on another thread and waits at most `limit` for it: a guest that cannot be
/// stopped fails the test instead of hanging it.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(work());
    });
    receiver
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what} was not stopped within {limit:?}"))
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn a_timeout_stops_runaway_aot_loops() {
    for (what, wat) in RUNAWAYS {
        let vm = bare_vm();
        let module = load_aot(&vm, compile_wat(wat));
        let (elapsed, result) = within(Duration::from_secs(30), what, move || {
            let started = Instant::now();
            let result = vm.run(&module, &RunOptions::new().timeout(TIMEOUT));
            (started.elapsed(), result.map_err(|error| error.to_string()))
        });
        println!("{what}: a {TIMEOUT:?} timeout returned after {elapsed:?}");
        assert_eq!(
            result,
            Err(format!("timed out after {TIMEOUT:?}")),
            "{what}"
        );
        assert!(
            elapsed >= TIMEOUT,
            "{what}: stopped early, after {elapsed:?}"
        );
        assert!(elapsed < STOP_BOUND, "{what}: took {elapsed:?}");
    }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn a_stop_handle_ends_a_runaway_call_from_another_thread() {
    let vm = bare_vm();
    let module = load_aot(&vm, compile_wat(RUNAWAYS[1].1));
    let mut instance = vm
        .instantiate(&module, InstanceData::new())
        .expect("instance");
    let stop = instance.stop_handle();
    let (elapsed, result) = within(Duration::from_secs(30), "the call", move || {
        let started = Instant::now();
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(TIMEOUT);
            stop.stop()
        });
        let result = instance.call("_start", &[]);
        let elapsed = started.elapsed();
        assert!(stopper.join().expect("stopper"), "the instance was gone");
        (elapsed, result)
    });
    println!(
        "stop handle: the call returned {elapsed:?} after it started ({TIMEOUT:?} before the stop)"
    );
    assert!(
        matches!(result, Err(ref error) if error.trap().map(Trap::kind) == Some(TrapKind::Terminated)),
        "{result:?}"
    );
    assert!(elapsed >= TIMEOUT && elapsed < STOP_BOUND, "{elapsed:?}");
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn an_endless_start_function_is_stopped_by_the_timeout() {
    let vm = bare_vm();
    let module = load_aot(
        &vm,
        compile_wat(
            r#"(module (func $spin (loop $again (br $again))) (start $spin)
                (func (export "_start")))"#,
        ),
    );
    // Compiled without the start-function rewrite, WAMR would run the loop inside
    // instantiation, where no stop handle reaches it, and this would hang.
    let (elapsed, result) = within(
        Duration::from_secs(30),
        "an endless start function",
        move || {
            let started = Instant::now();
            let result = vm.run(&module, &RunOptions::new().timeout(TIMEOUT));
            (started.elapsed(), result.map_err(|error| error.class()))
        },
    );
    println!("endless start function: a {TIMEOUT:?} timeout returned after {elapsed:?}");
    assert_eq!(result, Err(FailureClass::Timeout));
    assert!(elapsed < STOP_BOUND, "took {elapsed:?}");
}

// --- (e) An instruction budget is refused for AOT modules. ---

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn an_instruction_budget_is_refused_for_aot_modules() {
    let built = VirtualMachine::builder()
        .allocator(Allocator::System)
        .instruction_budget(1_000_000)
        .build();
    if !INSTRUCTION_BUDGET_SUPPORTED {
        // This build has no metering: the budget is refused for every module, when the VM is
        // built. `cargo xtask test` also runs this test in a metering build.
        assert!(
            matches!(
                built,
                Err(Error::Limits(LimitsError::BudgetUnsupported {
                    budget: 1_000_000
                }))
            ),
            "{built:?}"
        );
        println!(
            "no instruction metering in this build: BudgetNotForAot is checked in a metering build"
        );
        return;
    }
    let vm = built.expect("a metering build takes the budget");
    let wasm = wat::parse_str(ADDER).expect("valid WAT");
    // Interpreted, the budget applies.
    let interpreted = vm.load(wasm.clone()).expect("loads");
    assert_eq!(
        vm.invoke(&interpreted, "add", &[Value::I32(1), Value::I32(2)])
            .expect("add"),
        [Value::I32(3)]
    );
    let compiled = load_aot(&vm, compile(&wasm));
    let error = vm
        .instantiate(&compiled, InstanceData::new())
        .expect_err("a budget for an AOT module");
    assert!(
        matches!(
            error,
            Error::Instantiation(InstantiationError::BudgetNotForAot { budget: 1_000_000 })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("interpreted modules only"),
        "{error}"
    );
    let error = vm
        .invoke(&compiled, "add", &[Value::I32(1), Value::I32(2)])
        .expect_err("a budget for an AOT module");
    assert_eq!(error.class(), FailureClass::Load);
}

// --- (f) Loading from a read-only buffer. ---

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn an_aot_module_runs_from_a_static_buffer_which_stays_unchanged() {
    let vm = common::wasi_guests::vm();
    let (file, name) = guest_file("hello");
    let wasm = std::fs::read(&file).expect("hello exists");
    let aot = compile(&wasm);
    let copy = aot.clone();
    let stored: &'static [u8] = Box::leak(aot.into_boxed_slice());
    let module = vm
        .load_static(stored)
        .expect("loads from the static buffer");
    assert!(module.is_aot());
    let invocation = Invocation {
        name,
        args: &["from", "flash"],
        env: &[],
        stdin: b"",
    };
    // Two instances of the same module, one after the other.
    for _ in 0..2 {
        let outcome = run_module(&vm, &module, &invocation, &Backend::memory(), |b| b);
        assert_eq!(
            outcome.stdout,
            "hello from wasi\narg 0: hello.wasm\narg 1: from\narg 2: flash\n"
        );
    }
    drop(module);
    assert!(
        stored == copy.as_slice(),
        "loading or running wrote into the buffer"
    );
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn execute_in_place_modules_load_only_from_executable_memory() {
    let vm = bare_vm();
    // The refusal reads the stamp only: whether the compiler can emit XIP code for this
    // architecture does not matter here.
    let xip = restamped(&compile_wat(ADDER), |stamp| stamp.options.xip = true);
    // From the heap: never (heap memory is not executable).
    refused(&vm, xip.clone(), "execute-in-place");
    // From a plain static buffer: no, its code would run in place from memory that need not
    // be executable (that is `load_executable_static`'s job, which this test does not call).
    let stored: &'static [u8] = Box::leak(xip.into_boxed_slice());
    match vm.load_static(stored) {
        Err(Error::Load(error)) => {
            assert_eq!(error.kind, LoadErrorKind::AotRefused);
            assert!(
                error.message.contains("execute-in-place"),
                "{}",
                error.message
            );
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("load_static took an execute-in-place module"),
    }
}

/// Copies `bytes` into fresh pages made read-only and executable, as flash on the instruction
/// bus is; they stay mapped for the rest of the test process.
fn executable_copy(bytes: &[u8]) -> &'static [u8] {
    use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};
    // SAFETY: a fresh anonymous private mapping that nothing else references.
    let base = unsafe {
        rustix::mm::mmap_anonymous(
            std::ptr::null_mut(),
            bytes.len(),
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
        )
    }
    .expect("mmap");
    // SAFETY: the mapping has `bytes.len()` writable bytes, referenced only here.
    unsafe { std::slice::from_raw_parts_mut(base.cast::<u8>(), bytes.len()) }
        .copy_from_slice(bytes);
    // SAFETY: `base` starts the mapping of `bytes.len()` bytes made above; nothing writes to
    // it any more.
    unsafe { rustix::mm::mprotect(base, bytes.len(), MprotectFlags::READ | MprotectFlags::EXEC) }
        .expect("mprotect");
    // SAFETY: the pages stay mapped, read-only, until the process exits.
    unsafe { std::slice::from_raw_parts(base.cast::<u8>(), bytes.len()) }
}

#[test]
#[ignore = "needs xila-aotc: run by cargo xtask test"]
fn an_execute_in_place_module_runs_from_read_only_executable_memory() {
    let vm = bare_vm();
    let wat = r#"(module (memory 1)
        (func (export "sum") (param i32) (result i32) (local i32)
            (block $done (loop $next
                (br_if $done (i32.eqz (local.get 0)))
                (local.set 1 (i32.add (local.get 1) (local.get 0)))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br $next)))
            (local.get 1))
        (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 7))))"#;
    let file = compile_with(
        &wat::parse_str(wat).expect("valid WAT"),
        runtime_target(),
        &["--xip"],
    );
    let stored = executable_copy(&file);
    // SAFETY: `stored` is executable for the rest of the process.
    let module = unsafe { vm.load_executable_static(stored) }.expect("the XIP module loads");
    assert!(module.is_aot());
    let mut instance = vm
        .instantiate(&module, InstanceData::new())
        .expect("instantiates");
    let options = RunOptions::new();
    assert_eq!(
        vm.call(&mut instance, "sum", &[Value::I32(100)], &options)
            .expect("sum runs"),
        vec![Value::I32(5050)]
    );
    let error = vm
        .call(&mut instance, "store", &[Value::I32(65_534)], &options)
        .expect_err("an out-of-bounds store traps");
    assert_eq!(
        error.trap().map(Trap::kind),
        Some(TrapKind::OutOfBoundsMemory)
    );
    // No check that `stored` is unchanged: the mapping is read-only, so a loader that
    // patched the code in place would have faulted above.
}
