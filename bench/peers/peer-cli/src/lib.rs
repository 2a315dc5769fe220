//! The command line of the peer runners, shaped like `xila-vm run` so the benchmark harness
//! can call every runner the same way:
//!
//! ```text
//! RUNNER run FILE.wasm [--dir HOST[::GUEST]]... [--env KEY[=VALUE]]... [--] [ARGS...]
//! ```
//!
//! As in `xila-vm`: options may come before or after FILE; everything from the first
//! argument after FILE on, or after `--`, is the guest's (even if it starts with `-`);
//! `argv[0]` is FILE as written; the guest sees only the `--env` variables (`--env KEY`
//! passes the host's value, nothing if unset); preopens get descriptors 3, 4, … in the order
//! given. Exit codes: the guest's own (saturated at 255), [`USAGE`] for a bad command line,
//! [`HOST_FAILURE`], [`LOAD_FAILURE`] and [`TRAP`] as `xila-vm` uses them.

use std::path::PathBuf;
use std::process::ExitCode;

/// The command line was wrong.
pub const USAGE: u8 = 2;
/// A failure on the host's side (file unreadable, runtime failed to start).
pub const HOST_FAILURE: u8 = 125;
/// The module cannot be loaded or instantiated.
pub const LOAD_FAILURE: u8 = 126;
/// The guest trapped.
pub const TRAP: u8 = 134;

/// A `--dir` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The host directory.
    pub host: PathBuf,
    /// The name the guest sees it under.
    pub guest: String,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    /// The module, as written (also the guest's `argv[0]`).
    pub file: PathBuf,
    /// The preopened directories, in order.
    pub dirs: Vec<Preopen>,
    /// The guest's environment (`--env KEY` already resolved against the host's).
    pub env: Vec<(String, String)>,
    /// The guest's arguments after `argv[0]`.
    pub args: Vec<String>,
}

impl RunArgs {
    /// The guest's full argv: FILE as written, then the arguments.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = vec![self.file.to_string_lossy().into_owned()];
        argv.extend(self.args.iter().cloned());
        argv
    }
}

fn parse_dir(value: &str) -> Result<Preopen, String> {
    let (host, guest) = value.split_once("::").unwrap_or((value, value));
    if host.is_empty() || guest.is_empty() {
        return Err(format!(
            "--dir {value}: expected HOST or HOST::GUEST, both non-empty"
        ));
    }
    Ok(Preopen {
        host: PathBuf::from(host),
        guest: guest.to_owned(),
    })
}

fn parse_env(value: &str) -> Result<Option<(String, String)>, String> {
    let (key, value) = match value.split_once('=') {
        Some((key, value)) => (key, Some(value.to_owned())),
        None => (value, None),
    };
    if key.is_empty() || key.contains('\0') {
        return Err(format!(
            "--env {key}: expected KEY=VALUE or KEY with a non-empty KEY"
        ));
    }
    Ok(match value {
        Some(value) => Some((key.to_owned(), value)),
        // Like xila-vm (and wasmtime): the host's value, nothing if unset.
        None => std::env::var(key).ok().map(|value| (key.to_owned(), value)),
    })
}

/// Parses the arguments after the program name (`run FILE ...`).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<RunArgs, String> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        Some("run") => {}
        _ => return Err(String::from("expected the `run` subcommand")),
    }
    let mut file = None;
    let mut dirs = Vec::new();
    let mut env = Vec::new();
    let mut rest = Vec::new();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value)),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .map(str::to_owned)
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--dir" => dirs.push(parse_dir(&value("--dir")?)?),
            "--env" => env.extend(parse_env(&value("--env")?)?),
            "--" => {
                rest.extend(args.by_ref());
                break;
            }
            _ if arg.starts_with('-') && file.is_none() => {
                return Err(format!("unknown option {arg}"));
            }
            _ if file.is_none() => file = Some(PathBuf::from(arg)),
            _ => {
                rest.push(arg);
                rest.extend(args.by_ref());
                break;
            }
        }
    }
    let file = file.ok_or_else(|| String::from("missing FILE"))?;
    Ok(RunArgs {
        file,
        dirs,
        env,
        args: rest,
    })
}

/// Parses the process's command line, or prints the usage and exits with [`USAGE`].
pub fn parse_or_exit(runner: &str) -> RunArgs {
    match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(error) => {
            eprintln!("{runner}: {error}");
            eprintln!(
                "usage: {runner} run FILE.wasm [--dir HOST[::GUEST]]... [--env KEY[=VALUE]]... [--] [ARGS...]"
            );
            std::process::exit(i32::from(USAGE));
        }
    }
}

/// The process exit code for a guest's exit code: codes above 255 saturate to 255 instead of
/// being truncated (which could turn a failure into success).
pub fn guest_exit(code: u32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(u8::MAX))
}

/// Prints an error and returns the exit code for it.
pub fn fail(runner: &str, code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("{runner}: {message}");
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<RunArgs, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn parses_the_xila_vm_shape() {
        let args = parse_str("run --dir a::/ x.wasm --env K=V --dir=b -- -1 --flag").unwrap();
        assert_eq!(args.file, PathBuf::from("x.wasm"));
        assert_eq!(
            args.dirs,
            vec![
                Preopen {
                    host: "a".into(),
                    guest: "/".into()
                },
                Preopen {
                    host: "b".into(),
                    guest: "b".into()
                },
            ]
        );
        assert_eq!(args.env, vec![("K".to_owned(), "V".to_owned())]);
        assert_eq!(args.args, vec!["-1", "--flag"]);
        assert_eq!(args.argv(), vec!["x.wasm", "-1", "--flag"]);
    }

    #[test]
    fn args_start_at_the_first_positional_after_file() {
        let args = parse_str("run x.wasm first --env K=V").unwrap();
        assert_eq!(args.args, vec!["first", "--env", "K=V"]);
        assert!(args.env.is_empty());
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(parse_str("x.wasm").is_err());
        assert!(parse_str("run").is_err());
        assert!(parse_str("run --bogus x.wasm").is_err());
        assert!(parse_str("run x.wasm --dir").is_err());
        assert!(parse_str("run x.wasm --dir ::g").is_err());
        assert!(parse_str("run x.wasm --env =v").is_err());
    }
}
