//! Instances: a module with its own memory, limits and host-side state, ready to call.

use alloc::boxed::Box;
use alloc::ffi::CString;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ffi::c_char;
use core::sync::atomic::{AtomicBool, Ordering};

use vm_sandbox::GuestMemory;
use wamrx_sys as sys;

use crate::error::{CallError, InstantiationError, LimitsError};
use crate::hooks;
use crate::host::{DefaultMemory, InstanceData, Linker, NoMemory, guest_memory, registry};
use crate::module::{ERROR_BUFFER_SIZE, ExternKind, Module, ModuleInner, error_text};
use crate::runtime::{Runtime, ensure_thread_env};
use crate::trap::{HostError, Trap};
use crate::value::{FunctionType, Value, ValueType};

/// Size of a WebAssembly page.
const WASM_PAGE_SIZE: u64 = 65_536;
/// Largest number of 64 KiB pages a wasm32 memory can have.
pub const MAX_PAGES: u32 = 65_536;
/// Largest instruction budget WAMR can count (a C `int`).
pub const MAX_INSTRUCTION_BUDGET: u64 = i32::MAX as u64;
/// Whether this build can enforce [`Limits::instruction_budget`].
///
/// The budget needs WAMR's instruction metering, a counter the interpreter decrements at every
/// opcode. It is a C define of the WAMR build (`WASM_ENABLE_INSTRUCTION_METERING=1` in
/// `CFLAGS`, see `vendor/README.md`), off by default because it slows guest code down by up
/// to 1.8× (`docs/performance.md`). Without it, [`StopHandle`] (a deadline) is the way to end
/// a runaway guest, and a budget in [`Limits`] is refused with
/// [`LimitsError::BudgetUnsupported`].
pub const INSTRUCTION_BUDGET_SUPPORTED: bool = cfg!(wamr_instruction_metering);
/// Smallest wasm operand stack an instance may have.
pub const MIN_STACK_SIZE: u32 = 1024;

/// Resource limits of one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Upper bound on linear memory, in 64 KiB pages (`None`: the module's own maximum).
    /// `memory.grow` beyond it returns -1 to the guest; a module whose *initial* memory
    /// exceeds it fails to instantiate.
    pub max_memory_pages: Option<u32>,
    /// Size of the wasm operand/frame stack in bytes. Deep recursion beyond it traps with
    /// [`Trap::StackOverflow`]. The guest's own (shadow) stack lives in its linear memory.
    pub stack_size: u32,
    /// Size of a heap WAMR manages inside linear memory for host-side allocations
    /// (0: none; guests built with a libc bring their own allocator).
    pub host_managed_heap_size: u32,
    /// Instructions one call may execute before it traps with [`Trap::BudgetExhausted`]
    /// (`None`: unlimited). At most [`MAX_INSTRUCTION_BUDGET`]; only in builds with
    /// instruction metering ([`INSTRUCTION_BUDGET_SUPPORTED`]), and only for interpreted
    /// modules: metering does not exist in AOT code, so an AOT module with a budget fails to
    /// instantiate ([`InstantiationError::BudgetNotForAot`]); stop it with a [`StopHandle`].
    pub instruction_budget: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_memory_pages: None,
            stack_size: 64 * 1024,
            host_managed_heap_size: 0,
            instruction_budget: None,
        }
    }
}

impl Limits {
    /// Checks every limit against what WAMR supports.
    pub fn validate(&self) -> Result<(), LimitsError> {
        if let Some(pages) = self.max_memory_pages
            && pages > MAX_PAGES
        {
            return Err(LimitsError::TooManyPages { pages });
        }
        if let Some(budget) = self.instruction_budget
            && !INSTRUCTION_BUDGET_SUPPORTED
        {
            return Err(LimitsError::BudgetUnsupported { budget });
        }
        if let Some(budget) = self.instruction_budget
            && budget > MAX_INSTRUCTION_BUDGET
        {
            return Err(LimitsError::BudgetTooLarge {
                budget,
                max: MAX_INSTRUCTION_BUDGET,
            });
        }
        if self.stack_size < MIN_STACK_SIZE {
            return Err(LimitsError::StackTooSmall {
                size: self.stack_size,
                min: MIN_STACK_SIZE,
            });
        }
        Ok(())
    }
}

