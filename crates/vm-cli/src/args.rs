//! The command line: argv turned into a [`Command`], with typed usage errors.
//!
//! `lexopt` splits argv into options and values (`--name value`, `--name=value`, `--`); this
//! module gives them their meaning. lexopt rather than clap: clap and its derive code made
//! up ~300 KB of the binary's code, all of it resident, and 75-217 µs of every start; lexopt
//! is a few hundred lines without dependencies, and hand-rolling the same tokenizer would
//! only add code to maintain.
//!
//! The grammar of `run`: options may come before or after FILE. The first argument after
//! FILE that is not one of `run`'s options (or everything after a `--`) starts the guest's
//! ARGS, and from there on every argument is the guest's, even `--help` or `--`: guests have
//! options of their own, and `--invoke` values may be negative numbers.

use std::ffi::{OsStr, OsString};
use std::fmt::Display;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lexopt::{Arg, Parser};

use crate::units;

/// What the command line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// `xila-vm run ...` (boxed: it is much larger than the other variants).
    Run(Box<RunArgs>),
    /// Print a help text on stdout and exit with success.
    ShowHelp(HelpPage),
    /// Print the version on stdout and exit with success.
    ShowVersion,
}

/// The help texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpPage {
    /// `xila-vm --help`: the commands.
    Top,
    /// `xila-vm run -h`: one line per option.
    RunSummary,
    /// `xila-vm run --help`: every option in full.
    RunFull,
}

impl HelpPage {
    /// The text, ending with a newline.
    pub fn text(self) -> &'static str {
        match self {
            Self::Top => crate::help::TOP,
            Self::RunSummary => crate::help::RUN_SUMMARY,
            Self::RunFull => crate::help::RUN_FULL,
        }
    }
}

/// What `--version` prints.
pub const VERSION_LINE: &str = concat!("xila-vm ", env!("CARGO_PKG_VERSION"), "\n");

/// The usage line of the top level.
pub const TOP_USAGE: &str = "xila-vm <COMMAND>";

/// The usage line of `run`.
pub const RUN_USAGE: &str = "xila-vm run [OPTIONS] <FILE> [ARGS]...";

/// Why a command line is refused (exit code 2).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// Nothing after `xila-vm`.
    #[error("a command is required")]
    MissingCommand,
    /// A first word that is not a command.
    #[error("unrecognized command '{0}'")]
    UnknownCommand(String),
    /// An option or argument the top level or `help` does not take.
    #[error("unexpected argument '{0}'")]
    UnknownOption(String),
    /// An option that `run` does not have, before FILE (after it, it is the guest's).
    #[error("unexpected argument '{0}' (to pass it to the guest, put it after FILE or after `--`)")]
    UnexpectedArgument(String),
    /// `run` without FILE.
    #[error("the required argument <FILE> was not provided")]
    MissingFile,
    /// An option that takes a value is the last argument.
    #[error("a value is required for '{option}' but none was supplied")]
    MissingValue {
        /// The option and its value's name, as `--invoke <NAME>`.
        option: &'static str,
    },
    /// A flag given a value, as in `--allow-resolve=yes`.
    #[error("unexpected value '{value}' for '{option}': it takes none")]
    UnexpectedValue {
        /// The flag.
        option: String,
        /// The value given.
        value: String,
    },
    /// A single-valued option given twice.
    #[error("the argument '{option}' cannot be used multiple times")]
    Repeated {
        /// The option.
        option: &'static str,
    },
    /// A value that its option's syntax refuses.
    #[error("invalid value '{value}' for '{option}': {reason}")]
    InvalidValue {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// An argument that is not valid Unicode where text is needed.
    #[error("invalid UTF-8 in '{argument}'")]
    NotUnicode {
        /// The argument, with the invalid bytes replaced.
        argument: String,
    },
    /// `--screenshot` or `--input` without `--display`.
    #[error("'{option}' requires '--display <WIDTHxHEIGHT>'")]
    RequiresDisplay {
        /// The option that needs a display.
        option: &'static str,
    },
}

impl UsageError {
    /// The usage line to print under the error.
    pub fn usage(&self) -> &'static str {
        match self {
            Self::MissingCommand | Self::UnknownCommand(_) | Self::UnknownOption(_) => TOP_USAGE,
            _ => RUN_USAGE,
        }
    }
}

