//! Rust `std` programs built for `wasm32-wasip1` (tests/wasi-guests) run through the facade
//! with WASI, against both the host-directory backend and the in-memory backend. Each program
//! asserts its own behaviour; here we check its exit status, its output, and that nothing
//! outside the preopen changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use virtual_machine::host::fs::Directory;
use virtual_machine::host::host::{
    HostDirectory, HostTcpListener, OsRandom, SystemClock, ThreadTask,
};
use virtual_machine::host::memfs::MemoryFileSystem;
use virtual_machine::host::stdio::{CapturedOutput, MemoryInput};
use virtual_machine::wasi::{WasiContext, WasiContextBuilder};
use virtual_machine::{Allocator, ExitStatus, InstanceData, RunOptions, VirtualMachine};

/// Builds the guest programs once per test process and returns their directory.
fn guests() -> &'static Path {
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    DIRECTORY.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let target = workspace.join("target/wasi-guests");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "--quiet", "--target", "wasm32-wasip1", "--manifest-path"])
            .arg(workspace.join("tests/wasi-guests/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            // The outer build's flags are for the host, not for wasm32.
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET")
            .status()
            .expect("cargo starts");
        assert!(
            status.success(),
            "building tests/wasi-guests failed; is the target installed? `rustup target add wasm32-wasip1`"
        );
        target.join("wasm32-wasip1/release")
    })
}

/// Builds the C test programs (tests/wasi-guests/c, against wasi-libc) once per test process
/// and returns their directory.
fn c_guests() -> &'static Path {
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    DIRECTORY.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let sources = workspace.join("tests/wasi-guests/c");
        let output = workspace.join("target/wasi-guests/c");
        std::fs::create_dir_all(&output).expect("output directory");
        for program in ["files", "process"] {
            let status = Command::new("clang")
                .args([
                    "--target=wasm32-wasi",
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-o",
                ])
                .arg(output.join(format!("{program}.wasm")))
                .arg(sources.join(format!("{program}.c")))
                .status()
                .expect("clang starts");
            assert!(
                status.success(),
                "building {program}.c failed; wasi-libc, lld and libclang-rt-dev-wasm32 are needed \
                 (`cargo xtask test` checks them)"
            );
        }
        output
    })
}

/// Builds the AssemblyScript test programs (tests/wasi-guests/assemblyscript, with
/// @assemblyscript/wasi-shim) once per test process and returns their directory. The compiler
/// is installed there from the npm registry with `npm ci` (pinned by package-lock.json) when
/// `node_modules` is missing.
fn as_guests() -> &'static Path {
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    DIRECTORY.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let sources = workspace.join("tests/wasi-guests/assemblyscript");
        let output = workspace.join("target/wasi-guests/assemblyscript");
        let needed = "node and npm build the AssemblyScript test programs; install them with \
                      `sudo apt-get install -y nodejs npm` (`cargo xtask test` checks them)";
        let compiler = Path::new("node_modules/assemblyscript/bin/asc.js");
        if !sources.join(compiler).is_file() {
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&sources)
                .status()
                .unwrap_or_else(|error| panic!("npm does not start ({error}): {needed}"));
            assert!(
                status.success(),
                "`npm ci` in tests/wasi-guests/assemblyscript failed (it needs the npm registry)"
            );
        }
        std::fs::create_dir_all(&output).expect("output directory");
        for program in ["hello", "clock_random", "files"] {
            let status = Command::new("node")
                .arg(compiler)
                .arg(format!("{program}.ts"))
                .args([
                    "--config",
                    "asconfig.json",
                    "--target",
                    "release",
                    "--outFile",
                ])
                .arg(output.join(format!("{program}.wasm")))
                .current_dir(&sources)
                .status()
                .unwrap_or_else(|error| panic!("node does not start ({error}): {needed}"));
            assert!(status.success(), "compiling {program}.ts with asc failed");
        }
        output
    })
}

/// Where the guest's `/` comes from.
enum Backend {
    /// A temporary host directory, with a sibling `outside` directory holding a secret.
    Host(tempfile::TempDir),
    /// A fresh in-memory file system.
    Memory(MemoryFileSystem),
}

impl Backend {
    fn host() -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(temp.path().join("root")).expect("root");
        std::fs::create_dir(temp.path().join("outside")).expect("outside");
        std::fs::write(temp.path().join("outside/secret"), b"do not touch").expect("secret");
        Self::Host(temp)
    }

    fn memory() -> Self {
        Self::Memory(MemoryFileSystem::new())
    }

    fn root(&self) -> Arc<dyn Directory> {
        match self {
            Self::Host(temp) => {
                Arc::new(HostDirectory::open(temp.path().join("root")).expect("open root"))
            }
            Self::Memory(file_system) => Arc::from(file_system.root()),
        }
    }

    /// Every file outside the root, with its contents (host backend only).
    fn outside(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        if let Self::Host(temp) = self {
            let mut pending = vec![temp.path().join("outside")];
            while let Some(directory) = pending.pop() {
                for entry in std::fs::read_dir(&directory).expect("list outside") {
                    let path = entry.expect("entry").path();
                    if path.is_dir() {
                        pending.push(path.clone());
                    }
                    files.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
                }
            }
        }
        files
    }
}

