//! `wamr-libc-wasi run FILE.wasm [--dir HOST[::GUEST]]... [--env KEY[=VALUE]]... [--] [ARGS...]`
//!
//! Runs a WASI (preview1) command on WAMR 2.4.3's fast interpreter with WAMR's own built-in
//! libc-wasi, the way upstream's `iwasm` does: `wasm_runtime_init` (system allocator),
//! `wasm_runtime_load`, `wasm_runtime_set_wasi_args`, `wasm_runtime_instantiate` (64 KiB
//! stack, no host-managed heap: the same limits as `xila-vm`'s defaults),
//! `wasm_application_execute_main` (`_start`), `wasm_runtime_get_wasi_exit_code`.
//! The peer of `xila-vm run` in `cargo xtask bench --compare`.
//!
//! With the `thread-mgr` feature WAMR is built with its thread manager, as `xila-vm`'s is (its
//! stop handle needs it): the same calls work unchanged on the main thread. The execution
//! environment joins a cluster of its own, `_start` returning is turned into WAMR's internal
//! "wasi proc exit" with code 0 (cleared, as for a real `proc_exit`), and the exit code is
//! read once the cluster's other threads are gone (there are none: no `wasi-threads`).

use std::ffi::{CStr, CString, c_char};
use std::process::ExitCode;
use std::ptr;

use peer_cli::{HOST_FAILURE, LOAD_FAILURE, TRAP, fail, guest_exit};
use wamrx_sys as sys;

const RUNNER: &str = "wamr-libc-wasi";
/// The wasm operand stack of the instance, as `xila-vm`'s default `Limits::stack_size`.
const STACK_SIZE: u32 = 64 * 1024;
/// No host-managed (app) heap: WASI programs bring their own allocator, as in `xila-vm`.
const HEAP_SIZE: u32 = 0;

fn c_string(value: impl Into<Vec<u8>>, what: &str) -> Result<CString, ExitCode> {
    CString::new(value).map_err(|_| fail(RUNNER, HOST_FAILURE, format!("{what} contains NUL")))
}

