//! `cargo xtask demo`: build the CLI and run the example modules through it.
//!
//! The runs are data ([`DEMOS`]): which module, which arguments, what must happen. The `.wat`
//! sources in `examples/wat/` are compiled to `target/demo/*.wasm` first, since the CLI loads
//! only binary modules.

use std::fs;
use std::io::Read;
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
    rust_targets: &[],
    rust_components: &[],
};

/// Where the example sources live, relative to the workspace root.
pub const WAT_DIR: &str = "examples/wat";

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
        args: &["--fuel", "1000000", "--invoke", "spin"],
        expect: Expect {
            exit: exit_code::BUDGET_EXHAUSTED,
            stdout_contains: None,
        },
        description: "an endless loop is stopped by the instruction budget",
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

    let mut failed = 0;
    let mut rows = Vec::new();
    for demo in DEMOS {
        let module = demo_dir.join(demo.source.wasm_name());
        // The program path stays absolute: how a relative one resolves against the child's
        // working directory is platform-specific.
        let cmd = Cmd::new(&binary)
            .shown_as(relative_to(&binary, root).to_string_lossy())
            .arg("run")
            .arg(relative_to(&module, root))
            .args(demo.args)
            .current_dir(root);
        println!("\n--- {}: {}", demo.source.wasm_name(), demo.description);
        println!("$ {}", cmd.display());
        let output = run_with_watchdog(&cmd, WATCHDOG)?;
        print_stream("stdout", &output.stdout);
        print_stream("stderr", &output.stderr);
        let problems = problems(&demo.expect, &output);
        let verdict = if problems.is_empty() { "OK" } else { "FAILED" };
        println!("  => {} ({})", verdict, output.status);
        for problem in &problems {
            println!("     {problem}");
        }
        if !problems.is_empty() {
            failed += 1;
        }
        rows.push([
            demo.source.wasm_name(),
            demo.args.join(" "),
            demo.description.to_owned(),
            describe_expect(&demo.expect),
            verdict.to_owned(),
        ]);
    }
    println!(
        "\n{}",
        table(
            &["app", "arguments", "what it shows", "expected", "result"],
            &rows
        )
    );
    if failed > 0 {
        return Err(Error::DemoFailed {
            failed,
            total: DEMOS.len(),
        });
    }
    println!("all {} demo runs behaved as expected", DEMOS.len());
    Ok(())
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
