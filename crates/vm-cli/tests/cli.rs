//! End-to-end tests of the `xila-vm` binary: exit codes, stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

#[path = "../../../tests-support/emulated_command.rs"]
mod emulated_command;
use emulated_command::emulated_command;

/// A module with exports of every value type, and memory to grow.
const MATH: &str = r#"(module
    (memory 1)
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
    (func (export "scale") (param f32 f64) (result f64)
        (f64.mul (f64.promote_f32 (local.get 0)) (local.get 1)))
    (func (export "pair") (result i32 f32) (i32.const -7) (f32.const 0.5))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "_start")))"#;

/// A guest that never returns.
const SPIN: &str = r#"(module (func (export "_start") (loop $again (br $again)))
    (func (export "spin") (result i32) (loop $again (br $again)) (i32.const 0)))"#;

/// Temporary modules and a way to run the binary on them.
struct Fixture {
    directory: TempDir,
}

impl Fixture {
    fn new() -> Self {
        Self {
            directory: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Writes `bytes` as `name` and returns its path.
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.directory.path().join(name);
        std::fs::write(&path, bytes).expect("write the module");
        path
    }

    /// Compiles `wat` into `name`.
    fn module(&self, name: &str, wat: &str) -> PathBuf {
        self.file(name, &wat::parse_str(wat).expect("test WAT is valid"))
    }
}

/// The `xila-vm` binary as a command (started by the emulator under cross tests).
fn xila_vm() -> Command {
    emulated_command(env!("CARGO_BIN_EXE_xila-vm"))
}

/// Runs `xila-vm run FILE ARGS...`.
fn run(file: &Path, args: &[&str]) -> Output {
    xila_vm()
        .arg("run")
        .arg(file)
        .args(args)
        .output()
        .expect("xila-vm starts")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, printing the output when it is wrong.
fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Asserts the one-line failure report `xila-vm: FILE: ...` and returns its cause.
fn failure_cause(output: &Output, file: &Path) -> String {
    let stderr = stderr(output);
    let prefix = format!("xila-vm: {}: ", file.display());
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    let cause = stderr
        .trim_end()
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("stderr {stderr:?} does not start with {prefix:?}"));
    String::from(cause)
}

#[test]
fn a_module_whose_start_returns_exits_with_0() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = run(&file, &[]);
    assert_code(&output, 0);
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).is_empty());
}

#[test]
fn invoke_parses_typed_arguments_and_prints_results() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let cases: [(&[&str], &str); 6] = [
        (&["--invoke", "add", "40", "2"], "42\n"),
        (&["--invoke", "add", "-5", "0x10"], "11\n"),
        (&["--invoke", "add", "4294967295", "0"], "-1\n"),
        (&["--invoke", "wide", "-0x8000000000"], "-1099511627776\n"),
        (&["--invoke", "scale", "1.5", "-2e3"], "-3000\n"),
        (&["--invoke", "pair"], "-7\n0.5\n"),
    ];
    for (args, expected) in cases {
        let output = run(&file, args);
        assert_code(&output, 0);
        assert_eq!(stdout(&output), expected, "{args:?}");
        assert!(stderr(&output).is_empty(), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn invoke_accepts_values_that_start_with_a_hyphen() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = run(&file, &["--invoke", "scale", "-inf", "2"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "-inf\n");
    let output = run(&file, &["--invoke", "scale", "--", "-1", "2"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "-2\n");
    let output = run(&file, &["--invoke", "scale", "nan", "1"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "NaN\n");
}

#[test]
fn options_may_precede_the_file() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = xila_vm()
        .args(["run", "--timeout", "10s", "--invoke", "add"])
        .arg(&file)
        .args(["1", "2"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "3\n");
}

#[test]
fn bad_invoke_arguments_are_host_failures_naming_the_argument() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);

    let output = run(&file, &["--invoke", "add", "1", "x"]);
    assert_code(&output, 125);
    let cause = failure_cause(&output, &file);
    assert!(
        cause.contains("argument 2") && cause.contains("\"x\"") && cause.contains("i32"),
        "{cause}"
    );

    let output = run(&file, &["--invoke", "add", "1"]);
    assert_code(&output, 125);
    let cause = failure_cause(&output, &file);
    assert!(
        cause.contains("takes 2 arguments") && cause.contains("1 given"),
        "{cause}"
    );

    let output = run(&file, &["--invoke", "add", "1", "4294967296"]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &file).contains("out of range"));

    let output = run(&file, &["--invoke", "scale", "1.5", "two"]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &file).contains("f64"));
    assert!(stdout(&output).is_empty());
}

