//! Loaded (validated, not yet instantiated) modules.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::{CStr, c_char};

use wamrx_sys as sys;

use crate::aot;
use crate::error::{LoadError, LoadErrorKind};
use crate::hooks;
use crate::runtime::{Runtime, ensure_thread_env};
use crate::value::{FunctionType, UnsupportedValueType, ValueType};

/// Size of the buffers WAMR writes its error messages into.
pub(crate) const ERROR_BUFFER_SIZE: usize = 256;

/// A validated WebAssembly module, ready to be instantiated any number of times.
///
/// Cloning is cheap (the module is shared); it is unloaded when the last clone and the last
/// instance made from it are dropped.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

pub(crate) struct ModuleInner {
    pub(crate) raw: sys::wasm_module_t,
    /// The start function was moved to [`hooks::START_EXPORT`] (see [`crate::hooks`]).
    pub(crate) has_start: bool,
    /// The auto-called hook exports were renamed (see [`crate::hooks`]).
    pub(crate) hooks_hidden: bool,
    /// Ahead-of-time compiled native code, not interpreted.
    pub(crate) is_aot: bool,
    /// The binary WAMR refers to after loading (owned modules only: WAMR reuses strings and
    /// data segments in place and rewrites the buffer while doing so).
    _bytes: Option<Box<[u8]>>,
}

// SAFETY: a loaded WAMR module is immutable after loading except for import resolution,
// which this crate serialises (see `instance::RESOLVE_LOCK`); WAMR instantiates one module
// from several threads itself (its thread manager does).
unsafe impl Send for ModuleInner {}
// SAFETY: as above.
unsafe impl Sync for ModuleInner {}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        ensure_thread_env();
        // SAFETY: `raw` came from `wasm_runtime_load_ex`; every instance holds an `Arc` of
        // this inner value, so none is alive anymore.
        unsafe { sys::wasm_runtime_unload(self.raw) };
    }
}

impl core::fmt::Debug for Module {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter.debug_struct("Module").finish_non_exhaustive()
    }
}

impl Module {
    /// Loads and validates a module from bytes the VM takes ownership of: WebAssembly, or an
    /// ahead-of-time compiled module whose stamp matches this runtime (see [`crate::aot_stamp`]).
    pub fn from_bytes(runtime: &Runtime, bytes: impl Into<Box<[u8]>>) -> Result<Self, LoadError> {
        let mut bytes: Box<[u8]> = bytes.into();
        if aot::is_aot(&bytes) {
            let checked = aot::check(&bytes)?;
            if checked.xip {
                return Err(LoadError {
                    kind: LoadErrorKind::AotRefused,
                    message: String::from(
                        "an execute-in-place module runs where it is stored, and heap memory is \
                         not executable: load it with Module::from_executable_static from \
                         executable memory (flash), or compile it without --xip",
                    ),
                });
            }
            // SAFETY: the payload lies inside the buffer (checked), which the module owns for
            // as long as WAMR may refer to it; the heap allocation does not move.
            let raw = unsafe {
                load_aot(
                    runtime,
                    bytes.as_mut_ptr().add(checked.payload_offset),
                    checked,
                    false,
                )?
            };
            return Ok(Self::wrap_aot(raw, Some(bytes)));
        }
        match hooks::defuse(&bytes) {
            hooks::Defused::Unchanged => Self::load_owned(runtime, bytes, false, false),
            hooks::Defused::Rewritten {
                bytes,
                has_start,
                hooks_hidden,
            } => Self::load_owned(runtime, bytes.into_boxed_slice(), has_start, hooks_hidden),
            hooks::Defused::ReservedName => Err(reserved_name()),
        }
    }

    fn load_owned(
        runtime: &Runtime,
        mut bytes: Box<[u8]>,
        has_start: bool,
        hooks_hidden: bool,
    ) -> Result<Self, LoadError> {
        // SAFETY: the buffer is owned by the module for as long as WAMR may refer to it, and
        // the heap allocation does not move when the `Box` does.
        let raw = unsafe { load(runtime, bytes.as_mut_ptr(), bytes.len(), false)? };
        Ok(Self::wrap(raw, Some(bytes), has_start, hooks_hidden))
    }

