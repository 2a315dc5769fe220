//! `xila-vm`: run a WebAssembly module in the Xila virtual machine on a desktop host.
//!
//! `xila-vm run FILE [OPTIONS] [ARGS]...` loads FILE, runs its `_start` export (or, with
//! `--invoke NAME`, calls NAME with ARGS and prints its results) under the limits given as
//! options, and turns the outcome into an exit code (see [`exit_code`]). Every failure is
//! reported as one line on stderr: `xila-vm: FILE: CAUSE`.

mod args;
mod exit_code;
mod help;
mod invoke;
mod units;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use virtual_machine::bindings::graphics::GraphicsState;
use virtual_machine::host::fs::Directory;
use virtual_machine::host::graphics::{Display, Framebuffer, InputEvent, PixelFormat};
use virtual_machine::host::host::HostNetwork;
use virtual_machine::host::host::{
    HostDirectory, HostStderr, HostStdin, HostStdout, HostTcpListener, OsRandom, SystemClock,
    ThreadTask,
};
use virtual_machine::host::net::{CapabilityNetwork, NetworkCapabilities};
use virtual_machine::wasi::{WasiContext, WasiContextBuilder};
use virtual_machine::{Allocator, InstanceData, LogLevel, RunOptions, VirtualMachine};

use crate::args::{Command, HelpPage, InputSpec, RunArgs, UsageError};

/// Why a run failed: the exit code and the cause for the stderr line.
#[derive(Debug)]
struct Failure {
    code: u8,
    cause: String,
}

impl Failure {
    fn new(code: u8, cause: impl ToString) -> Self {
        Self {
            code,
            cause: cause.to_string(),
        }
    }
}

impl From<virtual_machine::Error> for Failure {
    fn from(error: virtual_machine::Error) -> Self {
        Self::new(exit_code::for_error(&error), error)
    }
}

fn main() -> ExitCode {
    let args = match args::parse(std::env::args_os().skip(1)) {
        Ok(Command::Run(args)) => *args,
        Ok(Command::ShowHelp(page)) => return print_to_stdout(page.text()),
        Ok(Command::ShowVersion) => return print_to_stdout(args::VERSION_LINE),
        Err(error) => return usage_error(&error),
    };
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // One line, whatever a host function's error message contains.
            let cause = failure.cause.replace(['\r', '\n'], " ");
            eprintln!("xila-vm: {}: {cause}", args.file.display());
            ExitCode::from(failure.code)
        }
    }
}

/// Prints help or version text; success unless stdout is gone.
fn print_to_stdout(text: &str) -> ExitCode {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        // A closed stdout (`xila-vm --help | true`): the exit code says it, stderr need not.
        Err(_) => ExitCode::from(exit_code::HOST_FAILURE),
    }
}

/// Reports a refused command line on stderr, in the layout clap used, and exits with 2.
fn usage_error(error: &UsageError) -> ExitCode {
    if *error == UsageError::MissingCommand {
        // A bare `xila-vm` gets the overview, as `git` does.
        eprint!("{}", HelpPage::Top.text());
    } else {
        eprintln!(
            "error: {error}\n\nUsage: {}\n\nFor more information, try '--help'.",
            error.usage()
        );
    }
    ExitCode::from(exit_code::USAGE)
}

/// Runs `xila-vm run`; returns the exit code of a run that did not fail.
fn run(args: &RunArgs) -> Result<u8, Failure> {
    let bytes = std::fs::read(&args.file).map_err(|error| {
        Failure::new(
            exit_code::HOST_FAILURE,
            format!("cannot read the file: {error}"),
        )
    })?;
    let vm = build_vm(args)?;
    let module = vm.load(bytes)?;
    let mut data = InstanceData::new();
    data.insert(wasi_context(args)?);
    let display = display(args)?;
    if let Some(framebuffer) = &display {
        data.insert(GraphicsState::new(framebuffer.clone() as Arc<dyn Display>));
    }
    let options = run_options(args);
    let mut instance = vm.instantiate_with(&module, data, &options)?;
    let outcome = run_instance(args, &vm, &mut instance, &options);
    // The screenshot shows the last presented frame, whatever way the run ended.
    if let (Some(framebuffer), Some(path)) = (&display, &args.screenshot) {
        framebuffer.save_png(path).map_err(|error| {
            Failure::new(
                exit_code::HOST_FAILURE,
                format!("cannot save the screenshot {}: {error}", path.display()),
            )
        })?;
    }
    outcome
}

/// The display `--display` asks for, with the `--input` events queued.
fn display(args: &RunArgs) -> Result<Option<Arc<Framebuffer>>, Failure> {
    let Some((width, height)) = args.display else {
        return Ok(None);
    };
    let framebuffer = Framebuffer::new(width, height, PixelFormat::Rgb565).map_err(|error| {
        Failure::new(
            exit_code::HOST_FAILURE,
            format!("cannot create the display: {error}"),
        )
    })?;
    for input in &args.inputs {
        let events: &[InputEvent] = match *input {
            InputSpec::Down(x, y) => &[InputEvent::PointerDown { x, y }],
            InputSpec::Up(x, y) => &[InputEvent::PointerUp { x, y }],
            InputSpec::Move(x, y) => &[InputEvent::PointerMove { x, y }],
            InputSpec::Key(key) => &[InputEvent::KeyDown { key }, InputEvent::KeyUp { key }],
        };
        for event in events {
            framebuffer.push_input(*event);
        }
    }
    Ok(Some(Arc::new(framebuffer)))
}

