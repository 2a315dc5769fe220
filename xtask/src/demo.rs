//! `cargo xtask demo`: build the CLI and run the example modules through it.
//!
//! Two parts. The WAT runs are data ([`DEMOS`]): which module, which arguments, what must
//! happen; the `.wat` sources in `examples/wat/` are compiled to `target/demo/*.wasm` first,
//! since the CLI loads only binary modules. Then the Rust example apps of `examples/apps/` (a
//! workspace of its own, using the `vm-guest` SDK) are built for `wasm32-wasip1` into
//! `target/examples/` and run: hello, files (on a directory prepared in `target/demo/`), clock,
//! graphics (frame saved to `target/demo/graphics.png`) and the TCP echo pair, server and
//! client in two VM processes at once over loopback.

use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use crate::cli::{self, exit_code};
use crate::error::{Error, Result};
use crate::prereqs::{self, Requirements};
use crate::process::{Cmd, describe_status};

/// What `cargo xtask demo` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[prereqs::WAMR_BUILD],
    rust_targets: &[APPS_TARGET],
    rust_components: &[],
};

/// Where the example sources live, relative to the workspace root.
pub const WAT_DIR: &str = "examples/wat";

/// The example apps' cargo workspace, relative to the workspace root.
pub const APPS_DIR: &str = "examples/apps";

/// The Rust target the example apps are built for.
pub const APPS_TARGET: &str = "wasm32-wasip1";

/// The message the echo client sends; its stdout must show it back.
pub const ECHO_MESSAGE: &str = "hello over loopback";

/// The ports tried first for the echo pair (the range the issue's examples use); if all are
/// taken the operating system picks one.
pub const ECHO_PORTS: std::ops::Range<u16> = 7000..7100;

/// A run that takes longer than this is killed and counted as failed.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Where a demo module comes from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// `examples/wat/<name>`, compiled to `target/demo/<stem>.wasm`.
    Wat(&'static str),
    /// Bytes written as-is to `target/demo/<name>` (for deliberately broken modules).
    Bytes {
        /// The file name under `target/demo/`.
        name: &'static str,
        /// Its contents.
        bytes: &'static [u8],
    },
}

impl Source {
    /// The `.wasm` file name under `target/demo/`.
    pub fn wasm_name(&self) -> String {
        match self {
            Self::Wat(name) => wasm_name_for(name),
            Self::Bytes { name, .. } => (*name).to_owned(),
        }
    }
}

/// What a demo run must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    /// The CLI's exit code (see [`exit_code`]).
    pub exit: i32,
    /// A substring stdout must contain, if any.
    pub stdout_contains: Option<&'static str>,
}

/// One demo run: `xila-vm run target/demo/<module> <args...>`.
#[derive(Debug, Clone, Copy)]
pub struct Demo {
    /// The module.
    pub source: Source,
    /// CLI arguments after the module path.
    pub args: &'static [&'static str],
    /// What must happen.
    pub expect: Expect,
    /// What the run shows, in one line.
    pub description: &'static str,
}

/// A module whose header is cut short: loading it must fail cleanly.
const MALFORMED_MODULE: &[u8] = b"\0asm\x01\0";