/// Why a host function ended the current call; reported by `Instance::call` in place of
/// WAMR's generic exception.
pub(crate) enum PendingStop {
    Exit(u32),
    Trap {
        module: Box<str>,
        name: Box<str>,
        error: HostError,
    },
    Panicked {
        module: Box<str>,
        name: Box<str>,
    },
}

/// What host functions of an instance reach through WAMR's custom-data pointer.
pub(crate) struct InstanceState {
    pub(crate) linker: Linker,
    pub(crate) data: InstanceData,
    pub(crate) pending: Option<PendingStop>,
    /// The instance's default memory, set once WAMR has created the instance.
    pub(crate) memory: Option<DefaultMemory>,
}

/// Shared between an instance and its stop handles.
struct StopShared {
    /// Where the handle's instance is. The lock makes `stop`, attachment and destruction
    /// mutually exclusive, so a stop never touches a freed instance.
    instance: spin::Mutex<Attachment>,
    requested: AtomicBool,
}

/// The instance a [`StopHandle`] stops.
enum Attachment {
    /// Created by [`StopHandle::new`]; the instance does not exist yet.
    Pending,
    /// The live WAMR instance.
    Live(InstancePointer),
    /// The instance was destroyed.
    Gone,
}

#[derive(Clone, Copy)]
struct InstancePointer(sys::wasm_module_inst_t);

// SAFETY: the pointer is only used for `wasm_runtime_terminate`, which WAMR's thread manager
// makes callable from any thread, and only while `StopShared::instance` is locked and `Some`.
unsafe impl Send for InstancePointer {}

/// Stops a running guest from another thread.
///
/// The interpreter polls a stop flag at every branch, so even a tight loop ends within
/// microseconds; the call then fails with [`Trap::Terminated`] and the instance is unusable.
/// Stopping an instance that is not running makes its next call fail the same way.
#[derive(Clone)]
pub struct StopHandle {
    shared: Arc<StopShared>,
}

impl core::fmt::Debug for StopHandle {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("StopHandle")
            .field("requested", &self.shared.requested.load(Ordering::Relaxed))
            .finish()
    }
}

impl Default for StopHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl StopHandle {
    /// A handle for an instance that does not exist yet: pass it to
    /// [`Instance::with_stop_handle`], so that a deadline also covers instantiation and the
    /// module's start function. A stop requested before the instance exists makes its start
    /// function (or, without one, its first call) fail with [`Trap::Terminated`].
    pub fn new() -> Self {
        Self {
            shared: Arc::new(StopShared {
                instance: spin::Mutex::new(Attachment::Pending),
                requested: AtomicBool::new(false),
            }),
        }
    }

    /// Requests the stop. Returns `false` if the instance no longer exists.
    pub fn stop(&self) -> bool {
        let instance = self.shared.instance.lock();
        let raw = match *instance {
            Attachment::Gone => return false,
            Attachment::Pending => None,
            Attachment::Live(InstancePointer(raw)) => Some(raw),
        };
        self.shared.requested.store(true, Ordering::SeqCst);
        if let Some(raw) = raw {
            ensure_thread_env();
            // SAFETY: the instance is alive while the lock is held and `Live`; with the thread
            // manager, terminating sets the exec env's suspend flag under WAMR's own locks.
            unsafe { sys::wasm_runtime_terminate(raw) };
        }
        true
    }

    /// Whether a stop was requested.
    pub fn is_stopped(&self) -> bool {
        self.shared.requested.load(Ordering::SeqCst)
    }

    /// Binds the handle to a new instance; fails if it already belongs to one.
    fn attach(&self, raw: sys::wasm_module_inst_t) -> Result<(), InstantiationError> {
        let mut instance = self.shared.instance.lock();
        match *instance {
            Attachment::Pending => {
                // A stop requested while pending is seen by the first call's usability check.
                *instance = Attachment::Live(InstancePointer(raw));
                Ok(())
            }
            Attachment::Live(_) | Attachment::Gone => Err(InstantiationError::StopHandleInUse),
        }
    }
}

