//! `cargo xtask test`: the project's test command.
//!
//! Formatting, lints, tests (doc tests included) and documentation, in that order, stopping
//! at the first failure.

use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::cross::WAMR_CFLAGS;
use crate::error::{Error, Result};
use crate::prereqs::{self, Requirements};
use crate::process::Cmd;

/// What `cargo xtask test` needs before it starts.
pub const REQUIREMENTS: Requirements = Requirements {
    checks: &[
        prereqs::WAMR_BUILD,
        prereqs::WASI_C,
        prereqs::WASI_ASSEMBLYSCRIPT,
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
    /// The command it runs.
    pub cmd: Cmd,
}

/// The steps, in order. `test_args` go at the end of the `cargo test` command line.
pub fn steps(root: &Path, test_args: &[OsString]) -> Vec<Step> {
    vec![
        Step {
            name: "fmt",
            cmd: Cmd::cargo().args(["fmt", "--all", "--", "--check"]),
        },
        Step {
            name: "clippy",
            cmd: Cmd::cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Step {
            name: "test",
            cmd: Cmd::cargo().args(["test", "--workspace"]).args(test_args),
        },
        Step {
            name: "budget",
            cmd: metering_tests(root),
        },
        Step {
            name: "doc",
            cmd: Cmd::cargo().env("RUSTDOCFLAGS", "-D warnings").args([
                "doc",
                "--workspace",
                "--no-deps",
            ]),
        },
    ]
    .into_iter()
    .map(|step| Step {
        cmd: step.cmd.current_dir(root),
        ..step
    })
    .collect()
}

/// The tests of the instruction budget, in a second build of WAMR with instruction metering
/// (off in the default build for speed; see `.cargo/config.toml`), in its own target
/// directory so the two builds do not keep rebuilding each other.
fn metering_tests(root: &Path) -> Cmd {
    Cmd::cargo()
        .env("CFLAGS", metering_cflags())
        .env("CARGO_TARGET_DIR", root.join("target").join("metering"))
        .args([
            "test",
            "-p",
            "vm-core",
            "-p",
            "virtual-machine",
            "-p",
            "vm-cli",
        ])
        .args([
            "--test", "limits", "--test", "start", "--test", "run", "--test", "cli",
        ])
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
        let result = step.cmd.run();
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
        step.cmd.display()
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
        assert_eq!(names, ["fmt", "clippy", "test", "budget", "doc"]);
        assert_eq!(
            steps[2].cmd.display(),
            "cargo test --workspace -- --nocapture"
        );
        assert_eq!(
            steps[4].cmd.display(),
            "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(65)), "1m 05s");
        assert_eq!(format_duration(Duration::from_secs(3_725)), "1h 02m");
    }
}