/// A `--dir` value: a host directory and the name the guest sees it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    /// The host directory.
    pub host: PathBuf,
    /// The guest's name for it.
    pub guest: String,
}

/// Parses `HOST` or `HOST::GUEST`.
fn parse_dir(value: &str) -> Result<Preopen, String> {
    let (host, guest) = match value.split_once("::") {
        Some((host, guest)) => (host, guest),
        None => (value, value),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(String::from("expected HOST or HOST::GUEST, both non-empty"));
    }
    Ok(Preopen {
        host: PathBuf::from(host),
        guest: String::from(guest),
    })
}

/// An `--env` value: a variable name and its value, or `None` to take the host's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// The name.
    pub key: String,
    /// The value given, `None` to inherit the host's.
    pub value: Option<String>,
}

/// Parses `KEY=VALUE` or `KEY`.
fn parse_env(value: &str) -> Result<EnvVar, String> {
    let (key, value) = match value.split_once('=') {
        Some((key, value)) => (key, Some(String::from(value))),
        None => (value, None),
    };
    if key.is_empty() || key.contains('\0') {
        return Err(String::from(
            "expected KEY=VALUE or KEY with a non-empty KEY",
        ));
    }
    Ok(EnvVar {
        key: String::from(key),
        value,
    })
}

/// Parses `WIDTHxHEIGHT`.
fn parse_display(value: &str) -> Result<(u32, u32), String> {
    let (width, height) = value
        .split_once(['x', 'X'])
        .ok_or_else(|| String::from("expected WIDTHxHEIGHT, e.g. 320x240"))?;
    let parse = |text: &str| {
        text.parse::<u32>()
            .ok()
            .filter(|&pixels| (1..=4096).contains(&pixels))
            .ok_or_else(|| format!("{text:?} is not a size between 1 and 4096"))
    };
    Ok((parse(width)?, parse(height)?))
}

/// A scripted input event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSpec {
    /// Pointer pressed at (x, y).
    Down(i32, i32),
    /// Pointer released at (x, y).
    Up(i32, i32),
    /// Pointer moved to (x, y).
    Move(i32, i32),
    /// A key pressed and released.
    Key(u32),
}

/// Parses `down:X,Y`, `up:X,Y`, `move:X,Y` or `key:CODE`.
fn parse_input(value: &str) -> Result<InputSpec, String> {
    let (kind, rest) = value
        .split_once(':')
        .ok_or_else(|| String::from("expected down:X,Y, up:X,Y, move:X,Y or key:CODE"))?;
    let point = || -> Result<(i32, i32), String> {
        let (x, y) = rest
            .split_once(',')
            .ok_or_else(|| format!("expected X,Y after {kind}:"))?;
        let number = |text: &str| {
            text.trim()
                .parse::<i32>()
                .map_err(|_| format!("{text:?} is not a coordinate"))
        };
        Ok((number(x)?, number(y)?))
    };
    match kind {
        "down" => point().map(|(x, y)| InputSpec::Down(x, y)),
        "up" => point().map(|(x, y)| InputSpec::Up(x, y)),
        "move" => point().map(|(x, y)| InputSpec::Move(x, y)),
        "key" => rest
            .parse::<u32>()
            .map(InputSpec::Key)
            .map_err(|_| format!("{rest:?} is not a key code")),
        other => Err(format!(
            "unknown input kind {other:?}: expected down, up, move or key"
        )),
    }
}

/// Options of `xila-vm run`: see its `--help` ([`HelpPage::RunFull`]) for each one.
#[derive(Debug, Default, PartialEq)]
pub struct RunArgs {
    /// The WebAssembly module (`.wasm` binary) to run.
    pub file: PathBuf,
    /// `--invoke`: the export to call instead of `_start`.
    pub invoke: Option<String>,
    /// `--fuel`: the instruction budget of each call into the guest.
    pub fuel: Option<u64>,
    /// `--max-memory`: the limit of linear memory, in pages.
    pub max_memory: Option<u32>,
    /// `--stack`: the wasm stack size, in bytes.
    pub stack: Option<u32>,
    /// `--timeout`: when to stop the run.
    pub timeout: Option<Duration>,
    /// `--pool`: the size of the one memory pool, in bytes.
    pub pool: Option<usize>,
    /// `--dir`: the preopened host directories, in order.
    pub dirs: Vec<Preopen>,
    /// `--tcplisten`: the addresses of the preopened listening sockets, in order.
    pub tcp_listen: Vec<SocketAddr>,
    /// `--display`: the display's width and height.
    pub display: Option<(u32, u32)>,
    /// `--screenshot`: where to save the display as PNG.
    pub screenshot: Option<PathBuf>,
    /// `--input`: the scripted input events, in order.
    pub inputs: Vec<InputSpec>,
    /// `--allow-net`: the network rules, as written.
    pub allow_net: Vec<String>,
    /// `--allow-resolve`: whether the guest may resolve host names.
    pub allow_resolve: bool,
    /// `--env`: the guest's environment variables.
    pub env: Vec<EnvVar>,
    /// The guest's arguments (after `argv[0]`), or the arguments of the `--invoke` function.
    pub args: Vec<String>,
}

