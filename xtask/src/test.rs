//! `cargo xtask test`: the project's test command.
//!
//! Formatting, lints, tests (doc tests included), the AOT tests, the instruction-budget tests,
//! the host-function tests against a WAMR built without our patches, and documentation, in
//! that order, stopping at the first failure.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::aot;
use crate::cross::WAMR_CFLAGS;
use crate::error::{Error, Result};
use crate::prereqs::{self, Requirements};
use crate::process::Cmd;
use crate::wamr_build::HOST_TOOLCHAIN_FILE_VARIABLE;

/// What `cargo xtask test` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[
        prereqs::WAMR_BUILD,
        prereqs::WASI_C,
        prereqs::WASI_ASSEMBLYSCRIPT,
        // The AOT tests compile their modules with xila-aotc, which links LLVM 19.
        prereqs::AOT_COMPILER,
    ],
    // The WASI test programs (tests/wasi-guests) are built for it by the test suite.
    rust_targets: &["wasm32-wasip1"],
    rust_components: &["rustfmt", "clippy"],
};

/// One step of the test command.
#[derive(Debug)]
pub struct Step {
    /// Short name, for the summary.
    pub name: &'static str,
    /// The commands it runs, in order.
    pub cmds: Vec<Cmd>,
}

impl Step {
    fn new(name: &'static str, cmd: Cmd) -> Self {
        Self {
            name,
            cmds: vec![cmd],
        }
    }

    /// The step's command lines, joined as a shell would run them one after the other.
    pub fn display(&self) -> String {
        self.cmds
            .iter()
            .map(Cmd::display)
            .collect::<Vec<_>>()
            .join(" && ")
    }
}