/// A module instance: its linear memory, globals, tables, execution stack and host state.
///
/// `Send` so a kernel can move it to the task that runs it; not `Sync` (one call at a time).
pub struct Instance {
    raw: sys::wasm_module_inst_t,
    exec_env: sys::wasm_exec_env_t,
    state: Box<InstanceState>,
    stop: Arc<StopShared>,
    limits: Limits,
    unusable: bool,
    /// Keeps the module loaded while the instance exists (declared last: dropped last).
    _module: Arc<ModuleInner>,
}

// SAFETY: WAMR instances are not bound to a thread (without hardware bounds checks the
// thread info is refreshed at each call); the host state is `Send` (its data is `Send` and
// the linker's callbacks are `Send + Sync`).
unsafe impl Send for Instance {}

impl core::fmt::Debug for Instance {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("Instance")
            .field("limits", &self.limits)
            .field("unusable", &self.unusable)
            .finish_non_exhaustive()
    }
}

impl Instance {
    /// Instantiates `module`, resolving its imports from `linker`.
    ///
    /// Every import must be a function the linker defines with the same type: a missing or
    /// mistyped import fails here, never later at call time.
    pub fn new(
        runtime: &Runtime,
        module: &Module,
        linker: &Linker,
        limits: Limits,
        data: InstanceData,
    ) -> Result<Self, InstantiationError> {
        Self::with_stop_handle(runtime, module, linker, limits, data, &StopHandle::new())
    }

    /// Like [`new`](Self::new), stoppable through `stop` from the start: a stop requested
    /// while the module's start function runs ends it with [`Trap::Terminated`] (reported as
    /// [`InstantiationError::Start`]). `stop` must come fresh from [`StopHandle::new`].
    pub fn with_stop_handle(
        _runtime: &Runtime,
        module: &Module,
        linker: &Linker,
        limits: Limits,
        data: InstanceData,
        stop: &StopHandle,
    ) -> Result<Self, InstantiationError> {
        limits.validate()?;
        if let Some(budget) = limits.instruction_budget
            && module.is_aot()
        {
            return Err(InstantiationError::BudgetNotForAot { budget });
        }
        let import_ids = check_imports(module, linker)?;
        ensure_thread_env();
        let mut state = Box::new(InstanceState {
            linker: linker.clone(),
            data,
            pending: None,
            memory: None,
        });
        let raw = instantiate(module, &import_ids, &limits, &mut *state)?;
        // SAFETY: `raw` is live; the state, and so the handle, dies with the instance.
        state.memory = unsafe { DefaultMemory::of(raw) };
        if let Err(error) = check_initial_memory(state.memory, &limits) {
            // SAFETY: `raw` is live and has no exec env yet.
            unsafe { sys::wasm_runtime_deinstantiate(raw) };
            return Err(error);
        }
        // SAFETY: `raw` is a live instance; the stack size was validated.
        let exec_env = unsafe { sys::wasm_runtime_create_exec_env(raw, limits.stack_size) };
        if exec_env.is_null() {
            // SAFETY: `raw` is live and has no exec env.
            unsafe { sys::wasm_runtime_deinstantiate(raw) };
            return Err(InstantiationError::ExecEnvFailed {
                stack_size: limits.stack_size,
            });
        }
        if let Err(error) = stop.attach(raw) {
            // SAFETY: both are live, unreachable from anywhere else, exec env first.
            unsafe {
                sys::wasm_runtime_destroy_exec_env(exec_env);
                sys::wasm_runtime_deinstantiate(raw);
            }
            return Err(error);
        }
        let mut instance = Self {
            raw,
            exec_env,
            state,
            stop: stop.shared.clone(),
            limits,
            unusable: false,
            _module: module.inner.clone(),
        };
        if module.inner.has_start {
            // The module's start function, moved out of WAMR's instantiation so that the
            // instruction budget and the stop handle apply to it (see `hooks`).
            instance
                .call_export(hooks::START_EXPORT, &[])
                .map_err(|error| InstantiationError::Start(alloc::boxed::Box::new(error)))?;
        }
        Ok(instance)
    }

