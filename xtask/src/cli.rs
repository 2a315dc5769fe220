//! What xtask knows about the `xila-vm` command-line tool (crate `vm-cli`).

/// The cargo package of the CLI.
pub const PACKAGE: &str = "vm-cli";

/// The name of the CLI's binary.
pub const BINARY: &str = "xila-vm";

/// The exit codes `xila-vm run` documents. Keep in step with crates/vm-cli.
pub mod exit_code {
    /// The module ran (and `--invoke` returned) normally.
    pub const SUCCESS: i32 = 0;
    /// The command line was wrong.
    pub const USAGE: i32 = 2;
    /// Host-side failure: unreadable file, bad `--invoke` arguments, export not found.
    pub const HOST_FAILURE: i32 = 125;
    /// The module could not be loaded or instantiated.
    pub const LOAD_ERROR: i32 = 126;
    /// The guest trapped.
    pub const TRAP: i32 = 134;
    /// `--timeout` expired.
    pub const TIMEOUT: i32 = 124;
    /// The `--fuel` instruction budget ran out.
    pub const BUDGET_EXHAUSTED: i32 = 152;

    /// A short name for a documented exit code.
    pub fn name(code: i32) -> Option<&'static str> {
        Some(match code {
            SUCCESS => "success",
            USAGE => "usage error",
            HOST_FAILURE => "host failure",
            LOAD_ERROR => "load error",
            TRAP => "trap",
            TIMEOUT => "timeout",
            BUDGET_EXHAUSTED => "budget exhausted",
            _ => return None,
        })
    }
}
