//! The C driver (`csrc/driver.c`) and a safe wrapper around it.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Mutex;

/// `XilaAotRequest` of `csrc/driver.c`.
#[repr(C)]
struct RawRequest {
    wasm: *mut u8,
    wasm_len: u32,
    target_arch: *const c_char,
    target_abi: *const c_char,
    cpu: *const c_char,
    cpu_features: *const c_char,
    xip: bool,
    opt_level: u32,
    size_level: u32,
    llvm_ir_path: *const c_char,
    stack_usage_path: *const c_char,
}

/// `XilaAotSink` of `csrc/driver.c`.
type RawSink = unsafe extern "C" fn(context: *mut c_void, bytes: *const u8, len: u32);

unsafe extern "C" {
    fn xila_aot_compile(
        request: *const RawRequest,
        sink: RawSink,
        sink_context: *mut c_void,
        error: *mut c_char,
        error_len: u32,
    ) -> c_int;
    fn xila_aot_wamr_version(major: *mut u32, minor: *mut u32, patch: *mut u32);
    fn xila_aot_show_wamr_messages(shown: bool);
}

/// The driver's status codes (`enum XilaAotStatus`).
const OK: c_int = 0;
const INIT_FAILED: c_int = 1;
const LOAD_FAILED: c_int = 2;
const INSTANTIATION_CODE: c_int = 3;
const EMIT_FAILED: c_int = 5;
const LLVM_IR_FAILED: c_int = 6;

/// WAMR keeps global state (its runtime, the compiler's last error): one compilation at a time.
static WAMR: Mutex<()> = Mutex::new(());

/// What to compile, and for what.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The module's bytes (WAMR's loader may rewrite them in place).
    pub wasm: Vec<u8>,
    /// WAMR's name for the architecture (`x86_64`, `i386`, `riscv64`, `riscv32`).
    pub arch: &'a str,
    /// LLVM's ABI name (`gnu`, `ilp32`, `lp64d`, …).
    pub abi: &'a str,
    /// The LLVM CPU name.
    pub cpu: &'a str,
    /// The CPU features (`+m,+a,+c`), possibly empty.
    pub cpu_features: &'a str,
    /// Execute-in-place output.
    pub xip: bool,
    /// LLVM optimisation level.
    pub opt_level: u8,
    /// LLVM size level.
    pub size_level: u8,
    /// Where to write the optimised LLVM IR as well, if anywhere.
    pub llvm_ir_path: Option<&'a str>,
    /// A scratch file for LLVM's stack-usage report (see `XilaAotRequest`); the caller removes
    /// it.
    pub stack_usage_path: &'a str,
}

/// Which step of the compilation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Starting WAMR.
    Init,
    /// Loading and validating the module.
    Load,
    /// The module has code WAMR would run during instantiation.
    InstantiationCode,
    /// Setting up LLVM for the target, or compiling.
    Compile,
    /// Writing the AOT file.
    Emit,
    /// Writing the LLVM IR.
    LlvmIr,
}

impl Stage {
    /// What the step does, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Init => "starting WAMR",
            Self::Load => "loading the module",
            Self::InstantiationCode => "checking the module",
            Self::Compile => "compiling",
            Self::Emit => "writing the AOT file",
            Self::LlvmIr => "writing the LLVM IR",
        }
    }
}

/// A failed compilation: the step and WAMR's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} failed: {message}", stage.describe())]
pub struct CompileError {
    /// The step that failed.
    pub stage: Stage,
    /// WAMR's (or LLVM's) message.
    pub message: String,
}

/// Receives the AOT file from the driver.
///
/// # Safety
///
/// `context` is the `Vec<u8>` passed to `xila_aot_compile`, `bytes` points to `len` readable
/// bytes (the driver's buffer, valid during this call).
unsafe extern "C" fn collect(context: *mut c_void, bytes: *const u8, len: u32) {
    // SAFETY: per this function's contract, set up by `compile` below.
    let (output, bytes) = unsafe {
        (
            &mut *context.cast::<Vec<u8>>(),
            std::slice::from_raw_parts(bytes, len as usize),
        )
    };
    // Cannot unwind: an allocation failure aborts the process.
    output.extend_from_slice(bytes);
}