    /// A handle that stops this instance from any thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            shared: self.stop.clone(),
        }
    }

    /// The limits the instance was created with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether an earlier trap, exit or stop made the instance unusable.
    pub fn is_unusable(&self) -> bool {
        self.unusable || self.stop.requested.load(Ordering::SeqCst)
    }

    /// The host functions the instance was created with: a clone of the linker given to
    /// [`new`](Self::new), sharing its tables.
    pub fn linker(&self) -> &Linker {
        &self.state.linker
    }

    /// The host-side data of this instance.
    pub fn data(&self) -> &InstanceData {
        &self.state.data
    }

    /// The host-side data of this instance, mutably.
    pub fn data_mut(&mut self) -> &mut InstanceData {
        &mut self.state.data
    }

    /// The instance's linear memory, through the sandbox.
    pub fn memory(&mut self) -> Result<GuestMemory<'_>, NoMemory> {
        // SAFETY: `&mut self` excludes calls into the guest (which would need `&mut self`)
        // and other views while the returned view lives.
        unsafe { guest_memory(self.state.memory) }
    }

    /// The type of the exported function `name`.
    pub fn function_type(&self, name: &str) -> Result<FunctionType, CallError> {
        self.lookup(name).map(|(_, ty)| ty)
    }

    fn lookup(&self, name: &str) -> Result<(sys::wasm_function_inst_t, FunctionType), CallError> {
        let not_found = || CallError::ExportNotFound {
            name: String::from(name),
        };
        // Names `hooks` gave are not the embedder's to call; hidden hooks keep their own names.
        if name.starts_with('\u{1}') {
            return Err(not_found());
        }
        let wamr_name = if self._module.hooks_hidden && hooks::AUTO_CALLED_EXPORTS.contains(&name) {
            hooks::hidden_name(name)
        } else {
            String::from(name)
        };
        self.lookup_raw(&wamr_name).map_err(|error| match error {
            CallError::ExportNotFound { .. } => not_found(),
            other => other,
        })
    }

    fn lookup_raw(
        &self,
        name: &str,
    ) -> Result<(sys::wasm_function_inst_t, FunctionType), CallError> {
        let not_found = || CallError::ExportNotFound {
            name: String::from(name),
        };
        let name_c = CString::new(name).map_err(|_| not_found())?;
        // SAFETY: live instance, NUL-terminated name.
        let function = unsafe { sys::wasm_runtime_lookup_function(self.raw, name_c.as_ptr()) };
        if function.is_null() {
            return Err(not_found());
        }
        // SAFETY: `function` belongs to this live instance; the buffers have the counts WAMR
        // reports.
        let (params, results) = unsafe {
            let mut params =
                alloc::vec![0u8; sys::wasm_func_get_param_count(function, self.raw) as usize];
            let mut results =
                alloc::vec![0u8; sys::wasm_func_get_result_count(function, self.raw) as usize];
            sys::wasm_func_get_param_types(function, self.raw, params.as_mut_ptr());
            sys::wasm_func_get_result_types(function, self.raw, results.as_mut_ptr());
            (params, results)
        };
        let convert = |kinds: Vec<u8>| {
            kinds
                .into_iter()
                .map(ValueType::from_wamr)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|value_type| CallError::UnsupportedType {
                    name: String::from(name),
                    value_type,
                })
        };
        Ok((
            function,
            FunctionType::new(convert(params)?, convert(results)?),
        ))
    }

    /// Calls the exported function `name` with `args`, checked against its signature.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, CallError> {
        self.check_usable()?;
        let (function, ty) = self.lookup(name)?;
        self.invoke(function, &ty, name, args)
    }

    /// Calls an export by its WAMR name (including names `hooks` gave).
    fn call_export(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, CallError> {
        self.check_usable()?;
        let (function, ty) = self.lookup_raw(name)?;
        self.invoke(function, &ty, name, args)
    }

    fn check_usable(&mut self) -> Result<(), CallError> {
        if self.is_unusable() {
            return Err(
                if self.stop.requested.load(Ordering::SeqCst) && !self.unusable {
                    self.unusable = true;
                    CallError::Trap(Trap::Terminated)
                } else {
                    CallError::InstanceUnusable
                },
            );
        }
        Ok(())
    }

    /// Gives the next call the full budget of the limits (metering builds only: elsewhere a
    /// budget never passes `Limits::validate`).
    fn reset_instruction_budget(&mut self) {
        #[cfg(wamr_instruction_metering)]
        {
            // Validated at instantiation: fits WAMR's `int`; -1 means unlimited.
            let budget = self
                .limits
                .instruction_budget
                .map_or(-1, |budget| budget as i32);
            // SAFETY: live exec env of this instance, not running (`&mut self`).
            unsafe { sys::wasm_runtime_set_instruction_count_limit(self.exec_env, budget) };
        }
    }

    /// Runs `function` (of type `ty`, exported as `name`) with `args`.
    fn invoke(
        &mut self,
        function: sys::wasm_function_inst_t,
        ty: &FunctionType,
        name: &str,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        check_arguments(name, ty, args)?;
        let mut wasm_args: Vec<sys::wasm_val_t> = args.iter().map(to_wamr).collect();
        let mut wasm_results = alloc::vec![sys::wasm_val_t::default(); ty.results().len()];
        ensure_thread_env();
        self.reset_instruction_budget();
        // SAFETY: live exec env and function of this instance; the argument and result buffers
        // match the checked signature; `&mut self` guarantees no concurrent call.
        let finished = unsafe {
            sys::wasm_runtime_call_wasm_a(
                self.exec_env,
                function,
                wasm_results.len() as u32,
                wasm_results.as_mut_ptr(),
                wasm_args.len() as u32,
                wasm_args.as_mut_ptr(),
            )
        };
        if finished {
            return Ok(wasm_results
                .iter()
                .zip(ty.results())
                .map(|(value, ty)| from_wamr(value, *ty))
                .collect());
        }
        self.unusable = true;
        Err(match self.state.pending.take() {
            Some(PendingStop::Exit(code)) => CallError::Exited { code },
            Some(PendingStop::Trap {
                module,
                name,
                error,
            }) => CallError::Trap(Trap::Host {
                module,
                name,
                error,
            }),
            Some(PendingStop::Panicked { module, name }) => {
                CallError::HostPanicked { module, name }
            }
            None => CallError::Trap(self.exception()),
        })
    }

    fn exception(&self) -> Trap {
        // SAFETY: live instance; WAMR returns null or a NUL-terminated string it owns.
        let message =
            unsafe { crate::module::owned_str(sys::wasm_runtime_get_exception(self.raw)) };
        Trap::from_wamr_message(&message)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Taking the pointer out under the lock waits for a concurrent `stop` to finish and
        // keeps later ones away from the freed instance.
        *self.stop.instance.lock() = Attachment::Gone;
        ensure_thread_env();
        // SAFETY: both objects are live, owned by this instance and no longer reachable.
        unsafe {
            sys::wasm_runtime_destroy_exec_env(self.exec_env);
            sys::wasm_runtime_deinstantiate(self.raw);
        }
    }
}