/// A WASI command that exits with `argc * 16 + environ count * 4 + preopen count`, and
/// prints the name of preopen 3 when there is one.
const WASI_COUNTS: &str = r#"(module
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (local $preopens i32)
        (drop (call $args (i32.const 0) (i32.const 4)))
        (drop (call $environ (i32.const 8) (i32.const 12)))
        (block $done
            (loop $next
                (br_if $done (call $prestat (i32.add (local.get $preopens) (i32.const 3)) (i32.const 16)))
                (local.set $preopens (i32.add (local.get $preopens) (i32.const 1)))
                (br $next)))
        (if (local.get $preopens)
            (then
                (drop (call $name (i32.const 3) (i32.const 100) (i32.load (i32.const 20))))
                (i32.store (i32.const 24) (i32.const 100))
                (i32.store (i32.const 28) (i32.load (i32.const 20)))
                (drop (call $write (i32.const 1) (i32.const 24) (i32.const 1) (i32.const 32)))))
        (call $exit (i32.add (i32.add
            (i32.mul (i32.load (i32.const 0)) (i32.const 16))
            (i32.mul (i32.load (i32.const 8)) (i32.const 4)))
            (local.get $preopens)))))"#;

#[test]
fn program_arguments_env_and_dirs_reach_the_guest() {
    let fixture = Fixture::new();
    let file = fixture.module("counts.wasm", WASI_COUNTS);
    // argv = [FILE], no environment, no preopen.
    assert_code(&run(&file, &[]), 16);
    // Everything after FILE is the guest's, even what looks like an option.
    assert_code(&run(&file, &["a", "--bogus", "c"]), 64);
    let data = fixture.directory.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let dir = format!("{}::/sandbox", data.display());
    let output = run(&file, &["--env", "A=1", "--env", "B=", "--dir", &dir, "x"]);
    assert_code(&output, 41);
    assert_eq!(stdout(&output), "/sandbox");
    // `--env KEY` passes the host's value when it has one, and nothing otherwise.
    let output = xila_vm()
        .env("XILA_TEST_SET", "yes")
        .env_remove("XILA_TEST_UNSET")
        .args(["run"])
        .arg(&file)
        .args(["--env", "XILA_TEST_SET", "--env", "XILA_TEST_UNSET"])
        .output()
        .unwrap();
    assert_code(&output, 20);
}

#[test]
fn a_missing_dir_is_a_host_failure() {
    let fixture = Fixture::new();
    let file = fixture.module("counts.wasm", WASI_COUNTS);
    let output = run(&file, &["--dir", "/no/such/dir::/"]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &file).contains("/no/such/dir"));
}

#[test]
fn a_missing_export_is_a_host_failure() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = run(&file, &["--invoke", "sub", "1", "2"]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &file).contains("\"sub\""));

    let library = fixture.module("library.wasm", r#"(module (func (export "f")))"#);
    let output = run(&library, &[]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &library).contains("\"_start\""));
}

#[test]
fn an_unreadable_file_is_a_host_failure() {
    let fixture = Fixture::new();
    let missing = fixture.directory.path().join("missing.wasm");
    let output = run(&missing, &[]);
    assert_code(&output, 125);
    assert!(failure_cause(&output, &missing).contains("cannot read"));
}

#[test]
fn a_malformed_module_is_a_load_failure() {
    let fixture = Fixture::new();
    let text = fixture.file("text.wasm", b"(module)");
    let output = run(&text, &[]);
    assert_code(&output, 126);
    assert!(failure_cause(&output, &text).contains("not a WebAssembly binary"));

    let truncated = fixture.file("truncated.wasm", b"\0asm\x01\0\0\0\x01\x05");
    let output = run(&truncated, &[]);
    assert_code(&output, 126);
    assert!(failure_cause(&output, &truncated).contains("cannot load"));
    assert!(
        stdout(&output).is_empty(),
        "WAMR stays quiet: {}",
        stdout(&output)
    );
}

#[test]
fn a_missing_import_is_a_load_failure_naming_it() {
    let fixture = Fixture::new();
    let file = fixture.module(
        "imports.wasm",
        r#"(module (import "env" "missing" (func)) (func (export "_start")))"#,
    );
    let output = run(&file, &[]);
    assert_code(&output, 126);
    assert!(failure_cause(&output, &file).contains("env.missing"));
    assert!(
        stdout(&output).is_empty(),
        "WAMR stays quiet: {}",
        stdout(&output)
    );
}