fn c_string(text: &str) -> Result<CString, CompileError> {
    CString::new(text).map_err(|_| CompileError {
        stage: Stage::Compile,
        message: format!("`{text}` contains a NUL byte"),
    })
}

/// Compiles the module; returns WAMR's `.aot` file.
pub fn compile(request: Request<'_>) -> Result<Vec<u8>, CompileError> {
    let mut wasm = request.wasm;
    let wasm_len = u32::try_from(wasm.len()).map_err(|_| CompileError {
        stage: Stage::Load,
        message: format!(
            "the module has {} bytes, WAMR loads at most 4 GiB",
            wasm.len()
        ),
    })?;
    let arch = c_string(request.arch)?;
    let abi = c_string(request.abi)?;
    let cpu = c_string(request.cpu)?;
    let cpu_features = c_string(request.cpu_features)?;
    let llvm_ir_path = request.llvm_ir_path.map(c_string).transpose()?;
    let stack_usage_path = c_string(request.stack_usage_path)?;
    let raw = RawRequest {
        wasm: wasm.as_mut_ptr(),
        wasm_len,
        target_arch: arch.as_ptr(),
        target_abi: abi.as_ptr(),
        cpu: cpu.as_ptr(),
        cpu_features: cpu_features.as_ptr(),
        xip: request.xip,
        opt_level: u32::from(request.opt_level),
        size_level: u32::from(request.size_level),
        llvm_ir_path: llvm_ir_path
            .as_ref()
            .map_or(std::ptr::null(), |path| path.as_ptr()),
        stack_usage_path: stack_usage_path.as_ptr(),
    };
    let mut output: Vec<u8> = Vec::new();
    let mut error = [0 as c_char; 512];
    let status = {
        let _only_one = WAMR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // SAFETY: every pointer in `raw` points into a buffer or C string that lives until the
        // end of this function; `collect` gets `output` as its context, which is a `Vec<u8>`
        // as it expects; `error` is writable for its length, which the driver respects.
        unsafe {
            xila_aot_compile(
                &raw,
                collect,
                (&raw mut output).cast::<c_void>(),
                error.as_mut_ptr(),
                error.len() as u32,
            )
        }
    };
    if status == OK {
        return Ok(output);
    }
    // SAFETY: the driver writes a NUL-terminated message (snprintf) into `error` on failure;
    // the last byte is still the NUL it was initialised with in any case.
    let message = unsafe { CStr::from_ptr(error.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    let stage = match status {
        INIT_FAILED => Stage::Init,
        LOAD_FAILED => Stage::Load,
        INSTANTIATION_CODE => Stage::InstantiationCode,
        EMIT_FAILED => Stage::Emit,
        LLVM_IR_FAILED => Stage::LlvmIr,
        _ => Stage::Compile,
    };
    Err(CompileError { stage, message })
}

/// The WAMR version the compiler is built from.
pub fn wamr_version() -> vm_core::aot_stamp::WamrVersion {
    let (mut major, mut minor, mut patch) = (0u32, 0u32, 0u32);
    // SAFETY: three writable `u32`s; the function only stores WAMR's version constants.
    unsafe { xila_aot_wamr_version(&mut major, &mut minor, &mut patch) };
    let part = |value: u32| u16::try_from(value).unwrap_or(u16::MAX);
    vm_core::aot_stamp::WamrVersion {
        major: part(major),
        minor: part(minor),
        patch: part(patch),
    }
}

/// Whether WAMR's own messages (compiler settings, timings, warnings) go to stderr.
pub fn show_wamr_messages(shown: bool) {
    // SAFETY: sets two globals of the driver; no compilation runs concurrently (the lock).
    let _only_one = WAMR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // SAFETY: as above.
    unsafe { xila_aot_show_wamr_messages(shown) };
}