    /// Loads a module from a read-only buffer, e.g. an app stored in flash.
    ///
    /// The buffer is never written: WAMR is told to copy what it needs (names, data
    /// segments) instead of reusing the buffer in place, which costs RAM proportional to
    /// those sections but works with memory-mapped flash.
    ///
    /// The exception is a module with code WAMR would run during instantiation (a start
    /// function, or exports named `__post_instantiate` / `__wasm_call_ctors`): it is rewritten
    /// into RAM first, so that code runs under the instance's limits (`docs/architecture.md`).
    ///
    /// An ahead-of-time compiled module is loaded the same way, except one compiled with
    /// `--xip` (execute in place): its code runs where it is stored, so it needs executable
    /// memory and loads only through [`from_executable_static`](Self::from_executable_static).
    pub fn from_static(runtime: &Runtime, bytes: &'static [u8]) -> Result<Self, LoadError> {
        if aot::is_aot(bytes) {
            let checked = aot::check(bytes)?;
            if checked.xip {
                return Err(LoadError {
                    kind: LoadErrorKind::AotRefused,
                    message: String::from(
                        "an execute-in-place module runs where it is stored: load it from \
                         executable memory with Module::from_executable_static",
                    ),
                });
            }
            // SAFETY: non-XIP code is copied into executable memory WAMR maps itself.
            return unsafe { Self::load_static_aot(runtime, bytes, checked) };
        }
        match hooks::defuse(bytes) {
            hooks::Defused::Unchanged => {}
            hooks::Defused::Rewritten {
                bytes,
                has_start,
                hooks_hidden,
            } => {
                return Self::load_owned(
                    runtime,
                    bytes.into_boxed_slice(),
                    has_start,
                    hooks_hidden,
                );
            }
            hooks::Defused::ReservedName => return Err(reserved_name()),
        }
        // SAFETY: with `wasm_binary_freeable` set, WAMR's loader only reads the buffer (it
        // copies strings and data segments instead of patching them in place), so casting
        // away `const` never leads to a write; the `'static` lifetime covers any later read.
        let raw = unsafe { load(runtime, bytes.as_ptr().cast_mut(), bytes.len(), true)? };
        Ok(Self::wrap(raw, None, false, false))
    }

    /// Loads an ahead-of-time compiled module from executable, read-only memory — flash mapped
    /// on the instruction bus — where an execute-in-place (`--xip`) module's code runs in place
    /// instead of being copied to RAM. Non-XIP AOT modules load as with
    /// [`from_static`](Self::from_static); WebAssembly is refused (it is never executed).
    ///
    /// # Safety
    /// `bytes` must be mapped executable for the rest of the program: WAMR jumps into it. In
    /// memory that is not executable, the first call of an XIP module faults.
    pub unsafe fn from_executable_static(
        runtime: &Runtime,
        bytes: &'static [u8],
    ) -> Result<Self, LoadError> {
        if !aot::is_aot(bytes) {
            return Err(LoadError {
                kind: LoadErrorKind::BadMagic,
                message: String::from("not an ahead-of-time compiled module"),
            });
        }
        let checked = aot::check(bytes)?;
        // SAFETY: executable per the caller.
        unsafe { Self::load_static_aot(runtime, bytes, checked) }
    }

    /// Loads a checked AOT file from a `'static` buffer.
    ///
    /// # Safety
    /// If the module is XIP, `bytes` must be executable memory.
    unsafe fn load_static_aot(
        runtime: &Runtime,
        bytes: &'static [u8],
        checked: aot::CheckedAot,
    ) -> Result<Self, LoadError> {
        // Loaded as a buffer that outlives the module (`wasm_binary_freeable` off), unlike
        // WebAssembly: WAMR 2.4.3's AOT loader then copies non-XIP code and object data into
        // its own mappings and points strings and data segments into the buffer, reading it
        // only. Marked freeable, the loader does the same (it reads the flag only after
        // loading) but the unload then frees the data segments' bytes, inside this buffer:
        // heap corruption (tests/aot.rs in virtual-machine). XIP code (relocation-free, checked
        // by `xila-aotc`) runs from the buffer.
        // SAFETY: the payload lies inside the `'static` buffer (checked), which outlives the
        // module, and the AOT loader only reads it (see above).
        let raw = unsafe {
            load_aot(
                runtime,
                bytes.as_ptr().add(checked.payload_offset).cast_mut(),
                checked,
                false,
            )?
        };
        Ok(Self::wrap_aot(raw, None))
    }