#[test]
fn a_trap_exits_with_134_and_names_the_trap() {
    let fixture = Fixture::new();
    let file = fixture.module(
        "trap.wasm",
        r#"(module (func (export "_start") unreachable)
            (func (export "divide") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))"#,
    );
    let output = run(&file, &[]);
    assert_code(&output, 134);
    assert!(failure_cause(&output, &file).contains("unreachable"));

    let output = run(&file, &["--invoke", "divide", "1", "0"]);
    assert_code(&output, 134);
    assert!(failure_cause(&output, &file).contains("divide by zero"));
    assert!(stdout(&output).is_empty());
}

#[test]
fn fuel_stops_an_infinite_loop_with_152() {
    let fixture = Fixture::new();
    let file = fixture.module("spin.wasm", SPIN);
    let output = run(&file, &["--fuel", "100000"]);
    if !virtual_machine::INSTRUCTION_BUDGET_SUPPORTED {
        assert_code(&output, 2);
        assert!(
            stderr(&output).contains("instruction metering"),
            "{}",
            stderr(&output)
        );
        return;
    }
    assert_code(&output, 152);
    assert!(failure_cause(&output, &file).contains("budget"));
    let output = run(&file, &["--fuel", "100000", "--invoke", "spin"]);
    assert_code(&output, 152);
}

