//! Starting a binary built for the target under test, from a test of that target.
//!
//! Shared by the integration tests of several crates through `#[path]` (a whole crate for one
//! function would be heavier than the duplication it removes).

use std::ffi::OsStr;
use std::process::Command;

/// `binary` as a command. Under emulation (`cargo xtask cross riscv64 --test`) a test cannot
/// `exec` a foreign binary itself, so the emulator named in `XILA_VM_TEST_RUNNER` (with its
/// options, space-separated) starts it.
pub fn emulated_command(binary: impl AsRef<OsStr>) -> Command {
    let runner = std::env::var("XILA_VM_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(emulator) => {
            let mut command = Command::new(emulator);
            command.args(words).arg(binary);
            command
        }
        None => Command::new(binary),
    }
}