    /// An AOT module: `xila-aotc` moved its start function and hid the hook exports before
    /// compiling (the same rewrite as [`crate::hooks`]), so the names tell what was done.
    fn wrap_aot(raw: sys::wasm_module_t, bytes: Option<Box<[u8]>>) -> Self {
        let mut module = Self::wrap(raw, bytes, false, false);
        let exports = module.raw_exports();
        let exported = |name: &str| exports.iter().any(|export| export.name == name);
        let has_start = exported(hooks::START_EXPORT);
        let hooks_hidden = hooks::AUTO_CALLED_EXPORTS
            .iter()
            .any(|name| exported(&hooks::hidden_name(name)));
        if let Some(inner) = Arc::get_mut(&mut module.inner) {
            inner.has_start = has_start;
            inner.hooks_hidden = hooks_hidden;
            inner.is_aot = true;
        }
        module
    }

    fn wrap(
        raw: sys::wasm_module_t,
        bytes: Option<Box<[u8]>>,
        has_start: bool,
        hooks_hidden: bool,
    ) -> Self {
        Self {
            inner: Arc::new(ModuleInner {
                raw,
                has_start,
                hooks_hidden,
                is_aot: false,
                _bytes: bytes,
            }),
        }
    }

    /// Whether the module is ahead-of-time compiled native code (loaded from a stamped `.aot`
    /// file) rather than interpreted WebAssembly.
    pub fn is_aot(&self) -> bool {
        self.inner.is_aot
    }

    /// The module's imports, in declaration order.
    pub fn imports(&self) -> Vec<Import> {
        // SAFETY: `raw` is a live module.
        let count = unsafe { sys::wasm_runtime_get_import_count(self.inner.raw) };
        (0..count.max(0))
            .map(|index| {
                let mut import = sys::wasm_import_t {
                    module_name: core::ptr::null(),
                    name: core::ptr::null(),
                    kind: 0,
                    linked: false,
                    u: sys::wasm_import_t__bindgen_ty_1 {
                        func_type: core::ptr::null_mut(),
                    },
                };
                // SAFETY: `index` is below the import count; `import` is writable.
                unsafe { sys::wasm_runtime_get_import_type(self.inner.raw, index, &mut import) };
                Import {
                    // SAFETY: WAMR fills both names with NUL-terminated strings owned by the
                    // module, which outlives this call.
                    module: unsafe { owned_str(import.module_name) },
                    // SAFETY: as above.
                    name: unsafe { owned_str(import.name) },
                    kind: match import.kind {
                        sys::WASM_IMPORT_EXPORT_KIND_FUNC => {
                            // SAFETY: for function imports the union holds `func_type`.
                            ExternKind::Function(unsafe { function_type(import.u.func_type) })
                        }
                        sys::WASM_IMPORT_EXPORT_KIND_TABLE => ExternKind::Table,
                        sys::WASM_IMPORT_EXPORT_KIND_MEMORY => ExternKind::Memory,
                        _ => ExternKind::Global,
                    },
                }
            })
            .collect()
    }

    /// The module's exports, in declaration order.
    pub fn exports(&self) -> Vec<Export> {
        self.raw_exports()
            .into_iter()
            .filter_map(|export| {
                let name = String::from(hooks::public_name(&export.name)?);
                Some(Export { name, ..export })
            })
            .collect()
    }

    /// The exports as WAMR sees them, including the names `hooks` gave.
    fn raw_exports(&self) -> Vec<Export> {
        // SAFETY: `raw` is a live module.
        let count = unsafe { sys::wasm_runtime_get_export_count(self.inner.raw) };
        (0..count.max(0))
            .map(|index| {
                let mut export = sys::wasm_export_t {
                    name: core::ptr::null(),
                    kind: 0,
                    u: sys::wasm_export_t__bindgen_ty_1 {
                        func_type: core::ptr::null_mut(),
                    },
                };
                // SAFETY: `index` is below the export count; `export` is writable.
                unsafe { sys::wasm_runtime_get_export_type(self.inner.raw, index, &mut export) };
                Export {
                    // SAFETY: a NUL-terminated name owned by the live module.
                    name: unsafe { owned_str(export.name) },
                    kind: match export.kind {
                        sys::WASM_IMPORT_EXPORT_KIND_FUNC => {
                            // SAFETY: for function exports the union holds `func_type`.
                            ExternKind::Function(unsafe { function_type(export.u.func_type) })
                        }
                        sys::WASM_IMPORT_EXPORT_KIND_TABLE => ExternKind::Table,
                        sys::WASM_IMPORT_EXPORT_KIND_MEMORY => ExternKind::Memory,
                        _ => ExternKind::Global,
                    },
                }
            })
            .collect()
    }
}

