//! `wasmi-runner run FILE.wasm [--dir HOST[::GUEST]]... [--env KEY[=VALUE]]... [--] [ARGS...]`
//!
//! Runs a WASI (preview1) command on wasmi with `wasmi_wasi` (wasi-common's sync
//! implementation over cap-std), with wasmi's default configuration. The peer of
//! `xila-vm run` in `cargo xtask bench --compare`.

use std::process::ExitCode;

use peer_cli::{HOST_FAILURE, LOAD_FAILURE, TRAP, fail, guest_exit};
use wasmi::{Engine, Linker, Module, Store};
use wasmi_wasi::{WasiCtx, WasiCtxBuilder, ambient_authority};

const RUNNER: &str = "wasmi-runner";

fn main() -> ExitCode {
    let args = peer_cli::parse_or_exit(RUNNER);
    match run(&args) {
        Ok(code) | Err(code) => code,
    }
}

fn run(args: &peer_cli::RunArgs) -> Result<ExitCode, ExitCode> {
    let wasm = std::fs::read(&args.file).map_err(|error| {
        fail(
            RUNNER,
            HOST_FAILURE,
            format!("{}: {error}", args.file.display()),
        )
    })?;

    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder
        .args(&args.argv())
        .and_then(|builder| builder.envs(&args.env))
        .map_err(|error| {
            fail(
                RUNNER,
                HOST_FAILURE,
                format!("arguments or environment: {error}"),
            )
        })?;
    // Preopens get descriptors 3, 4, … in command-line order.
    for dir in &args.dirs {
        let host =
            wasmi_wasi::Dir::open_ambient_dir(&dir.host, ambient_authority()).map_err(|error| {
                fail(
                    RUNNER,
                    HOST_FAILURE,
                    format!("cannot open --dir {}: {error}", dir.host.display()),
                )
            })?;
        builder.preopened_dir(host, &dir.guest).map_err(|error| {
            fail(
                RUNNER,
                HOST_FAILURE,
                format!("cannot preopen --dir {}: {error}", dir.host.display()),
            )
        })?;
    }
    let wasi = builder.build();

    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).map_err(|error| {
        fail(
            RUNNER,
            LOAD_FAILURE,
            format!("cannot load the module: {error}"),
        )
    })?;
    let mut store = Store::new(&engine, wasi);
    let mut linker = Linker::<WasiCtx>::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx)
        .map_err(|error| fail(RUNNER, HOST_FAILURE, format!("cannot add WASI: {error}")))?;
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .map_err(|error| {
            fail(
                RUNNER,
                LOAD_FAILURE,
                format!("cannot instantiate the module: {error}"),
            )
        })?;
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .map_err(|error| fail(RUNNER, LOAD_FAILURE, format!("no `_start` export: {error}")))?;
    Ok(match start.call(&mut store, ()) {
        Ok(()) => guest_exit(0),
        Err(error) => match error.i32_exit_status() {
            // `proc_exit(code)`: the guest's exit code (u32 as in WASI).
            Some(status) => guest_exit(status as u32),
            None => fail(RUNNER, TRAP, format!("the guest trapped: {error}")),
        },
    })
}