/// The long options of `run`, without `--`. After FILE, an argument that is none of these
/// (nor `-h` or `--`) starts the guest's ARGS.
const RUN_OPTIONS: &[&str] = &[
    "invoke",
    "fuel",
    "max-memory",
    "stack",
    "timeout",
    "pool",
    "dir",
    "tcplisten",
    "display",
    "screenshot",
    "input",
    "allow-net",
    "allow-resolve",
    "env",
    "help",
];

/// Parses the command line `arguments` (without the program name).
pub fn parse<I>(arguments: I) -> Result<Command, UsageError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut parser = Parser::from_args(arguments);
    match parser.next().map_err(tokenizer_error)? {
        None => Err(UsageError::MissingCommand),
        Some(Arg::Long("help") | Arg::Short('h')) => Ok(Command::ShowHelp(HelpPage::Top)),
        Some(Arg::Long("version") | Arg::Short('V')) => Ok(Command::ShowVersion),
        Some(Arg::Long(name)) => Err(UsageError::UnknownOption(format!("--{name}"))),
        Some(Arg::Short(letter)) => Err(UsageError::UnknownOption(format!("-{letter}"))),
        Some(Arg::Value(command)) => match command.to_str() {
            Some("run") => parse_run(&mut parser),
            Some("help") => parse_help(&mut parser),
            _ => Err(UsageError::UnknownCommand(lossy(&command))),
        },
    }
}

/// `xila-vm help [run]`.
fn parse_help(parser: &mut Parser) -> Result<Command, UsageError> {
    let page = match parser.next().map_err(tokenizer_error)? {
        None => HelpPage::Top,
        Some(Arg::Value(command)) if command == "run" => HelpPage::RunFull,
        Some(Arg::Value(command)) => return Err(UsageError::UnknownCommand(lossy(&command))),
        Some(Arg::Long(name)) => return Err(UsageError::UnknownOption(format!("--{name}"))),
        Some(Arg::Short(letter)) => {
            return Err(UsageError::UnknownOption(format!("-{letter}")));
        }
    };
    match parser.next().map_err(tokenizer_error)? {
        None => Ok(Command::ShowHelp(page)),
        Some(extra) => Err(UsageError::UnknownOption(describe(extra))),
    }
}