/// Checks that `linker` defines every import of `module` with the right type; returns the
/// registration ids of the imported functions.
fn check_imports(module: &Module, linker: &Linker) -> Result<Vec<u32>, InstantiationError> {
    let imports = module.imports();
    let mut ids = Vec::with_capacity(imports.len());
    for import in imports {
        let ty = match import.kind {
            ExternKind::Function(Ok(ty)) => ty,
            ExternKind::Function(Err(value_type)) => {
                return Err(InstantiationError::UnsupportedImportType {
                    module: import.module,
                    name: import.name,
                    value_type,
                });
            }
            other => {
                return Err(InstantiationError::UnsupportedImport {
                    module: import.module,
                    name: import.name,
                    kind: other.name(),
                });
            }
        };
        let Some((id, function)) = linker.lookup(&import.module, &import.name) else {
            return Err(InstantiationError::MissingImport {
                module: import.module,
                name: import.name,
            });
        };
        if function.ty != ty {
            return Err(InstantiationError::ImportTypeMismatch {
                found: Box::new(function.ty.clone()),
                module: import.module,
                name: import.name,
                expected: Box::new(ty),
            });
        }
        ids.push(id);
    }
    Ok(ids)
}

/// WAMR caps growth at `max_memory_pages` but lets a larger *initial* memory through; the
/// limit is a promise to the embedder, so such a module is refused. Bytes are compared, not
/// pages: for a module that never grows its memory, WAMR folds the whole initial memory into
/// one large "page".
fn check_initial_memory(
    memory: Option<DefaultMemory>,
    limits: &Limits,
) -> Result<(), InstantiationError> {
    let (Some(max), Some(memory)) = (limits.max_memory_pages, memory) else {
        return Ok(());
    };
    // SAFETY: the memory belongs to the instance being created, which is live.
    let bytes = unsafe { memory.byte_length() }.unwrap_or(u64::MAX);
    if bytes > u64::from(max) * WASM_PAGE_SIZE {
        return Err(InstantiationError::MemoryLimit {
            initial: bytes.div_ceil(WASM_PAGE_SIZE),
            max,
        });
    }
    Ok(())
}

