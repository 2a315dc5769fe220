//! Project automation for the Xila virtual machine, run as `cargo xtask <command>`.
//!
//! - `cargo xtask test`: the project's test command (format, lints, tests, AOT tests, docs).
//! - `cargo xtask demo`: builds the `xila-vm` CLI and runs the example modules through it.
//! - `cargo xtask bench`: runs the `vm-core` benchmarks and records them in
//!   `docs/performance.md`.
//! - `cargo xtask bench --compare`: runs the `bench/workloads` on `xila-vm` (interpreted and
//!   AOT-compiled), the peer runners of `bench/peers` and natively, and records the comparison
//!   in `docs/performance.md`.
//! - `cargo xtask cross TARGET`: builds (and with `--test` tests) for the kernel's targets.
//! - `cargo xtask aot compile APP.wasm -o APP.aot`: builds the AOT compiler and runs it.
//! - `cargo xtask link-order`: profiles the workloads and rewrites the CLI's link order.
//!
//! Every command first checks its prerequisites ([`prereqs`]) and says what to install.

mod aot;
mod bench;
mod cli;
mod compare;
mod cross;
mod demo;
mod error;
mod link_order;
mod prereqs;
mod process;
mod test;
mod wamr_build;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use error::{Error, Result};

const HELP: &str = "\
cargo xtask <command>: automation for the Xila virtual machine

commands:
  test [-- ARGS...]   the project's test command: cargo fmt --check, cargo clippy -D warnings,
                      cargo test --workspace (ARGS are passed on to it), the AOT tests (builds
                      xila-aotc, needs llvm-19-dev; checks its fmt, clippy and own tests),
                      the instruction-budget tests in a metering build, cargo doc -D
                      warnings; stops at the first failure
  demo                builds the xila-vm CLI (release) and runs the examples/wat modules
                      through it, checking exit codes and output
  bench [--quick]     runs vm-core's criterion benchmarks and updates docs/performance.md;
                      --quick makes a short, indicative run
  bench --compare [--quick]
                      builds bench/workloads (wasm32-wasip1, AOT-compiled when llvm-19-dev is
                      there, and native) and the peer runners of bench/peers, runs every
                      workload on xila-vm (interpreted and AOT), WAMR libc-wasi, wasmi and
                      natively (interleaved, one warm-up round, 5 rounds), checks their
                      checksums and updates docs/performance.md; --quick is a smoke run
                      that only prints its table (CI)
  cross TARGET [--test] [--dry-run]
                      builds the VM for TARGET; --test also runs the test suite there, the
                      AOT tests included (riscv64, i686);
                      --dry-run prints the commands instead. TARGET is one of:
{targets}  aot compile APP.wasm -o APP.aot [--target T] [--xip] [--cpu NAME] [--cpu-features LIST]
                      builds the AOT compiler (tools/aot-compiler, needs llvm-19-dev) and
                      compiles APP.wasm into a stamped .aot for target T (x86_64, i686,
                      riscv64, riscv32; default: this machine, generic CPU)
  aot inspect APP.aot prints the compile options recorded in an .aot's stamp
  aot build           only builds the AOT compiler and prints its path
  link-order          runs the bench/workloads on the release xila-vm under callgrind (needs
                      valgrind) and rewrites crates/vm-cli/link/xila-vm.order, the functions
                      they run, which the linker lays out first (x86-64 Linux)
  help                prints this text

Each command checks its prerequisites first (cmake, a C compiler, libclang) and prints the
apt-get command that installs what is missing; Rust targets are added with rustup.";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Help,
    Test {
        cargo_test_args: Vec<OsString>,
    },
    Demo,
    Bench {
        quick: bool,
    },
    Compare {
        quick: bool,
    },
    Cross {
        target: &'static cross::Target,
        options: cross::Options,
    },
    Aot(aot::Invocation),
    LinkOrder,
}

