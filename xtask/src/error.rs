//! The one error type of xtask.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Result alias used throughout xtask.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make an xtask command fail.
#[derive(Debug)]
pub enum Error {
    /// The command line could not be understood.
    Usage(String),
    /// An I/O operation on a file or directory failed.
    Io {
        /// What was being done, e.g. "reading /work/x.json".
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A child process could not be started.
    Spawn {
        /// The command line, as printed.
        command: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A child process ran but did not succeed.
    CommandFailed {
        /// The command line, as printed.
        command: String,
        /// Its exit status, described.
        status: String,
    },
    /// System prerequisites are missing; the report says what to install.
    Prerequisites(String),
    /// A `.wat` source did not compile.
    Wat {
        /// The source file.
        file: PathBuf,
        /// The compiler's message.
        message: String,
    },
    /// A step of `cargo xtask test` failed.
    StepFailed {
        /// The step's name.
        step: &'static str,
        /// Why it failed.
        source: Box<Error>,
    },
    /// Some demo expectations were not met.
    DemoFailed {
        /// How many runs failed.
        failed: usize,
        /// How many runs there were.
        total: usize,
    },
    /// Benchmark results could not be read or written.
    Bench(String),
}

impl Error {
    /// Builds an [`Error::Io`] with a description of what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit code xtask ends with for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) => write!(f, "{message} (see `cargo xtask help`)"),
            Self::Io { context, source } => write!(f, "{context}: {source}"),
            Self::Spawn { command, source } => write!(f, "could not start `{command}`: {source}"),
            Self::CommandFailed { command, status } => write!(f, "`{command}` {status}"),
            Self::Prerequisites(report) => f.write_str(report.trim_end()),
            Self::Wat { file, message } => {
                write!(f, "cannot compile {}: {message}", file.display())
            }
            Self::StepFailed { step, source } => write!(f, "step `{step}` failed: {source}"),
            Self::DemoFailed { failed, total } => {
                write!(
                    f,
                    "{failed} of {total} demo runs did not behave as expected"
                )
            }
            Self::Bench(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::Spawn { source, .. } => Some(source),
            Self::StepFailed { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