/// `xila-vm run [OPTIONS] FILE [OPTIONS] [ARGS]...`, after the word `run`.
fn parse_run(parser: &mut Parser) -> Result<Command, UsageError> {
    let mut run = RunArgs::default();
    let mut file: Option<PathBuf> = None;
    loop {
        // Peek before lexopt tokenizes: an argument after FILE that is not ours must reach
        // the guest exactly as written (`-x=1`, `--flag`), not split into lexopt's tokens.
        if file.is_some()
            && let Some(raw) = parser.try_raw_args()
            && raw.peek().is_some_and(|next| !is_run_option(next))
        {
            run.args = guest_arguments(raw)?;
            break;
        }
        let Some(argument) = parser.next().map_err(tokenizer_error)? else {
            break;
        };
        match argument {
            Arg::Short('h') => return Ok(Command::ShowHelp(HelpPage::RunSummary)),
            Arg::Long("help") => return Ok(Command::ShowHelp(HelpPage::RunFull)),
            Arg::Long("invoke") => {
                let name = text_value(parser, "--invoke <NAME>")?;
                set_once(&mut run.invoke, "--invoke <NAME>", name)?;
            }
            Arg::Long("fuel") => {
                let fuel = parsed_value(parser, "--fuel <N>", units::parse_fuel)?;
                set_once(&mut run.fuel, "--fuel <N>", fuel)?;
            }
            Arg::Long("max-memory") => {
                let option = "--max-memory <SIZE>";
                let pages = parsed_value(parser, option, units::parse_memory_pages)?;
                set_once(&mut run.max_memory, option, pages)?;
            }
            Arg::Long("stack") => {
                let bytes = parsed_value(parser, "--stack <BYTES>", units::parse_stack_size)?;
                set_once(&mut run.stack, "--stack <BYTES>", bytes)?;
            }
            Arg::Long("timeout") => {
                let option = "--timeout <DURATION>";
                let timeout = parsed_value(parser, option, units::parse_duration)?;
                set_once(&mut run.timeout, option, timeout)?;
            }
            Arg::Long("pool") => {
                let bytes = parsed_value(parser, "--pool <BYTES>", units::parse_pool_size)?;
                set_once(&mut run.pool, "--pool <BYTES>", bytes)?;
            }
            Arg::Long("dir") => {
                run.dirs
                    .push(parsed_value(parser, "--dir <HOST[::GUEST]>", parse_dir)?);
            }
            Arg::Long("tcplisten") => {
                run.tcp_listen
                    .push(parsed_value(parser, "--tcplisten <ADDR>", str::parse)?);
            }
            Arg::Long("display") => {
                let option = "--display <WIDTHxHEIGHT>";
                let size = parsed_value(parser, option, parse_display)?;
                set_once(&mut run.display, option, size)?;
            }
            Arg::Long("screenshot") => {
                let option = "--screenshot <FILE>";
                let path = parser
                    .value()
                    .map_err(|_| UsageError::MissingValue { option })?;
                set_once(&mut run.screenshot, option, PathBuf::from(path))?;
            }
            Arg::Long("input") => {
                run.inputs
                    .push(parsed_value(parser, "--input <EVENT>", parse_input)?);
            }
            Arg::Long("allow-net") => {
                run.allow_net
                    .push(text_value(parser, "--allow-net <ADDRESS[:PORTS]>")?);
            }
            Arg::Long("allow-resolve") => {
                if run.allow_resolve {
                    return Err(UsageError::Repeated {
                        option: "--allow-resolve",
                    });
                }
                run.allow_resolve = true;
            }
            Arg::Long("env") => {
                run.env
                    .push(parsed_value(parser, "--env <KEY[=VALUE]>", parse_env)?);
            }
            Arg::Value(value) => match file {
                None => file = Some(PathBuf::from(value)),
                // Only after `--`: everything else after FILE was taken as ARGS above.
                Some(_) => {
                    run.args.push(into_text(value)?);
                    run.args.extend(guest_arguments(
                        parser.raw_args().map_err(tokenizer_error)?,
                    )?);
                    break;
                }
            },
            other => return Err(UsageError::UnexpectedArgument(describe(other))),
        }
    }
    run.file = file.ok_or(UsageError::MissingFile)?;
    if run.display.is_none() {
        if run.screenshot.is_some() {
            return Err(UsageError::RequiresDisplay {
                option: "--screenshot <FILE>",
            });
        }
        if !run.inputs.is_empty() {
            return Err(UsageError::RequiresDisplay {
                option: "--input <EVENT>",
            });
        }
    }
    Ok(Command::Run(Box::new(run)))
}

/// Whether `argument`, met after FILE, is for `run` rather than the guest.
fn is_run_option(argument: &OsStr) -> bool {
    let Some(argument) = argument.to_str() else {
        return false;
    };
    if argument == "--" || argument == "-h" {
        return true;
    }
    argument.strip_prefix("--").is_some_and(|option| {
        let name = option.split_once('=').map_or(option, |(name, _value)| name);
        RUN_OPTIONS.contains(&name)
    })
}

/// The rest of the command line, as the guest's arguments.
fn guest_arguments(raw: lexopt::RawArgs<'_>) -> Result<Vec<String>, UsageError> {
    raw.map(into_text).collect()
}

/// Stores the value of an option that may be given once.
fn set_once<T>(slot: &mut Option<T>, option: &'static str, value: T) -> Result<(), UsageError> {
    match slot.replace(value) {
        Some(_) => Err(UsageError::Repeated { option }),
        None => Ok(()),
    }
}

