//! The process exit codes of `xila-vm`, one place for all of them.
//!
//! The values follow existing tools so scripts can treat `xila-vm` like them: 124 like GNU
//! `timeout`, 126 like a shell's "cannot execute", 128 + signal for abnormal ends (like
//! wasmtime on Unix). A guest that exits on its own passes its code through, so a guest
//! exiting with one of these values is indistinguishable from the failure; wasmtime has the
//! same ambiguity.

use virtual_machine::{Error, FailureClass};

/// The run succeeded (the entry point returned, or `--invoke` printed its results).
pub const SUCCESS: u8 = 0;

/// The command line was wrong: refused by the parser, or an argument rejected after parsing
/// (like most Unix tools, and clap-based ones such as wasmtime).
pub const USAGE: u8 = 2;

/// The run exceeded `--timeout` (like GNU `timeout`).
pub const TIMEOUT: u8 = 124;

/// A failure on the host's side: the file cannot be read, `--invoke` arguments are wrong, the
/// export does not exist, the runtime failed to start, output could not be written.
pub const HOST_FAILURE: u8 = 125;

/// The module cannot be loaded or instantiated: malformed or invalid module, missing import,
/// initial memory above `--max-memory`, pool too small.
pub const LOAD_FAILURE: u8 = 126;

/// The guest trapped (128 + SIGABRT, like wasmtime on Unix), or a host function it called
/// trapped.
pub const TRAP: u8 = 134;

/// The guest used up its `--fuel` instruction budget (128 + SIGXCPU, the signal for an
/// exceeded CPU time limit).
pub const BUDGET_EXHAUSTED: u8 = 152;

/// The exit code for a failed run.
pub fn for_error(error: &Error) -> u8 {
    match error.class() {
        FailureClass::Load => LOAD_FAILURE,
        FailureClass::Trap => TRAP,
        FailureClass::BudgetExhausted => BUDGET_EXHAUSTED,
        FailureClass::Timeout => TIMEOUT,
        FailureClass::Host => HOST_FAILURE,
        FailureClass::Exited => error.exit_code().map_or(HOST_FAILURE, for_guest),
    }
}

/// The process exit code for a guest's own exit code.
///
/// A process exit status holds 8 bits. Truncating (as `exit()` does) could turn a failure
/// such as 256 into success, so codes above 255 saturate to 255 instead.
pub fn for_guest(code: u32) -> u8 {
    u8::try_from(code).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use virtual_machine::{CallError, Trap};

    #[test]
    fn guest_codes_pass_through_and_saturate() {
        assert_eq!(for_guest(0), 0);
        assert_eq!(for_guest(42), 42);
        assert_eq!(for_guest(255), 255);
        assert_eq!(for_guest(256), 255);
        assert_eq!(for_guest(u32::MAX), 255);
    }

    #[test]
    fn errors_map_by_class() {
        let trap = Error::Call(CallError::Trap(Trap::Unreachable));
        assert_eq!(for_error(&trap), TRAP);
        let budget = Error::Call(CallError::Trap(Trap::BudgetExhausted));
        assert_eq!(for_error(&budget), BUDGET_EXHAUSTED);
        let exited = Error::Call(CallError::Exited { code: 7 });
        assert_eq!(for_error(&exited), 7);
        let missing = Error::EntryNotFound {
            name: "_start".into(),
        };
        assert_eq!(for_error(&missing), HOST_FAILURE);
        let timeout = Error::Timeout {
            after: std::time::Duration::from_secs(1),
        };
        assert_eq!(for_error(&timeout), TIMEOUT);
    }
}