/// The demo runs, in order.
pub const DEMOS: &[Demo] = &[
    Demo {
        source: Source::Wat("fib.wat"),
        args: &["--invoke", "fib", "20"],
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("6765"),
        },
        description: "call an export with an argument, print its i64 result",
    },
    Demo {
        source: Source::Wat("fib.wat"),
        args: &["--invoke", "fib", "90"],
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("2880067194370816120"),
        },
        description: "64-bit results survive the round trip",
    },
    Demo {
        source: Source::Wat("trap.wat"),
        args: &["--invoke", "divide", "7", "2"],
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("3"),
        },
        description: "two i32 arguments, normal division",
    },
    Demo {
        source: Source::Wat("trap.wat"),
        args: &["--invoke", "divide", "1", "0"],
        expect: Expect {
            exit: exit_code::TRAP,
            stdout_contains: None,
        },
        description: "integer division by zero traps; the host reports it",
    },
    Demo {
        source: Source::Wat("loop.wat"),
        args: &["--timeout", "200ms", "--invoke", "spin"],
        expect: Expect {
            exit: exit_code::TIMEOUT,
            stdout_contains: None,
        },
        description: "an endless loop is stopped by the wall-clock timeout",
    },
    Demo {
        source: Source::Wat("grow.wat"),
        args: &["--max-memory", "2", "--invoke", "grow"],
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("-1"),
        },
        description: "memory.grow past the 2-page limit returns -1, no crash",
    },
    Demo {
        source: Source::Wat("fib.wat"),
        args: &["--invoke", "no_such_export"],
        expect: Expect {
            exit: exit_code::HOST_FAILURE,
            stdout_contains: None,
        },
        description: "invoking a missing export is a clean host-side error",
    },
    Demo {
        source: Source::Bytes {
            name: "malformed.wasm",
            bytes: MALFORMED_MODULE,
        },
        args: &[],
        expect: Expect {
            exit: exit_code::LOAD_ERROR,
            stdout_contains: None,
        },
        description: "a truncated module is rejected at load time",
    },
];

/// `fib.wat` -> `fib.wasm`.
fn wasm_name_for(wat_name: &str) -> String {
    let stem = wat_name.strip_suffix(".wat").unwrap_or(wat_name);
    format!("{stem}.wasm")
}

/// What a finished run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// The exit code, `None` if killed by a signal or by the watchdog.
    pub code: Option<i32>,
    /// How the process ended, described.
    pub status: String,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
}

/// The ways `output` fails `expect`; empty when it meets it.
pub fn problems(expect: &Expect, output: &RunOutput) -> Vec<String> {
    let mut problems = Vec::new();
    if output.code != Some(expect.exit) {
        problems.push(format!(
            "expected exit {}, but the CLI {}",
            describe_code(expect.exit),
            output.status
        ));
    }
    if let Some(needle) = expect.stdout_contains
        && !output.stdout.contains(needle)
    {
        problems.push(format!("stdout does not contain {needle:?}"));
    }
    problems
}

/// `134 (trap)`.
pub fn describe_code(code: i32) -> String {
    match exit_code::name(code) {
        Some(name) => format!("{code} ({name})"),
        None => code.to_string(),
    }
}

fn describe_expect(expect: &Expect) -> String {
    let mut text = format!("exit {}", describe_code(expect.exit));
    if let Some(needle) = expect.stdout_contains {
        text.push_str(&format!(", prints {needle}"));
    }
    text
}