/// What an import or export is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternKind {
    /// A function, with its type or the unsupported value type it uses.
    Function(Result<FunctionType, UnsupportedValueType>),
    /// A table.
    Table,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
}

impl ExternKind {
    /// `function`, `table`, `memory` or `global`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Function(_) => "function",
            Self::Table => "table",
            Self::Memory => "memory",
            Self::Global => "global",
        }
    }
}

/// One import of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Module name, e.g. `wasi_snapshot_preview1`.
    pub module: String,
    /// Field name, e.g. `fd_write`.
    pub name: String,
    /// What is imported.
    pub kind: ExternKind,
}

/// One export of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// What is exported.
    pub kind: ExternKind,
}

/// Loads a module with symbol resolution deferred to instantiation, when the linker that
/// provides the imports is known.
///
/// # Safety
/// `bytes` must be valid for `length` bytes for as long as the module lives; unless
/// `freeable` is set, WAMR may also write to it.
unsafe fn load(
    _runtime: &Runtime,
    bytes: *mut u8,
    length: usize,
    freeable: bool,
) -> Result<sys::wasm_module_t, LoadError> {
    let size = u32::try_from(length).map_err(|_| LoadError {
        kind: LoadErrorKind::TooLarge,
        message: alloc::format!("module of {length} bytes exceeds 4 GiB"),
    })?;
    ensure_thread_env();
    let args = sys::LoadArgs {
        name: c"".as_ptr().cast_mut(),
        clone_wasm_binary: false,
        wasm_binary_freeable: freeable,
        no_resolve: true,
    };
    let mut error = [0 as c_char; ERROR_BUFFER_SIZE];
    // SAFETY: `bytes` is valid for `size` bytes (caller), `args` and `error` are live and the
    // error buffer size is passed along.
    let raw = unsafe {
        sys::wasm_runtime_load_ex(
            bytes,
            size,
            &args,
            error.as_mut_ptr(),
            ERROR_BUFFER_SIZE as u32,
        )
    };
    if raw.is_null() {
        return Err(LoadError::from_wamr_message(&error_text(&error)));
    }
    Ok(raw)
}

/// Loads the payload of a checked AOT file.
///
/// # Safety
/// As for [`load`], with `payload` pointing at `checked.payload_len` bytes.
unsafe fn load_aot(
    runtime: &Runtime,
    payload: *mut u8,
    checked: aot::CheckedAot,
    freeable: bool,
) -> Result<sys::wasm_module_t, LoadError> {
    // SAFETY: forwarded from the caller.
    unsafe { load(runtime, payload, checked.payload_len, freeable) }.map_err(|error| {
        if error.kind == LoadErrorKind::BadMagic {
            // WAMR without its AOT loader takes the file for broken WebAssembly.
            LoadError {
                kind: LoadErrorKind::Unsupported,
                message: String::from(
                    "this runtime was built without WAMR's AOT loader (see vendor/README.md)",
                ),
            }
        } else {
            error
        }
    })
}

fn reserved_name() -> LoadError {
    LoadError {
        kind: LoadErrorKind::Invalid,
        message: alloc::string::ToString::to_string(&hooks::ReservedExportName),
    }
}

/// Reads the NUL-terminated message WAMR wrote into an error buffer.
pub(crate) fn error_text(buffer: &[c_char]) -> String {
    let bytes: Vec<u8> = buffer
        .iter()
        .map(|&c| c as u8)
        .take_while(|&byte| byte != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Copies a C string WAMR owns.
///
/// # Safety
/// `text` must be null or point to a NUL-terminated string valid for this call.
pub(crate) unsafe fn owned_str(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated per the caller.
    String::from_utf8_lossy(unsafe { CStr::from_ptr(text) }.to_bytes()).into_owned()
}

/// Converts a WAMR function type.
///
/// # Safety
/// `ty` must be a live `wasm_func_type_t`.
unsafe fn function_type(ty: sys::wasm_func_type_t) -> Result<FunctionType, UnsupportedValueType> {
    // SAFETY: `ty` is live per the caller; indices stay below the counts WAMR reports.
    unsafe {
        let params = (0..sys::wasm_func_type_get_param_count(ty))
            .map(|index| ValueType::from_wamr(sys::wasm_func_type_get_param_valkind(ty, index)))
            .collect::<Result<Vec<_>, _>>()?;
        let results = (0..sys::wasm_func_type_get_result_count(ty))
            .map(|index| ValueType::from_wamr(sys::wasm_func_type_get_result_valkind(ty, index)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FunctionType::new(params, results))
    }
}