#[test]
fn fuel_above_the_maximum_is_a_usage_error() {
    let fixture = Fixture::new();
    let file = fixture.module("spin.wasm", SPIN);
    let output = run(&file, &["--fuel", "2147483648"]);
    assert_code(&output, 2);
    let expected = if virtual_machine::INSTRUCTION_BUDGET_SUPPORTED {
        "2147483647"
    } else {
        "instruction metering"
    };
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn a_timeout_stops_an_endless_start_function_with_124() {
    let fixture = Fixture::new();
    let file = fixture.module(
        "start.wasm",
        r#"(module (func $spin (loop $again (br $again))) (start $spin) (func (export "_start")))"#,
    );
    let output = run(&file, &["--timeout", "100ms"]);
    assert_code(&output, 124);
    assert!(failure_cause(&output, &file).contains("timed out after 100ms"));
}

#[test]
fn a_timeout_stops_an_infinite_loop_with_124() {
    let fixture = Fixture::new();
    let file = fixture.module("spin.wasm", SPIN);
    let started = Instant::now();
    let output = run(&file, &["--timeout", "200ms"]);
    let elapsed = started.elapsed();
    assert_code(&output, 124);
    assert!(failure_cause(&output, &file).contains("timed out after 200ms"));
    assert!(
        elapsed >= Duration::from_millis(200),
        "ended after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "ended after {elapsed:?}");
}

#[test]
fn a_run_that_finishes_first_is_not_delayed_by_its_timeout() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let started = Instant::now();
    let output = run(&file, &["--timeout", "1m", "--invoke", "add", "1", "2"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "3\n");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn max_memory_makes_memory_grow_fail() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = run(&file, &["--max-memory", "2", "--invoke", "grow", "2"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "-1\n");
    let output = run(&file, &["--max-memory", "128KiB", "--invoke", "grow", "1"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "1\n");
    let output = run(&file, &["--max-memory", "2MB", "--invoke", "grow", "1"]);
    assert_code(&output, 2);
}

#[test]
fn initial_memory_above_max_memory_is_a_load_failure() {
    let fixture = Fixture::new();
    // `memory.size` matters: WAMR folds the memory of a module that can never grow it into
    // one large page, which vm-core's page-count check does not see (reported upstream).
    let file = fixture.module(
        "big.wasm",
        r#"(module (memory 4) (func (export "_start") (drop (memory.size))))"#,
    );
    let output = run(&file, &["--max-memory", "2"]);
    assert_code(&output, 126);
    assert!(failure_cause(&output, &file).contains("4 pages"));
}

#[test]
fn the_stack_limit_is_applied() {
    let fixture = Fixture::new();
    let file = fixture.module(
        "recurse.wasm",
        r#"(module (func $f (export "_start") (call $f)))"#,
    );
    let output = run(&file, &["--stack", "16KiB"]);
    assert_code(&output, 134);
    assert!(failure_cause(&output, &file).contains("stack overflow"));
    let output = run(&file, &["--stack", "100"]);
    assert_code(&output, 2);
}

#[test]
fn a_pool_holds_all_vm_memory() {
    let fixture = Fixture::new();
    let file = fixture.module("math.wasm", MATH);
    let output = run(&file, &["--pool", "1MiB", "--invoke", "add", "2", "3"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "5\n");
    // Linear memory comes from the pool too: 8 more pages do not fit in 256 KiB.
    let output = run(&file, &["--pool", "256KiB", "--invoke", "grow", "8"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "-1\n");
}

#[test]
fn help_documents_every_option_and_exit_code() {
    let output = xila_vm().args(["run", "--help"]).output().unwrap();
    assert_code(&output, 0);
    let help = stdout(&output);
    for needle in [
        "--invoke <NAME>",
        "--fuel <N>",
        "2147483647",
        "--max-memory <SIZE>",
        "--stack <BYTES>",
        "--timeout <DURATION>",
        "--pool <BYTES>",
        "--dir <HOST[::GUEST]>",
        "--env <KEY[=VALUE]>",
        "--tcplisten <ADDR>",
        "--display <WIDTHxHEIGHT>",
        "--screenshot <FILE>",
        "--input <EVENT>",
        "--allow-net <ADDRESS[:PORTS]>",
        "--allow-resolve",
        "[ARGS]",
        "KiB",
        "Examples:",
        "124",
        "125",
        "126",
        "134",
        "152",
    ] {
        assert!(
            help.contains(needle),
            "run --help lacks {needle:?}:\n{help}"
        );
    }
    let output = xila_vm().arg("--help").output().unwrap();
    assert_code(&output, 0);
    assert!(stdout(&output).contains("run"));
}

#[test]
fn a_missing_subcommand_or_file_is_a_usage_error() {
    let output = xila_vm().output().unwrap();
    assert_code(&output, 2);
    let output = xila_vm().arg("run").output().unwrap();
    assert_code(&output, 2);
}

/// Creates a 4×4 surface, paints it red, presents it, then exits with
/// `event kind * 16 + x` of the first input event (0 if there is none).
const GRAPHICS: &str = r#"(module
    (import "xila_graphics_v1" "surface_create" (func $create (param i32 i32 i32 i32 i32) (result i32)))
    (import "xila_graphics_v1" "clear" (func $clear (param i32 i32) (result i32)))
    (import "xila_graphics_v1" "present" (func $present (param i32) (result i32)))
    (import "xila_graphics_v1" "poll_event" (func $poll (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
        (drop (call $create (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 4) (i32.const 0)))
        (drop (call $clear (i32.load (i32.const 0)) (i32.const 0xff0000)))
        (drop (call $present (i32.load (i32.const 0))))
        (drop (call $poll (i32.const 16)))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 16)) (i32.const 16)) (i32.load (i32.const 20))))))"#;

#[test]
fn a_display_is_saved_as_a_screenshot_and_receives_scripted_input() {
    let fixture = Fixture::new();
    let file = fixture.module("paint.wasm", GRAPHICS);
    let screenshot = fixture.directory.path().join("frame.png");
    let screenshot_arg = screenshot.to_string_lossy().into_owned();
    let output = run(
        &file,
        &[
            "--display",
            "4x4",
            "--screenshot",
            &screenshot_arg,
            "--input",
            "down:3,1",
        ],
    );
    // POINTER_DOWN (1) at x = 3.
    assert_code(&output, 16 + 3);
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert_eq!(&png[1..4], b"PNG");
    // Without a display the graphics calls have no state: the guest traps.
    let output = run(&file, &[]);
    assert_code(&output, 134);
}

/// Exits with the errno of `sock_open(INET4, STREAM)`.
const SOCKET: &str = r#"(module
    (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
        (call $exit (call $open (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0)))))"#;

#[test]
fn networking_is_denied_unless_allowed() {
    let fixture = Fixture::new();
    let file = fixture.module("socket.wasm", SOCKET);
    // EACCES without a policy.
    assert_code(&run(&file, &[]), 2);
    assert_code(&run(&file, &["--allow-net", "127.0.0.1:9000-9100"]), 0);
    let output = run(&file, &["--allow-net", "not-an-address"]);
    assert_code(&output, 2);
    assert!(failure_cause(&output, &file).contains("--allow-net"));
}