/// Runs the demo.
pub fn run(root: &Path) -> Result<()> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    Cmd::cargo()
        .args(["build", "--release", "-p", cli::PACKAGE])
        .current_dir(root)
        .run()?;
    let target = crate::target_dir(root);
    let binary = target.join("release").join(cli::BINARY);
    if !binary.is_file() {
        return Err(Error::io(
            format!("looking for the CLI at {}", binary.display()),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    let demo_dir = target.join("demo");
    prepare_modules(&root.join(WAT_DIR), &demo_dir)?;
    let apps_dir = build_apps(root, &target)?;

    let mut failed = 0;
    let mut total = 0;
    let mut rows = Vec::new();
    for demo in DEMOS {
        let module = demo_dir.join(demo.source.wasm_name());
        let run = Run {
            name: demo.source.wasm_name(),
            module,
            args: demo.args.iter().map(|a| (*a).to_owned()).collect(),
            expect: demo.expect,
            description: demo.description.to_owned(),
        };
        let output = run_and_report(&run, &binary, root, Vec::new)?;
        total += 1;
        if !output.1.is_empty() {
            failed += 1;
        }
        rows.push(run.row(output.1.is_empty()));
    }

    let runs = app_runs(&apps_dir, &demo_dir)?;
    for (run, check) in runs {
        let (_, problems) = run_and_report(&run, &binary, root, check)?;
        total += 1;
        if !problems.is_empty() {
            failed += 1;
        }
        rows.push(run.row(problems.is_empty()));
    }

    let (server, client) = echo_runs(&apps_dir)?;
    let problems = run_echo_pair(&server, &client, &binary, root)?;
    for (run, problems) in [(&server, &problems.0), (&client, &problems.1)] {
        total += 1;
        if !problems.is_empty() {
            failed += 1;
        }
        rows.push(run.row(problems.is_empty()));
    }

    println!(
        "\n{}",
        table(
            &["app", "arguments", "what it shows", "expected", "result"],
            &rows
        )
    );
    if failed > 0 {
        return Err(Error::DemoFailed { failed, total });
    }
    println!("all {total} demo runs behaved as expected");
    Ok(())
}

/// One run of the CLI: `xila-vm run <module> <args...>`.
#[derive(Debug, Clone)]
pub struct Run {
    /// The module's name in reports.
    pub name: String,
    /// The module.
    pub module: PathBuf,
    /// CLI arguments after the module path.
    pub args: Vec<String>,
    /// What must happen.
    pub expect: Expect,
    /// What the run shows, in one line.
    pub description: String,
}

impl Run {
    fn command(&self, binary: &Path, root: &Path) -> Cmd {
        // The program path stays absolute: how a relative one resolves against the child's
        // working directory is platform-specific.
        Cmd::new(binary)
            .shown_as(relative_to(binary, root).to_string_lossy())
            .arg("run")
            .arg(relative_to(&self.module, root))
            .args(&self.args)
            .current_dir(root)
    }

    fn row(&self, ok: bool) -> [String; 5] {
        [
            self.name.clone(),
            self.args.join(" "),
            self.description.clone(),
            describe_expect(&self.expect),
            String::from(if ok { "OK" } else { "FAILED" }),
        ]
    }
}

/// Runs `run`, prints its report, and returns its output and problems (including those
/// `check` finds after the run, e.g. a missing screenshot).
fn run_and_report(
    run: &Run,
    binary: &Path,
    root: &Path,
    check: impl FnOnce() -> Vec<String>,
) -> Result<(RunOutput, Vec<String>)> {
    let cmd = run.command(binary, root);
    println!("\n--- {}: {}", run.name, run.description);
    println!("$ {}", cmd.display());
    let output = run_with_watchdog(&cmd, WATCHDOG)?;
    let mut problems = problems(&run.expect, &output);
    problems.extend(check());
    print_report(&output, &problems);
    Ok((output, problems))
}

fn print_report(output: &RunOutput, problems: &[String]) {
    print_stream("stdout", &output.stdout);
    print_stream("stderr", &output.stderr);
    let verdict = if problems.is_empty() { "OK" } else { "FAILED" };
    println!("  => {} ({})", verdict, output.status);
    for problem in problems {
        println!("     {problem}");
    }
}

/// Builds the example apps for [`APPS_TARGET`] into `target/examples`; returns the directory
/// holding the `.wasm` files.
///
/// Cargo runs *in* `examples/apps` (not with `--manifest-path` from the root) so that the
/// apps' `.cargo/config.toml`, with their small-stack link arguments, applies.
pub fn build_apps(root: &Path, target: &Path) -> Result<PathBuf> {
    let target_dir = target.join("examples");
    Cmd::cargo()
        .args([
            "build",
            "--release",
            "--target",
            APPS_TARGET,
            "--target-dir",
        ])
        .arg(&target_dir)
        .current_dir(root.join(APPS_DIR))
        .run()?;
    Ok(target_dir.join(APPS_TARGET).join("release"))
}

/// A check run after an app ended; returns problems.
type Check = Box<dyn FnOnce() -> Vec<String>>;

/// The runs of the example apps other than the echo pair, with their after-run checks.
pub fn app_runs(apps_dir: &Path, demo_dir: &Path) -> Result<Vec<(Run, Check)>> {
    let app = |name: &str| apps_dir.join(format!("{name}.wasm"));
    let files_root = demo_dir.join("files-root");
    prepare_files_root(&files_root)?;
    let screenshot = demo_dir.join("graphics.png");
    // A screenshot left by an earlier run must not pass for this one's.
    if screenshot.exists() {
        fs::remove_file(&screenshot)
            .map_err(|e| Error::io(format!("removing {}", screenshot.display()), e))?;
    }
    let copy = files_root.join("copy.txt");
    let screenshot_check = screenshot.clone();
    Ok(vec![
        (
            Run {
                name: String::from("hello.wasm"),
                module: app("hello"),
                args: vec![String::from("--"), String::from("Xila"), String::from("42")],
                expect: Expect {
                    exit: exit_code::SUCCESS,
                    stdout_contains: Some(r#"["Xila", "42"]"#),
                },
                description: String::from("a Rust std app prints a greeting and its arguments"),
            },
            Box::new(Vec::new),
        ),
        (
            Run {
                name: String::from("files.wasm"),
                module: app("files"),
                args: vec![
                    String::from("--dir"),
                    format!("{}::/", files_root.display()),
                ],
                expect: Expect {
                    exit: exit_code::SUCCESS,
                    stdout_contains: Some("files ok"),
                },
                description: String::from("lists the preopen, copies a file, reads the copy back"),
            },
            Box::new(move || match fs::read_to_string(&copy) {
                Ok(text) if text == FILES_INPUT => Vec::new(),
                Ok(_) => vec![format!("{} differs from input.txt", copy.display())],
                Err(e) => vec![format!("{} was not written: {e}", copy.display())],
            }),
        ),
        (
            Run {
                name: String::from("clock.wasm"),
                module: app("clock"),
                args: Vec::new(),
                expect: Expect {
                    exit: exit_code::SUCCESS,
                    stdout_contains: Some("clock ok"),
                },
                description: String::from("prints the real-time clock, measures a 50 ms sleep"),
            },
            Box::new(Vec::new),
        ),
        (
            Run {
                name: String::from("graphics.wasm"),
                module: app("graphics"),
                args: vec![
                    String::from("--display"),
                    String::from("320x240"),
                    String::from("--screenshot"),
                    screenshot.display().to_string(),
                    String::from("--input"),
                    String::from("down:100,80"),
                ],
                expect: Expect {
                    exit: exit_code::SUCCESS,
                    stdout_contains: Some("pointer down at (100, 80)"),
                },
                description: String::from(
                    "draws a scene, answers a scripted touch, frame saved as PNG",
                ),
            },
            Box::new(move || {
                if screenshot_check.is_file() {
                    println!("  frame written to {}", screenshot_check.display());
                    Vec::new()
                } else {
                    vec![format!("no screenshot at {}", screenshot_check.display())]
                }
            }),
        ),
    ])
}

/// What `files.wasm` finds in `input.txt`.
pub const FILES_INPUT: &str = "Xila files demo: written by the host, copied by the guest\n";

/// Recreates the directory `files.wasm` gets as its preopen.
fn prepare_files_root(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::io(format!("removing {}", dir.display()), e))?;
    }
    let notes = dir.join("notes");
    fs::create_dir_all(&notes)
        .map_err(|e| Error::io(format!("creating {}", notes.display()), e))?;
    write_file(&dir.join("input.txt"), FILES_INPUT.as_bytes())?;
    write_file(&notes.join("todo.txt"), b"run the demo\n")
}

/// A free loopback port: the first of [`ECHO_PORTS`] that can be bound, else one the
/// operating system assigns. (Another process could take it before the server binds it; the
/// demo then fails visibly rather than hanging.)
pub fn free_port() -> Result<u16> {
    for port in ECHO_PORTS {
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| Error::io("binding a loopback port", e))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|e| Error::io("reading a loopback port", e))
}