/// Parses the arguments after `cargo xtask`.
fn parse(args: &[OsString]) -> Result<Command> {
    let Some((command, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    let unexpected = |arg: &OsString| {
        Error::Usage(format!(
            "unexpected argument `{}` for `{}`",
            arg.to_string_lossy(),
            command.to_string_lossy()
        ))
    };
    match command.to_str() {
        Some("help" | "-h" | "--help") => match rest.first() {
            None => Ok(Command::Help),
            Some(arg) => Err(unexpected(arg)),
        },
        Some("test") => match rest.split_first() {
            None => Ok(Command::Test {
                cargo_test_args: Vec::new(),
            }),
            Some((separator, args)) if separator == "--" => Ok(Command::Test {
                cargo_test_args: args.to_vec(),
            }),
            Some((arg, _)) => Err(unexpected(arg)),
        },
        Some("demo") => match rest.first() {
            None => Ok(Command::Demo),
            Some(arg) => Err(unexpected(arg)),
        },
        Some("bench") => {
            let (mut quick, mut compare) = (false, false);
            for arg in rest {
                match arg.to_str() {
                    Some("--quick") => quick = true,
                    Some("--compare") => compare = true,
                    _ => return Err(unexpected(arg)),
                }
            }
            if compare {
                Ok(Command::Compare { quick })
            } else {
                Ok(Command::Bench { quick })
            }
        }
        Some("cross") => {
            let mut target = None;
            let mut options = cross::Options {
                test: false,
                dry_run: false,
            };
            for arg in rest {
                match arg.to_str() {
                    Some("--test") => options.test = true,
                    Some("--dry-run") => options.dry_run = true,
                    Some(name) if target.is_none() && !name.starts_with('-') => {
                        target = Some(cross::find(name).ok_or_else(|| {
                            Error::Usage(format!(
                                "unknown target `{name}`; known targets:\n{}",
                                cross::help_table()
                            ))
                        })?);
                    }
                    _ => return Err(unexpected(arg)),
                }
            }
            let target = target.ok_or_else(|| {
                Error::Usage(format!(
                    "`cross` needs a target; known targets:\n{}",
                    cross::help_table()
                ))
            })?;
            Ok(Command::Cross { target, options })
        }
        Some("aot") => aot::parse(rest).map(Command::Aot),
        Some("link-order") => match rest.first() {
            None => Ok(Command::LinkOrder),
            Some(arg) => Err(unexpected(arg)),
        },
        _ => Err(Error::Usage(format!(
            "unknown command `{}`",
            command.to_string_lossy()
        ))),
    }
}

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to `root` if relative), else
/// `root/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn run(command: Command) -> Result<()> {
    let root = workspace_root();
    match command {
        Command::Help => {
            println!("{}", HELP.replace("{targets}", &cross::help_table()));
            Ok(())
        }
        Command::Test { cargo_test_args } => test::run(&root, &cargo_test_args),
        Command::Demo => demo::run(&root),
        Command::Bench { quick } => bench::run(&root, quick),
        Command::Compare { quick } => compare::run(&root, quick),
        Command::Cross { target, options } => cross::run(&root, target, options),
        Command::Aot(invocation) => aot::run(&root, &invocation),
        Command::LinkOrder => link_order::run(&root),
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match parse(&args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nerror: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse(&args(&[])).ok(), Some(Command::Help));
        assert_eq!(parse(&args(&["help"])).ok(), Some(Command::Help));
        assert_eq!(parse(&args(&["demo"])).ok(), Some(Command::Demo));
        assert_eq!(parse(&args(&["link-order"])).ok(), Some(Command::LinkOrder));
        assert!(parse(&args(&["link-order", "--quick"])).is_err());
        assert_eq!(
            parse(&args(&["bench", "--quick"])).ok(),
            Some(Command::Bench { quick: true })
        );
        assert_eq!(
            parse(&args(&["bench"])).ok(),
            Some(Command::Bench { quick: false })
        );
        assert_eq!(
            parse(&args(&["bench", "--compare"])).ok(),
            Some(Command::Compare { quick: false })
        );
        assert_eq!(
            parse(&args(&["bench", "--quick", "--compare"])).ok(),
            Some(Command::Compare { quick: true })
        );
        assert_eq!(
            parse(&args(&["test", "--", "-p", "vm-core", "--", "--nocapture"])).ok(),
            Some(Command::Test {
                cargo_test_args: args(&["-p", "vm-core", "--", "--nocapture"])
            })
        );
    }

    #[test]
    fn parses_cross_targets_and_flags() {
        match parse(&args(&["cross", "--dry-run", "riscv64", "--test"])) {
            Ok(Command::Cross { target, options }) => {
                assert_eq!(target.triple, "riscv64gc-unknown-linux-gnu");
                assert_eq!(
                    options,
                    cross::Options {
                        test: true,
                        dry_run: true
                    }
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_bad_command_lines() {
        for bad in [
            &["frobnicate"][..],
            &["test", "-p"],
            &["bench", "--slow"],
            &["bench", "--compare", "x"],
            &["demo", "x"],
            &["cross"],
            &["cross", "mips"],
            &["cross", "riscv64", "i686"],
            &["cross", "riscv64", "--fast"],
        ] {
            let result = parse(&args(bad));
            assert!(
                matches!(result, Err(Error::Usage(_))),
                "{bad:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn usage_errors_exit_with_2() {
        assert_eq!(Error::Usage(String::new()).exit_code(), 2);
        assert_eq!(
            Error::Bench(String::new()).exit_code(),
            1,
            "other errors exit with 1"
        );
    }
}
