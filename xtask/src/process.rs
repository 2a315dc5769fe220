//! Running child processes: print the command, run it, check its status.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

use crate::error::{Error, Result};

/// A command line to run, with the name it is shown under.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    shown_as: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
}

impl Cmd {
    /// A command running `program` (looked up on `PATH` unless it is a path).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let program = program.as_ref().to_os_string();
        let shown_as = program.to_string_lossy().into_owned();
        Self {
            program,
            shown_as,
            args: Vec::new(),
            envs: Vec::new(),
            cwd: None,
        }
    }

    /// A `cargo` command, using the cargo that runs xtask (`$CARGO`) when there is one, so the
    /// toolchain stays the same. It is shown as plain `cargo`.
    pub fn cargo() -> Self {
        let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut cmd = Self::new(program);
        cmd.shown_as = String::from("cargo");
        cmd
    }

    /// Shows the program as `name` in printed command lines (the program itself is unchanged).
    pub fn shown_as(mut self, name: impl Into<String>) -> Self {
        self.shown_as = name.into();
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    /// Adds several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The command line as a shell would accept it, environment assignments first.
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self
            .envs
            .iter()
            .map(|(k, v)| format!("{}={}", k.to_string_lossy(), quote(&v.to_string_lossy())))
            .collect();
        words.push(quote(&self.shown_as));
        words.extend(self.args.iter().map(|a| quote(&a.to_string_lossy())));
        words.join(" ")
    }

    /// The [`std::process::Command`] for this command line.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command.envs(self.envs.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command
    }

    /// Prints the command line, runs it with inherited stdio and fails unless it succeeds.
    pub fn run(&self) -> Result<()> {
        println!("$ {}", self.display());
        let status = self
            .command()
            .stdin(Stdio::null())
            .status()
            .map_err(|source| self.spawn_error(source))?;
        self.check(status)
    }

    /// Runs the command quietly and returns its output, whatever its status.
    pub fn output(&self) -> Result<Output> {
        self.command()
            .stdin(Stdio::null())
            .output()
            .map_err(|source| self.spawn_error(source))
    }

    /// Runs the command quietly and returns its stdout, failing unless it succeeds.
    pub fn stdout(&self) -> Result<String> {
        let output = self.output()?;
        self.check(output.status)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The error for a command that could not be started.
    pub fn spawn_error(&self, source: std::io::Error) -> Error {
        Error::Spawn {
            command: self.display(),
            source,
        }
    }

    fn check(&self, status: ExitStatus) -> Result<()> {
        if status.success() {
            Ok(())
        } else {
            Err(Error::CommandFailed {
                command: self.display(),
                status: describe_status(status),
            })
        }
    }
}

/// "exited with status N" or "was killed by signal N".
pub fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => String::from("ended in an unknown way"),
    }
}

/// Quotes a word for display if a shell would need it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_words_that_need_it() {
        let cmd = Cmd::new("cargo").env("RUSTDOCFLAGS", "-D warnings").args([
            "doc",
            "--workspace",
            "it's",
        ]);
        assert_eq!(
            cmd.display(),
            r"RUSTDOCFLAGS='-D warnings' cargo doc --workspace 'it'\''s'"
        );
    }

    #[test]
    fn cargo_is_shown_as_cargo() {
        assert!(Cmd::cargo().arg("test").display().starts_with("cargo test"));
    }
}