struct Outcome {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

fn vm() -> VirtualMachine {
    VirtualMachine::builder()
        .allocator(Allocator::System)
        .wasi()
        .build()
        .expect("VM builds")
}

fn run(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
    backend: &Backend,
) -> Outcome {
    run_with(program, args, env, stdin, backend, |builder| builder)
}

fn run_with(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
    backend: &Backend,
    configure: impl FnOnce(WasiContextBuilder) -> WasiContextBuilder,
) -> Outcome {
    let (file, name) = match program.split_once('/') {
        Some(("c", name)) => (c_guests().join(format!("{name}.wasm")), name),
        Some(("as", name)) => (as_guests().join(format!("{name}.wasm")), name),
        _ => (guests().join(format!("{program}.wasm")), program),
    };
    let bytes = std::fs::read(&file).expect("guest program exists");
    let stdout = CapturedOutput::new();
    let stderr = CapturedOutput::new();
    let mut builder = WasiContext::builder()
        .arg(format!("{name}.wasm"))
        .args(args.iter().copied())
        .stdin(Box::new(MemoryInput::new(stdin.to_vec())))
        .stdout(Box::new(stdout.clone()))
        .stderr(Box::new(stderr.clone()))
        .preopen_directory("/", backend.root())
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask));
    for (key, value) in env {
        builder = builder.env(*key, *value);
    }
    let builder = configure(builder);
    let vm = vm();
    let module = vm.load(bytes).expect("guest loads");
    let mut data = InstanceData::new();
    data.insert(builder.build().expect("WASI context"));
    let mut instance = vm.instantiate(&module, data).expect("guest instantiates");
    let result = vm.run_instance(&mut instance, &RunOptions::new());
    let stdout = String::from_utf8_lossy(&stdout.contents()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.contents()).into_owned();
    let status = result.unwrap_or_else(|error| {
        panic!("{program} failed: {error}\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    Outcome {
        status,
        stdout,
        stderr,
    }
}

/// Runs a self-checking program on both backends and expects success and `marker` on stdout.
fn passes(program: &str, marker: &str) {
    for backend in [Backend::host(), Backend::memory()] {
        let before = backend.outside();
        let outcome = run(program, &[], &[], b"", &backend);
        assert!(
            outcome.status.success(),
            "{program}: {:?}\nstdout:\n{}\nstderr:\n{}",
            outcome.status,
            outcome.stdout,
            outcome.stderr
        );
        assert!(
            outcome.stdout.contains(marker),
            "{program} stdout:\n{}",
            outcome.stdout
        );
        assert_eq!(
            backend.outside(),
            before,
            "{program} changed files outside the preopen"
        );
    }
}

#[test]
fn hello_prints_to_stdout_and_stderr() {
    let outcome = run("hello", &["one", "two"], &[], b"", &Backend::memory());
    assert!(outcome.status.success());
    assert_eq!(
        outcome.stdout,
        "hello from wasi\narg 0: hello.wasm\narg 1: one\narg 2: two\n"
    );
    assert_eq!(outcome.stderr, "to stderr\n");
}

#[test]
fn args_and_environment_are_exactly_what_the_host_gives() {
    let outcome = run(
        "args_env",
        &["first", "second arg", "ünïcödé"],
        &[("GREETING", "hi"), ("EMPTY", "")],
        b"",
        &Backend::memory(),
    );
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(outcome.stdout, "args and env ok\n");
}

#[test]
fn exit_codes_reach_the_host() {
    for code in [0, 3, 42, 125] {
        let outcome = run(
            "exit_code",
            &[&code.to_string()],
            &[],
            b"",
            &Backend::memory(),
        );
        assert_eq!(outcome.status.code(), code, "{}", outcome.stdout);
    }
}

#[test]
fn stdin_is_read_to_the_end() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let checksum = input.iter().fold(0u32, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    let outcome = run("stdin", &[], &[], &input, &Backend::memory());
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout,
        format!("read {} bytes, checksum {checksum}\n", input.len())
    );
}

#[test]
fn clocks_and_sleep() {
    passes("clocks", "clocks ok");
}

#[test]
fn random_bytes() {
    passes("random", "random ok");
}

#[test]
fn files_and_directories() {
    passes("files", "files ok");
}

#[test]
fn symbolic_links() {
    passes("symlinks", "symlinks ok");
}

#[test]
fn escapes_are_refused() {
    passes("escapes", "escapes refused");
}

#[test]
fn path_edge_cases_match_wasmtime() {
    let expected = include_str!("../../../tests/wasi-guests/expected/probe.stdout");
    for backend in [Backend::host(), Backend::memory()] {
        let outcome = run("probe", &[], &[], b"", &backend);
        assert!(outcome.status.success(), "{}", outcome.stderr);
        let differences: Vec<String> = expected
            .lines()
            .zip(outcome.stdout.lines())
            .filter(|(want, got)| want != got)
            .map(|(want, got)| format!("wasmtime: {want:<28} ours: {got}"))
            .collect();
        assert!(
            differences.is_empty() && expected.lines().count() == outcome.stdout.lines().count(),
            "differences from wasmtime:\n{}\nfull output:\n{}",
            differences.join("\n"),
            outcome.stdout
        );
    }
}