fn error_text(buffer: &[c_char]) -> String {
    // SAFETY: WAMR writes a NUL-terminated message into the buffer (zeroed beforehand, so
    // there is a NUL even if it writes nothing).
    unsafe { CStr::from_ptr(buffer.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn main() -> ExitCode {
    let args = peer_cli::parse_or_exit(RUNNER);
    match run(&args) {
        Ok(code) | Err(code) => code,
    }
}

fn run(args: &peer_cli::RunArgs) -> Result<ExitCode, ExitCode> {
    let mut wasm = std::fs::read(&args.file).map_err(|error| {
        fail(
            RUNNER,
            HOST_FAILURE,
            format!("{}: {error}", args.file.display()),
        )
    })?;
    let size = u32::try_from(wasm.len())
        .map_err(|_| fail(RUNNER, LOAD_FAILURE, "module larger than 4 GiB"))?;

    // Everything WAMR keeps pointers to must outlive the instance: the strings below are
    // only copied when the instance is created, the module bytes until the module is
    // unloaded. All of them live until the end of this function.
    //
    // Every --dir goes to the *mapped* list as `GUEST::HOST` (WAMR's order in a mapping;
    // `iwasm --map-dir` takes the same). WAMR preopens the plain `dir_list` first and the
    // mapped list after it, so putting all of them in one list keeps the descriptors in
    // command-line order (3, 4, …) as in `xila-vm`. A plain `--dir HOST` becomes
    // `HOST::HOST`, which is what WAMR's plain list would give (guest name = HOST as written).
    // WAMR opens the directories only when instantiating; check them first so that a bad
    // --dir is a host failure (125) as in `xila-vm`, not a load failure.
    for dir in &args.dirs {
        if !dir.host.is_dir() {
            return Err(fail(
                RUNNER,
                HOST_FAILURE,
                format!("cannot open --dir {}: not a directory", dir.host.display()),
            ));
        }
    }
    let dirs = args
        .dirs
        .iter()
        .map(|dir| {
            let mut mapping = dir.guest.clone().into_bytes();
            mapping.extend_from_slice(b"::");
            mapping.extend_from_slice(dir.host.as_os_str().as_encoded_bytes());
            c_string(mapping, "--dir")
        })
        .collect::<Result<Vec<_>, _>>()?;
    let env = args
        .env
        .iter()
        .map(|(key, value)| c_string(format!("{key}={value}"), "--env"))
        .collect::<Result<Vec<_>, _>>()?;
    let argv = args
        .argv()
        .into_iter()
        .map(|arg| c_string(arg, "an argument"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut dir_ptrs: Vec<*const c_char> = dirs.iter().map(|s| s.as_ptr()).collect();
    let mut env_ptrs: Vec<*const c_char> = env.iter().map(|s| s.as_ptr()).collect();
    let mut argv_ptrs: Vec<*mut c_char> = argv.iter().map(|s| s.as_ptr().cast_mut()).collect();
    let argc = i32::try_from(argv_ptrs.len())
        .map_err(|_| fail(RUNNER, HOST_FAILURE, "too many arguments"))?;

    // SAFETY: called once, before any other WAMR function.
    if !unsafe { sys::wasm_runtime_init() } {
        return Err(fail(RUNNER, HOST_FAILURE, "wasm_runtime_init failed"));
    }
    let mut error = [0 as c_char; 256];
    // SAFETY: `wasm` outlives the module (unloaded below, before `wasm` is dropped); the
    // error buffer is as large as we say.
    let module = unsafe {
        sys::wasm_runtime_load(
            wasm.as_mut_ptr(),
            size,
            error.as_mut_ptr(),
            error.len() as u32,
        )
    };
    let code = if module.is_null() {
        fail(
            RUNNER,
            LOAD_FAILURE,
            format!("cannot load the module: {}", error_text(&error)),
        )
    } else {
        // SAFETY: the module is live; the lists hold valid C strings that outlive the
        // instance (see above); the counts match the lists. WAMR takes no ownership.
        unsafe {
            sys::wasm_runtime_set_wasi_args(
                module,
                ptr::null_mut(),
                0,
                dir_ptrs.as_mut_ptr(),
                dir_ptrs.len() as u32,
                env_ptrs.as_mut_ptr(),
                env_ptrs.len() as u32,
                argv_ptrs.as_mut_ptr(),
                argc,
            );
        }
        // SAFETY: the module is live; the error buffer is as large as we say.
        let instance = unsafe {
            sys::wasm_runtime_instantiate(
                module,
                STACK_SIZE,
                HEAP_SIZE,
                error.as_mut_ptr(),
                error.len() as u32,
            )
        };
        let code = if instance.is_null() {
            fail(
                RUNNER,
                LOAD_FAILURE,
                format!("cannot instantiate the module: {}", error_text(&error)),
            )
        } else {
            let code = execute(instance);
            // SAFETY: the instance is live and no longer used.
            unsafe { sys::wasm_runtime_deinstantiate(instance) };
            code
        };
        // SAFETY: the module is live, its instance gone.
        unsafe { sys::wasm_runtime_unload(module) };
        code
    };
    // SAFETY: no module or instance is left.
    unsafe { sys::wasm_runtime_destroy() };
    drop(wasm);
    Ok(code)
}

/// Runs `_start` and turns the outcome into the process exit code.
fn execute(instance: sys::wasm_module_inst_t) -> ExitCode {
    // SAFETY: the instance is live. For a WASI command WAMR calls `_start` and takes the
    // arguments from `wasm_runtime_set_wasi_args`, so none are passed here. A `proc_exit`
    // ends the call; WAMR clears its internal "wasi proc exit" exception and keeps the code.
    unsafe { sys::wasm_application_execute_main(instance, 0, ptr::null_mut()) };
    // SAFETY: the instance is live; the exception, if any, is a NUL-terminated string
    // owned by the instance, copied before the instance goes.
    let exception = unsafe { sys::wasm_runtime_get_exception(instance) };
    if !exception.is_null() {
        // SAFETY: see above.
        let message = unsafe { CStr::from_ptr(exception) }.to_string_lossy();
        return fail(RUNNER, TRAP, format!("the guest trapped: {message}"));
    }
    // SAFETY: the instance is live and ran to completion.
    guest_exit(unsafe { sys::wasm_runtime_get_wasi_exit_code(instance) })
}