/// The echo server and client runs, on a free port.
pub fn echo_runs(apps_dir: &Path) -> Result<(Run, Run)> {
    let port = free_port()?;
    let address = format!("127.0.0.1:{port}");
    let net = |address: &str| {
        vec![
            String::from("--allow-net"),
            address.to_owned(),
            String::from("--"),
            address.to_owned(),
        ]
    };
    let server = Run {
        name: String::from("echo-server.wasm"),
        module: apps_dir.join("echo-server.wasm"),
        args: net(&address),
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("echoed"),
        },
        description: String::from("accepts one TCP connection, echoes until EOF"),
    };
    let mut client_args = net(&address);
    client_args.push(ECHO_MESSAGE.to_owned());
    let client = Run {
        name: String::from("echo-client.wasm"),
        module: apps_dir.join("echo-client.wasm"),
        args: client_args,
        expect: Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("echo: hello over loopback"),
        },
        description: String::from("a second VM connects, sends, gets the same bytes back"),
    };
    Ok((server, client))
}

/// Runs the server in the background and the client in the foreground (two VM processes at
/// once); returns the problems of each.
fn run_echo_pair(
    server: &Run,
    client: &Run,
    binary: &Path,
    root: &Path,
) -> Result<(Vec<String>, Vec<String>)> {
    let server_cmd = server.command(binary, root);
    println!(
        "\n--- {} + {}: TCP echo over loopback",
        server.name, client.name
    );
    println!("$ {} &", server_cmd.display());
    let background = thread::spawn(move || run_with_watchdog(&server_cmd, WATCHDOG));
    let client_cmd = client.command(binary, root);
    println!("$ {}", client_cmd.display());
    let client_output = run_with_watchdog(&client_cmd, WATCHDOG)?;
    // If the client never connected the server still waits in accept: the watchdog ends it.
    let server_output = background.join().map_err(|_| {
        Error::io(
            "waiting for the echo server",
            std::io::Error::other("panicked"),
        )
    })??;
    println!("  [{}]", server.name);
    let server_problems = problems(&server.expect, &server_output);
    print_report(&server_output, &server_problems);
    println!("  [{}]", client.name);
    let client_problems = problems(&client.expect, &client_output);
    print_report(&client_output, &client_problems);
    Ok((server_problems, client_problems))
}