/// The steps, in order. `test_args` go at the end of the `cargo test` command line.
pub fn steps(root: &Path, test_args: &[OsString]) -> Vec<Step> {
    let in_root = |cmd: Cmd| cmd.current_dir(root);
    vec![
        Step::new(
            "fmt",
            in_root(Cmd::cargo().args(["fmt", "--all", "--", "--check"])),
        ),
        Step::new(
            "clippy",
            in_root(Cmd::cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
        ),
        Step::new(
            "test",
            in_root(Cmd::cargo().args(["test", "--workspace"]).args(test_args)),
        ),
        Step {
            name: "aot",
            cmds: aot_tests(root),
        },
        Step::new("budget", in_root(metering_tests(root))),
        Step::new("unpatched", in_root(unpatched_wamr_tests(root))),
        Step::new(
            "doc",
            in_root(Cmd::cargo().env("RUSTDOCFLAGS", "-D warnings").args([
                "doc",
                "--workspace",
                "--no-deps",
            ])),
        ),
    ]
}

/// The test file of the AOT tests (crates/virtual-machine/tests/aot.rs): ignored by a plain
/// `cargo test`, since they need the compiler.
pub const AOT_TEST: &str = "aot";

/// The AOT test file's command with `cargo test ARGS`: its tests are ignored unless asked
/// for, and find the compiler through [`aot::COMPILER_VARIABLE`]. `filter` picks tests.
pub fn aot_test_command(root: &Path, cargo_test_args: &[&str], filter: Option<&str>) -> Cmd {
    Cmd::cargo()
        .env(aot::COMPILER_VARIABLE, aot::binary(root))
        .args(["test"])
        .args(cargo_test_args)
        .args([
            "-p",
            "virtual-machine",
            "--features",
            "std",
            "--test",
            AOT_TEST,
        ])
        .args(["--", "--include-ignored"])
        .args(filter)
        .current_dir(root)
}

/// Builds the AOT compiler, checks its formatting and lints, runs its own tests (stamps, the
/// stop-flag override, refusals), runs the AOT tests, then the one about the instruction
/// budget again in a metering build: only there does a budget exist to be refused for AOT
/// modules.
fn aot_tests(root: &Path) -> Vec<Cmd> {
    let [fmt, clippy] = aot::lint_commands(root);
    vec![
        aot::build_command(root),
        fmt,
        clippy,
        aot::test_command(root),
        aot_test_command(root, &[], None),
        metering_build(
            root,
            aot_test_command(root, &[], Some("instruction_budget")),
        ),
    ]
}

/// The tests of the instruction budget, in a second build of WAMR with instruction metering
/// (off in the default build for speed; see `.cargo/config.toml`).
fn metering_tests(root: &Path) -> Cmd {
    metering_build(root, Cmd::cargo()).args([
        "test",
        "-p",
        "vm-core",
        "-p",
        "virtual-machine",
        "-p",
        "vm-cli",
        "--test",
        "limits",
        "--test",
        "start",
        "--test",
        "run",
        "--test",
        "cli",
    ])
}

/// The host-function and LEB128 tests with WAMR built as a kernel gets it without our CMake
/// toolchain files: no build patches (vendor/README.md), so host calls take WAMR's stock path
/// into vm-core's slot entry, which the patched build never uses, and the loader decodes every
/// number with WAMR's own decoder, which must accept and refuse what the patched loader does.
/// The test that asserts the patches are in is left out; so is the AOT loader, which only the
/// toolchain files switch on.
fn unpatched_wamr_tests(root: &Path) -> Cmd {
    Cmd::cargo()
        .env(HOST_TOOLCHAIN_FILE_VARIABLE, "")
        .env("CARGO_TARGET_DIR", root.join("target").join("unpatched"))
        .args([
            "test",
            "-p",
            "vm-core",
            "--test",
            "host_functions",
            "--test",
            "leb128",
        ])
}

/// `cargo` in the metering build: WAMR with instruction metering, in its own target directory
/// so the two builds do not keep rebuilding each other.
fn metering_build(root: &Path, cargo: Cmd) -> Cmd {
    cargo
        .env("CFLAGS", metering_cflags())
        .env("CARGO_TARGET_DIR", root.join("target").join("metering"))
}

/// Our WAMR defines plus instruction metering.
pub fn metering_cflags() -> String {
    format!("{WAMR_CFLAGS} -DWASM_ENABLE_INSTRUCTION_METERING=1")
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped,
}

/// Runs the test command.
pub fn run(root: &Path, test_args: &[OsString]) -> Result<()> {
    prereqs::ensure(&REQUIREMENTS, root)?;
    let steps = steps(root, test_args);
    let total = steps.len();
    let mut outcomes: Vec<Outcome> = vec![Outcome::Skipped; total];
    let mut failure = None;
    for (index, step) in steps.iter().enumerate() {
        println!("\n==> [{}/{total}] {}", index + 1, step.name);
        let start = Instant::now();
        let result = step.cmds.iter().try_for_each(Cmd::run);
        let elapsed = start.elapsed();
        match result {
            Ok(()) => outcomes[index] = Outcome::Passed(elapsed),
            Err(error) => {
                outcomes[index] = Outcome::Failed(elapsed);
                failure = Some(Error::StepFailed {
                    step: step.name,
                    source: Box::new(error),
                });
                break;
            }
        }
    }
    println!("\nsummary:");
    for (step, outcome) in steps.iter().zip(&outcomes) {
        println!("{}", summary_line(step, *outcome));
    }
    match failure {
        Some(error) => Err(error),
        None => {
            println!("all {total} steps passed");
            Ok(())
        }
    }
}

fn summary_line(step: &Step, outcome: Outcome) -> String {
    let (label, time) = match outcome {
        Outcome::Passed(d) => ("ok", format_duration(d)),
        Outcome::Failed(d) => ("FAILED", format_duration(d)),
        Outcome::Skipped => ("skipped", String::from("-")),
    };
    format!(
        "  {label:<8} {:<7} {time:>8}  {}",
        step.name,
        step.display()
    )
}

/// `4.2s`, `1m 05s`, `1h 02m`.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs < 60 {
        format!("{:.1}s", duration.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_in_order_and_pass_test_args() {
        let steps = steps(
            Path::new("/x"),
            &[OsString::from("--"), OsString::from("--nocapture")],
        );
        let names: Vec<_> = steps.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            ["fmt", "clippy", "test", "aot", "budget", "unpatched", "doc"]
        );
        assert_eq!(steps[2].display(), "cargo test --workspace -- --nocapture");
        assert_eq!(
            steps[5].display(),
            "CMAKE_TOOLCHAIN_FILE_x86_64_unknown_linux_gnu='' CARGO_TARGET_DIR=/x/target/unpatched \
             cargo test -p vm-core --test host_functions --test leb128"
        );
        assert_eq!(
            steps[6].display(),
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps"
        );
    }

    #[test]
    fn the_aot_step_builds_the_compiler_and_runs_the_ignored_aot_tests() {
        let step = steps(Path::new("/x"), &[]).remove(3);
        assert_eq!(step.cmds.len(), 6);
        assert_eq!(
            step.cmds[0].display(),
            aot::build_command(Path::new("/x")).display()
        );
        let lints = aot::lint_commands(Path::new("/x")).map(|lint| lint.display());
        assert_eq!([step.cmds[1].display(), step.cmds[2].display()], lints);
        assert_eq!(
            step.cmds[3].display(),
            "CFLAGS='' CXXFLAGS='' cargo test --release --locked --target-dir \
             /x/tools/aot-compiler/target"
        );
        assert_eq!(
            step.cmds[4].display(),
            "XILA_AOTC=/x/tools/aot-compiler/target/release/xila-aotc cargo test -p \
             virtual-machine --features std --test aot -- --include-ignored"
        );
        let metering = step.cmds[5].display();
        assert!(
            metering.contains("-DWASM_ENABLE_INSTRUCTION_METERING=1")
                && metering.contains("CARGO_TARGET_DIR=/x/target/metering")
                && metering.ends_with("--test aot -- --include-ignored instruction_budget"),
            "{metering}"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(65)), "1m 05s");
        assert_eq!(format_duration(Duration::from_secs(3_725)), "1h 02m");
    }
}
