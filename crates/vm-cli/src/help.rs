//! The help texts of `xila-vm`, written out by hand.
//!
//! They keep the layout clap gave them (the CLI used clap before; its help is what users
//! know): `-h` prints summaries, `--help` the full descriptions. A test in `args` checks that
//! every option the parser accepts is documented here.

/// The exit-code table (keep in sync with `exit_code.rs`; the CLI tests check that every code
/// is listed). A macro so that `concat!` can join it with other literals.
macro_rules! exit_codes {
    () => {
        "Exit codes:
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

On failure, exactly one line goes to stderr: `xila-vm: FILE: CAUSE`.
"
    };
}

/// What follows the options in both `run` help texts: value syntax, examples, exit codes.
macro_rules! run_epilogue {
    () => {
        concat!(
            "Sizes: a whole number followed by B, KiB, MiB or GiB (powers of 1024; KB, MB are refused
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
        )
    };
}

/// `xila-vm --help`, `xila-vm -h` and `xila-vm help`.
pub const TOP: &str = concat!(
    "Run WebAssembly modules in the Xila virtual machine (WAMR, fast interpreter)

Usage: xila-vm <COMMAND>

Commands:
  run   Run a WebAssembly module: its `_start` export, or the export named by --invoke
  help  Print this message or the help of the given subcommand(s)

Options:
  -h, --help     Print help
  -V, --version  Print version

Examples:
  xila-vm run app.wasm
  xila-vm run app.wasm --timeout 2s
  xila-vm run math.wasm --invoke add 40 2

Run `xila-vm run --help` for every option.

",
    exit_codes!()
);

/// `xila-vm run -h`: one line per option.
pub const RUN_SUMMARY: &str = concat!(
    "Run a WebAssembly module: its `_start` export, or the export named by --invoke

Usage: xila-vm run [OPTIONS] <FILE> [ARGS]...

Arguments:
  <FILE>     The WebAssembly module (`.wasm` binary) to run
  [ARGS]...  The guest's arguments, or the arguments of the --invoke function

Options:
      --invoke <NAME>                Call this exported function instead of `_start` and print its
                                     results
      --fuel <N>                     Instruction budget of each call into the guest, at most
                                     2147483647
      --max-memory <SIZE>            Maximum linear memory, in 64 KiB pages (`16`) or bytes with a
                                     unit (`1MiB`)
      --stack <BYTES>                Size of the wasm operand/frame stack, in bytes (`65536`) or
                                     with a unit (`64KiB`)
      --timeout <DURATION>           Stop the run after this long (`500ms`, `1s`, `1.5s`, `2m`,
                                     `1h`)
      --pool <BYTES>                 Take all VM memory from one pool of this many bytes (`4MiB`,
                                     `1048576`)
      --dir <HOST[::GUEST]>          Give the guest a host directory, as `HOST` or `HOST::GUEST`
                                     (repeatable)
      --tcplisten <ADDR>             Give the guest a TCP socket listening on ADDR
                                     (`127.0.0.1:8080`; repeatable)
      --display <WIDTHxHEIGHT>       Give the guest a display of WIDTHxHEIGHT pixels (`320x240`),
                                     for the Xila graphics bindings (`xila_graphics_v1`)
      --screenshot <FILE>            Save the display as a PNG file when the guest presents a frame
                                     and when it ends
      --input <EVENT>                Queue an input event for the display (repeatable, in order):
                                     `down:X,Y`, `up:X,Y`, `move:X,Y` (pointer) or `key:CODE` (key
                                     press and release; CODE is a number)
      --allow-net <ADDRESS[:PORTS]>  Allow network access to ADDRESS[:PORT[-PORT]] (repeatable);
                                     everything else is denied
      --allow-resolve                Allow the guest to resolve host names
      --env <KEY[=VALUE]>            Set an environment variable of the guest: `KEY=VALUE`, or `KEY`
                                     to pass the host's value (repeatable)
  -h, --help                         Print help (see more with '--help')

",
    run_epilogue!()
);

