//! The command line, as clap types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::units;

/// The exit-code table of `--help` (keep in sync with `exit_code.rs`; a test checks that every
/// code is listed). A macro so that `concat!` can join it with other literals.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0    success (or the guest's own code when it exits through a host exit request;
       codes above 255 become 255)
  2    usage error
  124  the run exceeded --timeout
  125  host-side failure: unreadable file, bad --invoke arguments, export not found,
       runtime failed to start
  126  load or instantiation failure: malformed module, missing import, memory above
       --max-memory, --pool too small
  134  the guest trapped (the trap is named on stderr)
  152  the guest used up its --fuel instruction budget

On failure, exactly one line goes to stderr: `xila-vm: FILE: CAUSE`."
    };
}

/// Epilogue of `xila-vm --help`.
pub const TOP_AFTER_HELP: &str = concat!(
    "\
Examples:
  xila-vm run app.wasm
  xila-vm run app.wasm --timeout 2s
  xila-vm run math.wasm --invoke add 40 2

Run `xila-vm run --help` for every option.

",
    exit_codes!()
);

/// Epilogue of `xila-vm run --help`: value syntax, examples, exit codes.
pub const RUN_AFTER_HELP: &str = concat!(
    "\
Sizes: a whole number followed by B, KiB, MiB or GiB (powers of 1024; KB, MB are refused
as ambiguous). A bare number means 64 KiB pages for --max-memory and bytes for --stack and
--pool. Durations: a number (fractions allowed) followed by ms, s, m or h.

Examples:
  xila-vm run app.wasm
  xila-vm run app.wasm --dir ./data::/ --env GREETING=hi --env HOME -- first second
  xila-vm run gui.wasm --display 320x240 --screenshot frame.png --input down:100,80
  xila-vm run client.wasm --allow-net 127.0.0.1:8000-9000 --allow-resolve
  xila-vm run app.wasm --timeout 1.5s
  xila-vm run app.wasm --max-memory 1MiB --stack 32KiB --pool 4MiB
  xila-vm run math.wasm --invoke add 40 2
  xila-vm run math.wasm --invoke scale 0x10 2.5
  xila-vm run math.wasm --invoke negate -inf

",
    exit_codes!()
);

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

/// Run WebAssembly modules in the Xila virtual machine (WAMR, fast interpreter).
#[derive(Debug, Parser)]
#[command(name = "xila-vm", version, after_help = TOP_AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a WebAssembly module: its `_start` export, or the export named by --invoke.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(RunArgs),
}