#[test]
fn a_preopened_tcp_listener_accepts_and_echoes() {
    use std::io::{BufRead, BufReader, Write};
    let listener = HostTcpListener::bind("127.0.0.1:0".parse().expect("address")).expect("bind");
    let address = listener.local_address().expect("address");
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.write_all(b"ping\nsecond line\n").expect("send");
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("shutdown");
        BufReader::new(stream)
            .lines()
            .map(|line| line.expect("line"))
            .collect::<Vec<_>>()
    });
    // fd 3 is the preopened directory, so the listener is fd 4.
    let outcome = run_with(
        "tcp_echo",
        &["4"],
        &[],
        b"",
        &Backend::memory(),
        |builder| builder.preopen_socket(Box::new(listener)),
    );
    assert!(outcome.status.success(), "{}", outcome.stderr);
    assert_eq!(client.join().expect("client"), ["PING", "SECOND LINE"]);
    assert_eq!(outcome.stdout, "echoed 2 lines\n");
}

#[test]
fn c_programs_files_and_directories() {
    passes("c/files", "c files ok");
}

#[test]
fn c_programs_process_services_and_exit_status() {
    let outcome = run(
        "c/process",
        &["one", "two"],
        &[("GREETING", "hi")],
        b"",
        &Backend::memory(),
    );
    assert_eq!(outcome.status.code(), 7, "{}", outcome.stdout);
    assert_eq!(outcome.stdout, "c process ok\n");
}

/// The environment the AssemblyScript `hello` program expects (and run_wasmtime.py gives).
const AS_ENVIRONMENT: &[(&str, &str)] = &[("GREETING", "hi"), ("EMPTY", "")];

/// Runs an AssemblyScript program on both backends: it must succeed with exactly `stdout`,
/// print nothing on stderr, touch nothing outside the preopen and leave the host root empty.
fn as_passes(program: &str, stdout: &str) {
    for backend in [Backend::host(), Backend::memory()] {
        let before = backend.outside();
        let outcome = run(program, &[], &[], b"", &backend);
        assert!(
            outcome.status.success(),
            "{program}: {:?}\nstdout:\n{}\nstderr:\n{}",
            outcome.status,
            outcome.stdout,
            outcome.stderr
        );
        assert_eq!(outcome.stdout, stdout, "{program}");
        assert_eq!(outcome.stderr, "", "{program}");
        assert_eq!(
            backend.outside(),
            before,
            "{program} changed files outside the preopen"
        );
        if let Backend::Host(temp) = &backend {
            let left: Vec<_> = std::fs::read_dir(temp.path().join("root"))
                .expect("list root")
                .collect();
            assert!(left.is_empty(), "{program} left {left:?} in the root");
        }
    }
}

#[test]
fn as_programs_streams_arguments_and_environment() {
    let input: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let checksum = input.iter().fold(0u32, |sum, &byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    let outcome = run(
        "as/hello",
        &["one", "two words", "ünïcödé"],
        AS_ENVIRONMENT,
        &input,
        &Backend::memory(),
    );
    assert!(outcome.status.success(), "{}", outcome.stdout);
    assert_eq!(
        outcome.stdout,
        format!(
            "hello from assemblyscript\narg 0: hello.wasm\narg 1: one\narg 2: two words\n\
             arg 3: ünïcödé\nstdin: {} bytes, checksum {checksum}\n",
            input.len()
        )
    );
    assert_eq!(outcome.stderr, "to stderr\n");
}

#[test]
fn as_programs_exit_codes_reach_the_host() {
    for code in [0, 3, 42, 125] {
        let argument = format!("--exit={code}");
        let outcome = run(
            "as/hello",
            &[&argument],
            AS_ENVIRONMENT,
            b"",
            &Backend::memory(),
        );
        assert_eq!(outcome.status.code(), code, "{}", outcome.stdout);
        assert_eq!(
            outcome.stdout,
            format!(
                "hello from assemblyscript\narg 0: hello.wasm\narg 1: {argument}\n\
                 stdin: 0 bytes, checksum 0\n"
            )
        );
    }
}

#[test]
fn as_programs_report_their_own_failures() {
    // Without GREETING and EMPTY, hello's environment check fails: exit status 1 and a message.
    let outcome = run("as/hello", &[], &[], b"", &Backend::memory());
    assert_eq!(outcome.status.code(), 1, "{}", outcome.stdout);
    assert_eq!(
        outcome.stdout,
        "hello from assemblyscript\narg 0: hello.wasm\n\
         FAIL: environment has 0 variables, expected 2\n"
    );
}

#[test]
fn as_programs_clocks_sleep_and_random() {
    as_passes("as/clock_random", "assemblyscript clocks and random ok\n");
}

#[test]
fn as_programs_files_and_directories() {
    as_passes("as/files", "assemblyscript files ok\n");
}