/// Compiles every `*.wat` in `wat_dir` to `out_dir/*.wasm`, and writes the byte-literal
/// modules of [`DEMOS`].
pub fn prepare_modules(wat_dir: &Path, out_dir: &Path) -> Result<()> {
    fs::create_dir_all(out_dir)
        .map_err(|e| Error::io(format!("creating {}", out_dir.display()), e))?;
    let entries = fs::read_dir(wat_dir)
        .map_err(|e| Error::io(format!("reading {}", wat_dir.display()), e))?;
    let mut sources: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(format!("reading {}", wat_dir.display()), e))?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "wat") {
            sources.push(path);
        }
    }
    sources.sort();
    for source in &sources {
        let bytes = wat::parse_file(source).map_err(|e| Error::Wat {
            file: source.clone(),
            message: e.to_string(),
        })?;
        let name = source
            .file_name()
            .map(|n| wasm_name_for(&n.to_string_lossy()))
            .unwrap_or_default();
        write_file(&out_dir.join(name), &bytes)?;
    }
    println!(
        "compiled {} example module(s) from {} to {}",
        sources.len(),
        wat_dir.display(),
        out_dir.display()
    );
    for demo in DEMOS {
        match demo.source {
            Source::Bytes { name, bytes } => write_file(&out_dir.join(name), bytes)?,
            Source::Wat(name) => {
                if !wat_dir.join(name).is_file() {
                    return Err(Error::io(
                        format!("looking for demo source {}/{name}", wat_dir.display()),
                        std::io::Error::from(std::io::ErrorKind::NotFound),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    fs::write(path, bytes).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn relative_to(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn print_stream(name: &str, text: &str) {
    for line in text.lines() {
        println!("  {name} | {line}");
    }
}

/// Runs `cmd` capturing its output; kills it if it outlives `limit`.
fn run_with_watchdog(cmd: &Cmd, limit: Duration) -> Result<RunOutput> {
    let mut child = cmd
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| cmd.spawn_error(e))?;
    let stdout = child.stdout.take().map(reader);
    let stderr = child.stderr.take().map(reader);
    let start = Instant::now();
    let mut killed = false;
    let status = loop {
        let polled = child
            .try_wait()
            .map_err(|e| Error::io(format!("waiting for `{}`", cmd.display()), e))?;
        if let Some(status) = polled {
            break status;
        }
        if start.elapsed() > limit && !killed {
            // Best effort: if the kill fails the child already ended and wait returns.
            let _ = child.kill();
            killed = true;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let collect = |handle: Option<thread::JoinHandle<String>>| {
        handle.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let description = if killed {
        format!("was killed after {}s without finishing", limit.as_secs())
    } else {
        describe_status(status)
    };
    Ok(RunOutput {
        code: if killed { None } else { status.code() },
        status: description,
        stdout: collect(stdout),
        stderr: collect(stderr),
    })
}

fn reader(mut stream: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error just truncates what is shown.
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// A plain-text table with aligned columns.
pub fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(header.to_vec())];
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push(line(rules.iter().map(String::as_str).collect()));
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(code: Option<i32>, stdout: &str) -> RunOutput {
        RunOutput {
            code,
            status: String::from("exited somehow"),
            stdout: stdout.to_owned(),
            stderr: String::new(),
        }
    }

    #[test]
    fn expectations() {
        let expect = Expect {
            exit: exit_code::SUCCESS,
            stdout_contains: Some("6765"),
        };
        assert!(problems(&expect, &output(Some(0), "6765\n")).is_empty());
        assert_eq!(problems(&expect, &output(Some(0), "1\n")).len(), 1);
        assert_eq!(problems(&expect, &output(Some(134), "")).len(), 2);
        assert_eq!(problems(&expect, &output(None, "6765")).len(), 1);
    }

    #[test]
    fn every_wat_demo_source_exists() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(WAT_DIR);
        for demo in DEMOS {
            if let Source::Wat(name) = demo.source {
                assert!(dir.join(name).is_file(), "{name} is missing");
            }
        }
    }

    #[test]
    fn example_modules_compile() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(WAT_DIR);
        for demo in DEMOS {
            if let Source::Wat(name) = demo.source {
                let bytes = wat::parse_file(dir.join(name));
                assert!(bytes.is_ok(), "{name}: {bytes:?}");
            }
        }
    }

    #[test]
    fn names() {
        assert_eq!(Source::Wat("fib.wat").wasm_name(), "fib.wasm");
        assert_eq!(describe_code(134), "134 (trap)");
        assert_eq!(describe_code(7), "7");
    }

    #[test]
    fn every_app_run_is_a_member_of_the_apps_workspace() {
        let apps = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(APPS_DIR);
        let manifest = fs::read_to_string(apps.join("Cargo.toml")).unwrap();
        let scratch = std::env::temp_dir().join(format!("xtask-demo-{}", std::process::id()));
        let runs = app_runs(Path::new("/apps"), &scratch).unwrap();
        let (server, client) = echo_runs(Path::new("/apps")).unwrap();
        let names = runs
            .iter()
            .map(|(run, _)| run.name.clone())
            .chain([server.name.clone(), client.name.clone()]);
        for name in names {
            let stem = name.strip_suffix(".wasm").unwrap();
            assert!(
                manifest.contains(&format!("\"{stem}\"")),
                "{stem} is not a member"
            );
            assert!(
                apps.join(stem).join("src/main.rs").is_file(),
                "{stem} has no main.rs"
            );
        }
        assert_eq!(
            fs::read_to_string(scratch.join("files-root/input.txt")).unwrap(),
            FILES_INPUT
        );
        fs::remove_dir_all(&scratch).unwrap();
        // Server and client share one address, granted by --allow-net.
        assert_eq!(server.args[1], client.args[3]);
        assert_eq!(client.args.last().map(String::as_str), Some(ECHO_MESSAGE));
    }

    #[test]
    fn table_aligns_columns() {
        let rows = [
            [String::from("fib.wasm"), String::from("OK")],
            [String::from("a"), String::from("FAILED")],
        ];
        let text = table(&["app", "result"], &rows);
        assert_eq!(
            text,
            "app       result\n--------  ------\nfib.wasm  OK\na         FAILED"
        );
    }
}