/// The run options of the command line: the timeout, for the start function and the call.
fn run_options(args: &RunArgs) -> RunOptions {
    match args.timeout {
        Some(timeout) => RunOptions::new().timeout(timeout),
        None => RunOptions::new(),
    }
}

/// Runs the instance as the options say and turns the outcome into an exit code.
fn run_instance(
    args: &RunArgs,
    vm: &VirtualMachine,
    instance: &mut virtual_machine::Instance,
    options: &RunOptions,
) -> Result<u8, Failure> {
    match &args.invoke {
        None => Ok(exit_code::for_guest(
            vm.run_instance(instance, options)?.code(),
        )),
        Some(name) => {
            let ty = instance
                .function_type(name)
                .map_err(virtual_machine::Error::Call)?;
            let values = invoke::parse_arguments(name, &ty, &args.args)
                .map_err(|error| Failure::new(exit_code::HOST_FAILURE, error))?;
            let results = match vm.call(instance, name, &values, options) {
                Ok(results) => results,
                // An exit request is the guest's way to end, not a failure of the run.
                Err(error) => {
                    return match error.exit_code() {
                        Some(code) => Ok(exit_code::for_guest(code)),
                        None => Err(error.into()),
                    };
                }
            };
            invoke::write_results(&mut io::stdout().lock(), &results).map_err(|error| {
                Failure::new(
                    exit_code::HOST_FAILURE,
                    format!("cannot print the results: {error}"),
                )
            })?;
            Ok(exit_code::SUCCESS)
        }
    }
}

/// The guest's WASI context: argv (FILE as written, then ARGS unless they belong to
/// --invoke), the `--env` variables only, the `--dir` preopens, the process's stdio and the
/// host's clock, randomness and scheduler.
fn wasi_context(args: &RunArgs) -> Result<WasiContext, Failure> {
    let mut preopens: Vec<(String, Arc<dyn Directory>)> = Vec::new();
    for preopen in &args.dirs {
        let directory = HostDirectory::open(&preopen.host).map_err(|error| {
            Failure::new(
                exit_code::HOST_FAILURE,
                format!("cannot open --dir {}: {error}", preopen.host.display()),
            )
        })?;
        preopens.push((preopen.guest.clone(), Arc::new(directory)));
    }
    let env: Vec<(String, String)> = args
        .env
        .iter()
        .filter_map(|var| match &var.value {
            Some(value) => Some((var.key.clone(), value.clone())),
            // Like wasmtime: `--env KEY` passes the host's value, and nothing if it is unset.
            None => std::env::var(&var.key)
                .ok()
                .map(|value| (var.key.clone(), value)),
        })
        .collect();
    let mut argv = vec![args.file.to_string_lossy().into_owned()];
    if args.invoke.is_none() {
        argv.extend(args.args.iter().cloned());
    }
    let mut context = wasi_builder(&argv, &env, &preopens);
    if !args.allow_net.is_empty() || args.allow_resolve {
        let mut capabilities = NetworkCapabilities::deny_all().allow_resolve(args.allow_resolve);
        for rule in &args.allow_net {
            capabilities = capabilities.allow_parsed(rule).map_err(|error| {
                Failure::new(
                    exit_code::USAGE,
                    format!("invalid --allow-net {rule:?}: {error}"),
                )
            })?;
        }
        context = context.network(Arc::new(CapabilityNetwork::new(HostNetwork, capabilities)));
    }
    for address in &args.tcp_listen {
        let listener = HostTcpListener::bind(*address).map_err(|error| {
            Failure::new(
                exit_code::HOST_FAILURE,
                format!("cannot listen on --tcplisten {address}: {error}"),
            )
        })?;
        context = context.preopen_socket(Box::new(listener));
    }
    context
        .build()
        .map_err(|error| Failure::new(exit_code::USAGE, error))
}

fn wasi_builder(
    argv: &[String],
    env: &[(String, String)],
    preopens: &[(String, Arc<dyn Directory>)],
) -> WasiContextBuilder {
    let mut builder = WasiContext::builder()
        .args(argv.iter().cloned())
        .stdin(Box::new(HostStdin))
        .stdout(Box::new(HostStdout))
        .stderr(Box::new(HostStderr))
        // What guests' `isatty` sees, as under wasmtime.
        .stdio_is_terminal(std::io::stdout().is_terminal())
        .clock(Arc::new(SystemClock))
        .random(Arc::new(OsRandom))
        .task(Arc::new(ThreadTask));
    for (key, value) in env {
        builder = builder.env(key.clone(), value.clone());
    }
    for (name, directory) in preopens {
        builder = builder.preopen_directory(name.clone(), directory.clone());
    }
    builder
}

/// The VM the options describe.
fn build_vm(args: &RunArgs) -> Result<VirtualMachine, Failure> {
    let allocator = match args.pool {
        Some(size) => Allocator::Pool { size },
        None => Allocator::System,
    };
    // WAMR's own log lines would go to stdout, mixed with --invoke results; every failure
    // reaches the user as a typed error on stderr instead.
    let mut builder = VirtualMachine::builder()
        .allocator(allocator)
        .log_level(LogLevel::Fatal)
        .wasi()
        .sockets()
        .graphics();
    if let Some(pages) = args.max_memory {
        builder = builder.max_memory_pages(pages);
    }
    if let Some(bytes) = args.stack {
        builder = builder.stack_size(bytes);
    }
    if let Some(fuel) = args.fuel {
        builder = builder.instruction_budget(fuel);
    }
    Ok(builder.build()?)
}