fn instantiate(
    module: &Module,
    import_ids: &[u32],
    limits: &Limits,
    state: *mut InstanceState,
) -> Result<sys::wasm_module_inst_t, InstantiationError> {
    // Every import is defined (checked above); once WAMR has their names, resolving links them
    // to the trampoline.
    // SAFETY: live module; the registry lock serialises WAMR's symbol table.
    registry::resolve_with(import_ids, || unsafe {
        sys::wasm_runtime_resolve_symbols(module.inner.raw)
    })
    .map_err(|error| InstantiationError::Wamr(error.to_string()))?;
    let mut args: *mut sys::InstantiationArgs2 = core::ptr::null_mut();
    // SAFETY: `args` is a valid out-pointer.
    if !unsafe { sys::wasm_runtime_instantiation_args_create(&mut args) } {
        return Err(InstantiationError::Wamr(String::from("out of memory")));
    }
    let mut error = [0 as c_char; ERROR_BUFFER_SIZE];
    // SAFETY: `args` is live until destroyed below; the custom data pointer (the boxed state)
    // outlives the instance, which `Instance` guarantees by owning both.
    let raw = unsafe {
        sys::wasm_runtime_instantiation_args_set_default_stack_size(args, limits.stack_size);
        sys::wasm_runtime_instantiation_args_set_host_managed_heap_size(
            args,
            limits.host_managed_heap_size,
        );
        if let Some(pages) = limits.max_memory_pages {
            sys::wasm_runtime_instantiation_args_set_max_memory_pages(args, pages);
        }
        sys::wasm_runtime_instantiation_args_set_custom_data(args, state.cast());
        let raw = sys::wasm_runtime_instantiate_ex2(
            module.inner.raw,
            args,
            error.as_mut_ptr(),
            ERROR_BUFFER_SIZE as u32,
        );
        sys::wasm_runtime_instantiation_args_destroy(args);
        raw
    };
    if raw.is_null() {
        let message = error_text(&error);
        let message = message
            .strip_prefix("WASM module instantiate failed: ")
            .unwrap_or(&message);
        return Err(InstantiationError::Wamr(String::from(message)));
    }
    Ok(raw)
}

fn check_arguments(name: &str, ty: &FunctionType, args: &[Value]) -> Result<(), CallError> {
    if ty.params().len() != args.len() {
        return Err(CallError::ArgumentCount {
            name: String::from(name),
            expected: ty.params().len(),
            found: args.len(),
        });
    }
    for (index, (expected, arg)) in ty.params().iter().zip(args).enumerate() {
        if *expected != arg.ty() {
            return Err(CallError::ArgumentType {
                name: String::from(name),
                index,
                expected: *expected,
                found: arg.ty(),
            });
        }
    }
    Ok(())
}

fn to_wamr(value: &Value) -> sys::wasm_val_t {
    let (kind, of) = match *value {
        Value::I32(value) => (sys::WASM_I32, sys::wasm_val_t__bindgen_ty_1 { i32_: value }),
        Value::I64(value) => (sys::WASM_I64, sys::wasm_val_t__bindgen_ty_1 { i64_: value }),
        Value::F32(value) => (sys::WASM_F32, sys::wasm_val_t__bindgen_ty_1 { f32_: value }),
        Value::F64(value) => (sys::WASM_F64, sys::wasm_val_t__bindgen_ty_1 { f64_: value }),
    };
    sys::wasm_val_t {
        kind: kind as u8,
        _paddings: [0; 7],
        of,
    }
}

fn from_wamr(value: &sys::wasm_val_t, ty: ValueType) -> Value {
    // SAFETY: WAMR wrote a value of the function's declared result type `ty`, so that union
    // field is the initialised one.
    unsafe {
        match ty {
            ValueType::I32 => Value::I32(value.of.i32_),
            ValueType::I64 => Value::I64(value.of.i64_),
            ValueType::F32 => Value::F32(value.of.f32_),
            ValueType::F64 => Value::F64(value.of.f64_),
        }
    }
}