/// Options of `xila-vm run`.
///
/// Each option's first doc paragraph is its `-h` summary; `--help` shows all of it.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The WebAssembly module (`.wasm` binary) to run.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Call this exported function instead of `_start` and print its results.
    ///
    /// ARGS are its arguments, parsed by the export's parameter types: i32/i64 in decimal or
    /// 0x-hex, negative allowed (both the signed and the unsigned range); f32/f64 in Rust
    /// syntax (1.5, -2e3, nan, inf). Results are printed one per line: integers in signed
    /// decimal, floats like Rust's `{}`.
    #[arg(long, value_name = "NAME")]
    pub invoke: Option<String>,

    /// Instruction budget of each call into the guest, at most 2147483647.
    ///
    /// A guest that uses it up is stopped with exit code 152. Default: unlimited. Only in
    /// builds with WAMR's instruction metering (it slows every guest down; off by default):
    /// elsewhere use --timeout.
    #[arg(long, value_name = "N", value_parser = units::parse_fuel)]
    pub fuel: Option<u64>,

    /// Maximum linear memory, in 64 KiB pages (`16`) or bytes with a unit (`1MiB`).
    ///
    /// A bare number is pages; a number with B, KiB, MiB or GiB is bytes, rounded up to whole
    /// pages (`64KiB` and `65536B` are both 1 page). At most 65536 pages. memory.grow beyond
    /// the limit returns -1 to the guest; a module whose initial memory is larger fails to
    /// instantiate (exit code 126). Default: the module's own maximum.
    #[arg(long, value_name = "SIZE", value_parser = units::parse_memory_pages)]
    pub max_memory: Option<u32>,

    /// Size of the wasm operand/frame stack, in bytes (`65536`) or with a unit (`64KiB`).
    ///
    /// At least 1024 bytes; default 64KiB. Deeper recursion traps with a stack overflow.
    #[arg(long, value_name = "BYTES", value_parser = units::parse_stack_size)]
    pub stack: Option<u32>,

    /// Stop the run after this long (`500ms`, `1s`, `1.5s`, `2m`, `1h`).
    ///
    /// A number, fractions allowed, followed by ms, s, m or h. A run that has not finished
    /// by then is stopped with exit code 124. The time to load and instantiate the module is
    /// not counted.
    #[arg(long, value_name = "DURATION", value_parser = units::parse_duration)]
    pub timeout: Option<Duration>,

    /// Take all VM memory from one pool of this many bytes (`4MiB`, `1048576`).
    ///
    /// Modules, instances, stacks and linear memories all come out of the pool, as on an
    /// embedded device, instead of the system allocator; a run that needs more fails (a
    /// module that cannot be instantiated: exit code 126; memory.grow: -1). A bare number is
    /// bytes; at least 8KiB.
    #[arg(long, value_name = "BYTES", value_parser = units::parse_pool_size)]
    pub pool: Option<usize>,

    /// Give the guest a host directory, as `HOST` or `HOST::GUEST` (repeatable).
    ///
    /// The guest sees the directory HOST under the name GUEST (default: HOST as written), as
    /// a WASI preopen; paths are resolved inside it and can never leave it (`..` past it,
    /// absolute symlinks and links out of it are refused). Preopens get descriptors 3, 4, …
    /// in order. Example: `--dir ./data::/`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<Preopen>,

    /// Give the guest a TCP socket listening on ADDR (`127.0.0.1:8080`; repeatable).
    ///
    /// Preview1 programs cannot open sockets themselves: they accept connections on the
    /// listeners given here (`sock_accept`), which get the descriptors after the --dir
    /// preopens, in order.
    #[arg(long = "tcplisten", value_name = "ADDR")]
    pub tcp_listen: Vec<std::net::SocketAddr>,

    /// Give the guest a display of WIDTHxHEIGHT pixels (`320x240`), for the Xila graphics
    /// bindings (`xila_graphics_v1`).
    ///
    /// The display is an in-memory RGB565 framebuffer; see --screenshot.
    #[arg(long, value_name = "WIDTHxHEIGHT", value_parser = parse_display)]
    pub display: Option<(u32, u32)>,

    /// Save the display as a PNG file when the guest presents a frame and when it ends.
    #[arg(long, value_name = "FILE", requires = "display")]
    pub screenshot: Option<PathBuf>,

    /// Queue an input event for the display (repeatable, in order): `down:X,Y`, `up:X,Y`,
    /// `move:X,Y` (pointer) or `key:CODE` (key press and release; CODE is a number).
    #[arg(long = "input", value_name = "EVENT", requires = "display", value_parser = parse_input)]
    pub inputs: Vec<InputSpec>,

    /// Allow network access to ADDRESS[:PORT[-PORT]] (repeatable); everything else is denied.
    ///
    /// Examples: `127.0.0.1:8000-9000`, `10.0.0.5:80`, `0.0.0.0` (any port on any IPv4
    /// address). The guest opens sockets with WAMR's WASI socket extension.
    #[arg(long = "allow-net", value_name = "ADDRESS[:PORTS]")]
    pub allow_net: Vec<String>,

    /// Allow the guest to resolve host names.
    #[arg(long)]
    pub allow_resolve: bool,

    /// Set an environment variable of the guest: `KEY=VALUE`, or `KEY` to pass the host's
    /// value (repeatable).
    ///
    /// The guest sees only the variables given here.
    #[arg(long = "env", value_name = "KEY[=VALUE]", value_parser = parse_env)]
    pub env: Vec<EnvVar>,

    /// The guest's arguments, or the arguments of the --invoke function.
    ///
    /// For a WASI program they follow its `argv[0]`, which is FILE as written. With --invoke
    /// they are parsed by the export's parameter types. Values may start with `-` (`-1`,
    /// `-inf`, `--flag`); everything from the first ARG on, or after `--`, is taken as ARGS,
    /// even if it looks like an option.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
