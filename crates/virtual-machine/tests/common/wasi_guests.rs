//! The WASI guest programs of tests/wasi-guests (Rust, C and AssemblyScript), built once per
//! test process, and how a test runs one through the facade against a host directory or an
//! in-memory file system. Shared by the interpreter tests (wasi_programs.rs) and the AOT tests
//! (aot.rs), which run the same programs compiled ahead of time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use virtual_machine::host::fs::Directory;
use virtual_machine::host::host::{HostDirectory, OsRandom, SystemClock, ThreadTask};
use virtual_machine::host::memfs::MemoryFileSystem;
use virtual_machine::host::stdio::{CapturedOutput, MemoryInput};
use virtual_machine::wasi::{WasiContext, WasiContextBuilder};
use virtual_machine::{Allocator, ExitStatus, InstanceData, Module, RunOptions, VirtualMachine};

/// Builds the Rust guest programs once per test process and returns their directory.
pub fn guests() -> &'static Path {
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    DIRECTORY.get_or_init(|| super::build_guest_workspace("tests/wasi-guests", "wasi-guests"))
}

/// Builds the C test programs (tests/wasi-guests/c, against wasi-libc) once per test process
/// and returns their directory.
pub fn c_guests() -> &'static Path {
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
pub fn as_guests() -> &'static Path {
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

/// The `.wasm` file of a guest program and its name: `c/NAME` and `as/NAME` are the C and
/// AssemblyScript programs, any other name a Rust program.
pub fn guest_file(program: &str) -> (PathBuf, &str) {
    match program.split_once('/') {
        Some(("c", name)) => (c_guests().join(format!("{name}.wasm")), name),
        Some(("as", name)) => (as_guests().join(format!("{name}.wasm")), name),
        _ => (guests().join(format!("{program}.wasm")), program),
    }
}

/// Where the guest's `/` comes from.
pub enum Backend {
    /// A temporary host directory, with a sibling `outside` directory holding a secret.
    Host(tempfile::TempDir),
    /// A fresh in-memory file system.
    Memory(MemoryFileSystem),
}

impl Backend {
    /// A fresh host directory with a secret next to it.
    pub fn host() -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(temp.path().join("root")).expect("root");
        std::fs::create_dir(temp.path().join("outside")).expect("outside");
        std::fs::write(temp.path().join("outside/secret"), b"do not touch").expect("secret");
        Self::Host(temp)
    }

    /// A fresh in-memory file system.
    pub fn memory() -> Self {
        Self::Memory(MemoryFileSystem::new())
    }

    /// The directory preopened as the guest's `/`.
    pub fn root(&self) -> Arc<dyn Directory> {
        match self {
            Self::Host(temp) => {
                Arc::new(HostDirectory::open(temp.path().join("root")).expect("open root"))
            }
            Self::Memory(file_system) => Arc::from(file_system.root()),
        }
    }

    /// Every file outside the root, with its contents (host backend only).
    pub fn outside(&self) -> BTreeMap<PathBuf, Vec<u8>> {
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

/// How a guest program's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

/// A VM with WASI and the system allocator.
pub fn vm() -> VirtualMachine {
    VirtualMachine::builder()
        .allocator(Allocator::System)
        .wasi()
        .build()
        .expect("VM builds")
}

/// Runs a guest program (see [`guest_file`]) with default WASI settings.
pub fn run(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
    backend: &Backend,
) -> Outcome {
    run_with(program, args, env, stdin, backend, |builder| builder)
}

/// Runs a guest program (see [`guest_file`]), interpreted, with WASI settings `configure`
/// adds to.
pub fn run_with(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &[u8],
    backend: &Backend,
    configure: impl FnOnce(WasiContextBuilder) -> WasiContextBuilder,
) -> Outcome {
    let (file, name) = guest_file(program);
    let bytes = std::fs::read(&file).expect("guest program exists");
    let vm = vm();
    let module = vm.load(bytes).expect("guest loads");
    let invocation = Invocation {
        name,
        args,
        env,
        stdin,
    };
    run_module(&vm, &module, &invocation, backend, configure)
}

/// What a guest program is started with.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// Its name: argv[0] is `NAME.wasm`.
    pub name: &'a str,
    /// The arguments after argv[0].
    pub args: &'a [&'a str],
    /// Its environment.
    pub env: &'a [(&'a str, &'a str)],
    /// What it reads on stdin.
    pub stdin: &'a [u8],
}

/// Runs a loaded guest program with the `backend`'s directory as `/`, capturing its output.
/// Panics if the run fails (a trap, a timeout, …) rather than exits.
pub fn run_module(
    vm: &VirtualMachine,
    module: &Module,
    invocation: &Invocation<'_>,
    backend: &Backend,
    configure: impl FnOnce(WasiContextBuilder) -> WasiContextBuilder,
) -> Outcome {
    let stdout = CapturedOutput::new();
    let stderr = CapturedOutput::new();
    let mut builder = WasiContext::builder()
        .arg(format!("{}.wasm", invocation.name))
        .args(invocation.args.iter().copied())
        .stdin(Box::new(MemoryInput::new(invocation.stdin.to_vec())))
        .stdout(Box::new(stdout.clone()))
        .stderr(Box::new(stderr.clone()))
        .preopen_directory("/", backend.root())
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask));
    for (key, value) in invocation.env {
        builder = builder.env(*key, *value);
    }
    let builder = configure(builder);
    let mut data = InstanceData::new();
    data.insert(builder.build().expect("WASI context"));
    let mut instance = vm.instantiate(module, data).expect("guest instantiates");
    let result = vm.run_instance(&mut instance, &RunOptions::new());
    let stdout = String::from_utf8_lossy(&stdout.contents()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.contents()).into_owned();
    let status = result.unwrap_or_else(|error| {
        panic!(
            "{} failed: {error}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            invocation.name
        )
    });
    Outcome {
        status,
        stdout,
        stderr,
    }
}