/// The value of `option`, as text.
fn text_value(parser: &mut Parser, option: &'static str) -> Result<String, UsageError> {
    let value = parser
        .value()
        .map_err(|_| UsageError::MissingValue { option })?;
    into_text(value)
}

/// The value of `option`, parsed by `parse`.
fn parsed_value<T, E: Display>(
    parser: &mut Parser,
    option: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, UsageError> {
    let value = text_value(parser, option)?;
    parse(&value).map_err(|reason| UsageError::InvalidValue {
        option,
        reason: reason.to_string(),
        value,
    })
}

fn into_text(argument: OsString) -> Result<String, UsageError> {
    argument
        .into_string()
        .map_err(|argument| UsageError::NotUnicode {
            argument: lossy(&argument),
        })
}

fn lossy(argument: &OsStr) -> String {
    argument.to_string_lossy().into_owned()
}

/// An argument as the user wrote it, for an error message.
fn describe(argument: Arg<'_>) -> String {
    match argument {
        Arg::Short(letter) => format!("-{letter}"),
        Arg::Long(name) => format!("--{name}"),
        Arg::Value(value) => lossy(&value),
    }
}

/// lexopt's own errors: `next` and `raw_args` fail only on a value given to a flag
/// (`--allow-resolve=yes`).
fn tokenizer_error(error: lexopt::Error) -> UsageError {
    match error {
        lexopt::Error::UnexpectedValue { option, value } => UsageError::UnexpectedValue {
            option,
            value: lossy(&value),
        },
        lexopt::Error::NonUnicodeValue(value) => UsageError::NotUnicode {
            argument: lossy(&value),
        },
        // lexopt documents no other error for `next` and `raw_args`; should one appear in a
        // later version, its own message still says what is wrong.
        other => UsageError::UnknownOption(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `xila-vm WORDS...`.
    fn parse_words(words: &[&str]) -> Result<Command, UsageError> {
        parse(words.iter().copied())
    }

    /// Parses `xila-vm run WORDS...`, which must be a run.
    fn run(words: &[&str]) -> RunArgs {
        match parse(std::iter::once("run").chain(words.iter().copied())) {
            Ok(Command::Run(args)) => *args,
            other => panic!("{words:?} parsed as {other:?}"),
        }
    }

    /// Parses `xila-vm run WORDS...`, which must be refused.
    fn run_error(words: &[&str]) -> UsageError {
        match parse(std::iter::once("run").chain(words.iter().copied())) {
            Err(error) => error,
            other => panic!("{words:?} parsed as {other:?}"),
        }
    }

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| String::from(*word)).collect()
    }

    #[test]
    fn a_bare_file_runs_with_defaults() {
        let args = run(&["app.wasm"]);
        assert_eq!(
            args,
            RunArgs {
                file: PathBuf::from("app.wasm"),
                ..RunArgs::default()
            }
        );
    }

    #[test]
    fn every_option_is_parsed_into_its_field() {
        let args = run(&[
            "--invoke",
            "add",
            "--max-memory",
            "1MiB",
            "--stack=32KiB",
            "--timeout",
            "1.5s",
            "--pool",
            "4MiB",
            "--dir",
            "./data::/",
            "--tcplisten",
            "127.0.0.1:8080",
            "--display",
            "320x240",
            "--screenshot",
            "frame.png",
            "--input",
            "down:1,2",
            "--allow-net",
            "127.0.0.1:8000-9000",
            "--allow-resolve",
            "--env",
            "A=1",
            "app.wasm",
            "40",
            "2",
        ]);
        assert_eq!(args.file, PathBuf::from("app.wasm"));
        assert_eq!(args.invoke.as_deref(), Some("add"));
        assert_eq!(args.max_memory, Some(16));
        assert_eq!(args.stack, Some(32 * 1024));
        assert_eq!(args.timeout, Some(Duration::from_millis(1500)));
        assert_eq!(args.pool, Some(4 << 20));
        assert_eq!(
            args.dirs,
            [Preopen {
                host: PathBuf::from("./data"),
                guest: String::from("/"),
            }]
        );
        assert_eq!(args.tcp_listen, [SocketAddr::from(([127, 0, 0, 1], 8080))]);
        assert_eq!(args.display, Some((320, 240)));
        assert_eq!(args.screenshot, Some(PathBuf::from("frame.png")));
        assert_eq!(args.inputs, [InputSpec::Down(1, 2)]);
        assert_eq!(args.allow_net, ["127.0.0.1:8000-9000"]);
        assert!(args.allow_resolve);
        assert_eq!(
            args.env,
            [EnvVar {
                key: String::from("A"),
                value: Some(String::from("1")),
            }]
        );
        assert_eq!(args.args, ["40", "2"]);
    }

    #[test]
    fn fuel_is_parsed_where_metering_exists() {
        let result = parse_words(&["run", "--fuel", "1000", "app.wasm"]);
        if virtual_machine::INSTRUCTION_BUDGET_SUPPORTED {
            assert!(matches!(result, Ok(Command::Run(args)) if args.fuel == Some(1000)));
        } else {
            assert!(matches!(
                result,
                Err(UsageError::InvalidValue { option: "--fuel <N>", reason, .. })
                    if reason.contains("instruction metering")
            ));
        }
    }

    #[test]
    fn options_after_file_are_still_options() {
        let args = run(&["app.wasm", "--timeout", "2s", "--env", "B", "x"]);
        assert_eq!(args.timeout, Some(Duration::from_secs(2)));
        assert_eq!(
            args.env,
            [EnvVar {
                key: String::from("B"),
                value: None,
            }]
        );
        assert_eq!(args.args, ["x"]);
    }

    #[test]
    fn repeatable_options_keep_every_value_in_order() {
        let args = run(&[
            "--dir",
            "a",
            "--dir",
            "b::c",
            "--env",
            "X=1",
            "--env",
            "Y",
            "--input",
            "key:13",
            "--input",
            "up:0,0",
            "--display",
            "4x4",
            "--allow-net",
            "10.0.0.5:80",
            "--allow-net",
            "0.0.0.0",
            "--tcplisten",
            "127.0.0.1:1",
            "--tcplisten",
            "[::1]:2",
            "app.wasm",
        ]);
        let guests: Vec<&str> = args.dirs.iter().map(|dir| dir.guest.as_str()).collect();
        assert_eq!(guests, ["a", "c"]);
        let keys: Vec<&str> = args.env.iter().map(|var| var.key.as_str()).collect();
        assert_eq!(keys, ["X", "Y"]);
        assert_eq!(args.inputs, [InputSpec::Key(13), InputSpec::Up(0, 0)]);
        assert_eq!(args.allow_net, ["10.0.0.5:80", "0.0.0.0"]);
        assert_eq!(args.tcp_listen.len(), 2);
    }

    #[test]
    fn single_valued_options_may_not_repeat() {
        for (words, option) in [
            (
                &["--invoke", "a", "--invoke", "b", "f"][..],
                "--invoke <NAME>",
            ),
            (
                &["f", "--timeout", "1s", "--timeout=2s"][..],
                "--timeout <DURATION>",
            ),
            (
                &["--stack", "2KiB", "--stack", "2KiB", "f"][..],
                "--stack <BYTES>",
            ),
            (
                &["--allow-resolve", "f", "--allow-resolve"][..],
                "--allow-resolve",
            ),
        ] {
            assert_eq!(
                run_error(words),
                UsageError::Repeated { option },
                "{words:?}"
            );
        }
    }

    #[test]
    fn a_missing_value_names_its_option() {
        assert_eq!(
            run_error(&["app.wasm", "--invoke"]),
            UsageError::MissingValue {
                option: "--invoke <NAME>"
            }
        );
        assert_eq!(
            run_error(&["--display"]),
            UsageError::MissingValue {
                option: "--display <WIDTHxHEIGHT>"
            }
        );
    }

    #[test]
    fn option_values_may_start_with_a_hyphen() {
        let args = run(&["--invoke", "-f", "--env", "-A", "app.wasm"]);
        assert_eq!(args.invoke.as_deref(), Some("-f"));
        assert_eq!(args.env[0].key, "-A");
    }

    #[test]
    fn invalid_values_name_the_option_the_value_and_the_reason() {
        let error = run_error(&["app.wasm", "--timeout", "0s"]);
        assert_eq!(
            error.to_string(),
            "invalid value '0s' for '--timeout <DURATION>': the timeout must be greater than zero"
        );
        for (words, expected_option) in [
            (&["--max-memory", "2MB", "f"][..], "--max-memory <SIZE>"),
            (&["--stack", "16", "f"][..], "--stack <BYTES>"),
            (&["--pool", "1KiB", "f"][..], "--pool <BYTES>"),
            (&["--dir", "", "f"][..], "--dir <HOST[::GUEST]>"),
            (&["--dir", "a::", "f"][..], "--dir <HOST[::GUEST]>"),
            (&["--env", "=1", "f"][..], "--env <KEY[=VALUE]>"),
            (&["--tcplisten", "nowhere", "f"][..], "--tcplisten <ADDR>"),
            (&["--display", "0x10", "f"][..], "--display <WIDTHxHEIGHT>"),
            (&["--input", "tap:1,2", "f"][..], "--input <EVENT>"),
        ] {
            match run_error(words) {
                UsageError::InvalidValue { option, value, .. } => {
                    assert_eq!(option, expected_option, "{words:?}");
                    assert_eq!(value, words[1], "{words:?}");
                }
                other => panic!("{words:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_options_before_file_are_refused() {
        assert_eq!(
            run_error(&["--bogus", "app.wasm"]),
            UsageError::UnexpectedArgument(String::from("--bogus"))
        );
        assert_eq!(
            run_error(&["-x", "app.wasm"]),
            UsageError::UnexpectedArgument(String::from("-x"))
        );
        assert_eq!(
            run_error(&["--version", "app.wasm"]),
            UsageError::UnexpectedArgument(String::from("--version"))
        );
    }

    #[test]
    fn flags_take_no_value() {
        assert_eq!(
            run_error(&["--allow-resolve=yes", "app.wasm"]),
            UsageError::UnexpectedValue {
                option: String::from("--allow-resolve"),
                value: String::from("yes"),
            }
        );
    }

    #[test]
    fn guest_arguments_are_passed_exactly_as_written() {
        // Unknown options after FILE start the guest's arguments, verbatim (no splitting of
        // `-x=1` or short clusters), and everything after them is the guest's too.
        let args = run(&["app.wasm", "-x=1", "--bogus", "--timeout", "1s", "-h", "--"]);
        assert_eq!(
            args.args,
            strings(&["-x=1", "--bogus", "--timeout", "1s", "-h", "--"])
        );
        assert_eq!(args.timeout, None);
        let args = run(&["app.wasm", "--invoke", "neg", "-inf", "-1", "-0x10"]);
        assert_eq!(args.invoke.as_deref(), Some("neg"));
        assert_eq!(args.args, strings(&["-inf", "-1", "-0x10"]));
        let args = run(&["app.wasm", "first", "--invoke", "x"]);
        assert_eq!(args.invoke, None);
        assert_eq!(args.args, strings(&["first", "--invoke", "x"]));
    }

    #[test]
    fn a_double_dash_ends_the_options() {
        let args = run(&["app.wasm", "--", "--invoke", "-h"]);
        assert_eq!(args.invoke, None);
        assert_eq!(args.args, strings(&["--invoke", "-h"]));
        // Only the first `--` is ours; a later one is a guest argument.
        let args = run(&["app.wasm", "--invoke", "add", "--", "1", "--", "2"]);
        assert_eq!(args.args, strings(&["1", "--", "2"]));
        let args = run(&["--invoke", "add", "--", "app.wasm", "1", "2"]);
        assert_eq!(args.file, PathBuf::from("app.wasm"));
        assert_eq!(args.args, strings(&["1", "2"]));
        let args = run(&["--", "--app.wasm", "--x"]);
        assert_eq!(args.file, PathBuf::from("--app.wasm"));
        assert_eq!(args.args, strings(&["--x"]));
        assert!(run(&["app.wasm", "--"]).args.is_empty());
    }

    #[test]
    fn screenshot_and_input_require_a_display() {
        assert_eq!(
            run_error(&["app.wasm", "--screenshot", "frame.png"]),
            UsageError::RequiresDisplay {
                option: "--screenshot <FILE>"
            }
        );
        assert_eq!(
            run_error(&["app.wasm", "--input", "key:1"]),
            UsageError::RequiresDisplay {
                option: "--input <EVENT>"
            }
        );
        let args = run(&["app.wasm", "--screenshot", "f.png", "--display", "2x2"]);
        assert_eq!(args.display, Some((2, 2)));
    }

    #[test]
    fn run_needs_a_file() {
        assert_eq!(run_error(&[]), UsageError::MissingFile);
        assert_eq!(run_error(&["--timeout", "1s"]), UsageError::MissingFile);
    }

    #[test]
    fn the_top_level_needs_a_known_command() {
        assert_eq!(parse_words(&[]), Err(UsageError::MissingCommand));
        assert_eq!(
            parse_words(&["runn"]),
            Err(UsageError::UnknownCommand(String::from("runn")))
        );
        assert_eq!(
            parse_words(&["--bogus"]),
            Err(UsageError::UnknownOption(String::from("--bogus")))
        );
        assert_eq!(
            parse_words(&["help", "run", "extra"]),
            Err(UsageError::UnknownOption(String::from("extra")))
        );
        assert_eq!(parse_words(&["--bogus"]).unwrap_err().usage(), TOP_USAGE);
        assert_eq!(parse_words(&["runn"]).unwrap_err().usage(), TOP_USAGE);
        assert_eq!(run_error(&[]).usage(), RUN_USAGE);
    }

    #[test]
    fn help_and_version_are_commands() {
        let help = |page| Ok(Command::ShowHelp(page));
        assert_eq!(parse_words(&["--help"]), help(HelpPage::Top));
        assert_eq!(parse_words(&["-h"]), help(HelpPage::Top));
        assert_eq!(parse_words(&["help"]), help(HelpPage::Top));
        assert_eq!(parse_words(&["help", "run"]), help(HelpPage::RunFull));
        assert_eq!(parse_words(&["run", "--help"]), help(HelpPage::RunFull));
        assert_eq!(parse_words(&["run", "-h"]), help(HelpPage::RunSummary));
        assert_eq!(
            parse_words(&["run", "app.wasm", "-h"]),
            help(HelpPage::RunSummary)
        );
        assert_eq!(parse_words(&["--version"]), Ok(Command::ShowVersion));
        assert_eq!(parse_words(&["-V"]), Ok(Command::ShowVersion));
        assert!(VERSION_LINE.starts_with("xila-vm 0."));
        assert!(matches!(
            parse_words(&["help", "walk"]),
            Err(UsageError::UnknownCommand(_))
        ));
    }

    #[test]
    fn every_run_option_is_documented() {
        for name in RUN_OPTIONS {
            let option = format!("--{name}");
            for page in [HelpPage::RunSummary, HelpPage::RunFull] {
                assert!(page.text().contains(&option), "{page:?} lacks {option}");
            }
        }
    }

    #[test]
    fn every_run_option_is_recognised_after_file() {
        // An option missing from RUN_OPTIONS would silently become a guest argument.
        for name in RUN_OPTIONS.iter().filter(|name| **name != "help") {
            let option = format!("--{name}");
            let result = parse_words(&["run", "app.wasm", &option]);
            let is_guest_argument =
                matches!(&result, Ok(Command::Run(args)) if !args.args.is_empty());
            assert!(!is_guest_argument, "{option} became a guest argument");
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_unicode_text_is_refused_but_a_non_unicode_file_is_not() {
        use std::os::unix::ffi::OsStringExt;
        let invalid = OsString::from_vec(vec![b'a', 0xff]);
        let result = parse([
            OsString::from("run"),
            OsString::from("--invoke"),
            invalid.clone(),
            OsString::from("f"),
        ]);
        assert!(matches!(result, Err(UsageError::NotUnicode { .. })));
        let result = parse([OsString::from("run"), invalid.clone()]);
        assert!(matches!(result, Ok(Command::Run(args)) if args.file.as_os_str() == invalid));
        let result = parse([OsString::from("run"), OsString::from("f"), invalid]);
        assert!(matches!(result, Err(UsageError::NotUnicode { .. })));
    }

    #[test]
    fn displays_and_inputs_parse() {
        assert_eq!(parse_display("320x240"), Ok((320, 240)));
        assert!(parse_display("0x10").is_err());
        assert!(parse_display("320").is_err());
        assert_eq!(parse_input("down:10,-2"), Ok(InputSpec::Down(10, -2)));
        assert_eq!(parse_input("key:13"), Ok(InputSpec::Key(13)));
        assert!(parse_input("tap:1,2").is_err());
        assert!(parse_input("move:1").is_err());
    }
}