/// `xila-vm run --help` and `xila-vm help run`: every option in full.
pub const RUN_FULL: &str = concat!(
    "Run a WebAssembly module: its `_start` export, or the export named by --invoke

Usage: xila-vm run [OPTIONS] <FILE> [ARGS]...

Arguments:
  <FILE>
          The WebAssembly module (`.wasm` binary) to run

  [ARGS]...
          The guest's arguments, or the arguments of the --invoke function.

          For a WASI program they follow its `argv[0]`, which is FILE as written. With --invoke they
          are parsed by the export's parameter types. Values may start with `-` (`-1`, `-inf`,
          `--flag`); everything from the first ARG on, or after `--`, is taken as ARGS, even if it
          looks like an option.

Options:
      --invoke <NAME>
          Call this exported function instead of `_start` and print its results.

          ARGS are its arguments, parsed by the export's parameter types: i32/i64 in decimal or
          0x-hex, negative allowed (both the signed and the unsigned range); f32/f64 in Rust syntax
          (1.5, -2e3, nan, inf). Results are printed one per line: integers in signed decimal,
          floats like Rust's `{}`.

      --fuel <N>
          Instruction budget of each call into the guest, at most 2147483647.

          A guest that uses it up is stopped with exit code 152. Default: unlimited. Only in builds
          with WAMR's instruction metering (it slows every guest down; off by default): elsewhere
          use --timeout.

      --max-memory <SIZE>
          Maximum linear memory, in 64 KiB pages (`16`) or bytes with a unit (`1MiB`).

          A bare number is pages; a number with B, KiB, MiB or GiB is bytes, rounded up to whole
          pages (`64KiB` and `65536B` are both 1 page). At most 65536 pages. memory.grow beyond the
          limit returns -1 to the guest; a module whose initial memory is larger fails to
          instantiate (exit code 126). Default: the module's own maximum.

      --stack <BYTES>
          Size of the wasm operand/frame stack, in bytes (`65536`) or with a unit (`64KiB`).

          At least 1024 bytes; default 64KiB. Deeper recursion traps with a stack overflow.

      --timeout <DURATION>
          Stop the run after this long (`500ms`, `1s`, `1.5s`, `2m`, `1h`).

          A number, fractions allowed, followed by ms, s, m or h. A run that has not finished by
          then is stopped with exit code 124. Loading the module is not counted; a start function
          and the entry point after it each get this long.

      --pool <BYTES>
          Take all VM memory from one pool of this many bytes (`4MiB`, `1048576`).

          Modules, instances, stacks and linear memories all come out of the pool, as on an embedded
          device, instead of the system allocator; a run that needs more fails (a module that cannot
          be instantiated: exit code 126; memory.grow: -1). A bare number is bytes; at least 8KiB.

      --dir <HOST[::GUEST]>
          Give the guest a host directory, as `HOST` or `HOST::GUEST` (repeatable).

          The guest sees the directory HOST under the name GUEST (default: HOST as written), as a
          WASI preopen; paths are resolved inside it and can never leave it (`..` past it, absolute
          symlinks and links out of it are refused). Preopens get descriptors 3, 4, … in order.
          Example: `--dir ./data::/`.

      --tcplisten <ADDR>
          Give the guest a TCP socket listening on ADDR (`127.0.0.1:8080`; repeatable).

          Preview1 programs cannot open sockets themselves: they accept connections on the listeners
          given here (`sock_accept`), which get the descriptors after the --dir preopens, in order.

      --display <WIDTHxHEIGHT>
          Give the guest a display of WIDTHxHEIGHT pixels (`320x240`), for the Xila graphics
          bindings (`xila_graphics_v1`).

          The display is an in-memory RGB565 framebuffer; see --screenshot.

      --screenshot <FILE>
          Save the display as a PNG file when the guest presents a frame and when it ends

      --input <EVENT>
          Queue an input event for the display (repeatable, in order): `down:X,Y`, `up:X,Y`,
          `move:X,Y` (pointer) or `key:CODE` (key press and release; CODE is a number)

      --allow-net <ADDRESS[:PORTS]>
          Allow network access to ADDRESS[:PORT[-PORT]] (repeatable); everything else is denied.

          Examples: `127.0.0.1:8000-9000`, `10.0.0.5:80`, `0.0.0.0` (any port on any IPv4 address).
          The guest opens sockets with WAMR's WASI socket extension.

      --allow-resolve
          Allow the guest to resolve host names

      --env <KEY[=VALUE]>
          Set an environment variable of the guest: `KEY=VALUE`, or `KEY` to pass the host's value
          (repeatable).

          The guest sees only the variables given here.

  -h, --help
          Print help (see a summary with '-h')

",
    run_epilogue!()
);
