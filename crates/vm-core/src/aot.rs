//! Which ahead-of-time compiled modules this runtime accepts.
//!
//! An `.aot` file is native code: WAMR runs it without validating it, so everything that keeps
//! it inside the sandbox was decided when it was compiled. The compiler (`xila-aotc`) records
//! those decisions in a stamp ([`crate::aot_stamp`]); this module compares the stamp with what
//! this runtime needs before WAMR sees a byte of the payload. Plain WAMR `.aot` files, without
//! a stamp, are refused: nothing says how they were compiled.

use alloc::string::ToString;

use wamrx_sys as sys;

use crate::aot_stamp::{AotStamp, Requirements, Target, WamrVersion};
use crate::error::{LoadError, LoadErrorKind};

/// Whether `bytes` look like an ahead-of-time compiled module (stamped or not) rather than
/// WebAssembly.
pub(crate) fn is_aot(bytes: &[u8]) -> bool {
    bytes.starts_with(&crate::aot_stamp::MAGIC)
        || bytes.starts_with(&crate::aot_stamp::WAMR_AOT_MAGIC)
}

/// The architecture this runtime runs code for, if AOT code can run on it at all.
pub const fn runtime_target() -> Option<Target> {
    Target::of_this_build()
}

/// The WAMR version this runtime is built on, as WAMR reports it.
pub fn wamr_version() -> WamrVersion {
    let (mut major, mut minor, mut patch) = (0u32, 0u32, 0u32);
    // SAFETY: WAMR writes three integers through valid, exclusive pointers.
    unsafe { sys::wasm_runtime_get_version(&mut major, &mut minor, &mut patch) };
    let part = |value: u32| u16::try_from(value).unwrap_or(u16::MAX);
    WamrVersion {
        major: part(major),
        minor: part(minor),
        patch: part(patch),
    }
}

/// What this runtime requires of an AOT module: the portable options of its architecture
/// (`CompileOptions::portable`), software bounds checks (WAMR is built without guard pages),
/// stop checks, this crate's ABI version and the linked WAMR version. `None` when the
/// architecture has no AOT support here.
pub fn runtime_requirements() -> Option<Requirements<'static>> {
    runtime_target().map(|target| Requirements::portable(target, wamr_version()))
}

/// The alignment WAMR's AOT loader needs of the payload's address.
const PAYLOAD_ADDRESS_ALIGNMENT: usize = 4;

/// Where WAMR's payload is inside a stamped file that this runtime may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CheckedAot {
    /// Offset of WAMR's `.aot` payload in the file.
    pub(crate) payload_offset: usize,
    /// Its length.
    pub(crate) payload_len: usize,
    /// The payload is execute-in-place code.
    pub(crate) xip: bool,
}

/// Checks the stamp of `file` against this runtime's requirements.
pub(crate) fn check(file: &[u8]) -> Result<CheckedAot, LoadError> {
    let refused = |message: alloc::string::String| LoadError {
        kind: LoadErrorKind::AotRefused,
        message,
    };
    let stamped = AotStamp::parse(file).map_err(|error| refused(error.to_string()))?;
    let required = runtime_requirements().ok_or_else(|| {
        refused(alloc::format!(
            "this runtime cannot run AOT code (the module was compiled for {})",
            stamped.stamp.options.target
        ))
    })?;
    stamped
        .stamp
        .check(&required)
        .map_err(|error| refused(error.to_string()))?;
    // WAMR's AOT loader aligns its reads by address, not by offset in the file: a payload at
    // a misaligned address would be parsed wrong. The stamp keeps the payload at a multiple of
    // 16 in the file, so this only asks the file itself to be placed on a 4-byte boundary
    // (heap allocations always are; flash partitions should be).
    if !(stamped.payload.as_ptr() as usize).is_multiple_of(PAYLOAD_ADDRESS_ALIGNMENT) {
        return Err(refused(alloc::format!(
            "the module must be placed at an address aligned to {PAYLOAD_ADDRESS_ALIGNMENT} bytes"
        )));
    }
    Ok(CheckedAot {
        payload_offset: stamped.payload_offset,
        payload_len: stamped.payload.len(),
        xip: stamped.stamp.options.xip,
    })
}
