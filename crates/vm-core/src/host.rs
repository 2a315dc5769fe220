//! The host-function interface: how the ABI layers (WASI, Xila bindings) give guests
//! functions to import, without touching WAMR.
//!
//! A [`Linker`] maps `(module, name)` to typed Rust callbacks. Each callback receives a
//! [`HostContext`] — the caller's guest memory as a `vm-sandbox` view and the instance's
//! [`InstanceData`] — and returns a value, or a [`HostTrap`] that traps the guest or asks it
//! to exit. Nothing of WAMR appears in this interface.
//!
//! WAMR resolves imports through one process-wide table of native symbols. This module
//! registers each distinct `(module, name, type)` there once — when a module importing it is
//! first instantiated, not when it is defined, so defining the functions nobody imports costs
//! little — with a shared trampoline that dispatches to the callback of the *calling
//! instance's* linker, so different instances can link the same name to different callbacks.

use alloc::boxed::Box;
#[cfg(feature = "engine")]
use alloc::ffi::CString;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::{Any, TypeId};
#[cfg(feature = "engine")]
use core::ffi::c_void;
use core::marker::PhantomData;

use vm_sandbox::GuestMemory;
#[cfg(feature = "engine")]
use wamrx_sys as sys;

use crate::error::DefineError;
#[cfg(feature = "engine")]
use crate::instance::{InstanceState, PendingStop};
#[cfg(feature = "engine")]
use crate::runtime::Runtime;
use crate::trap::HostError;
use crate::value::{FunctionType, ValueType};

/// A Rust type that maps to one WebAssembly value type.
pub trait WasmType: Copy + Send + 'static {
    /// The WebAssembly type.
    const TYPE: ValueType;
    /// Reads the value from WAMR's 64-bit argument slot.
    fn from_slot(slot: u64) -> Self;
    /// Writes the value into WAMR's 64-bit result slot.
    fn to_slot(self) -> u64;
}

/// A slot as the two 32-bit cells that hold it in memory, first cell first (a 32-bit value
/// is the first cell).
fn slot_to_cells(slot: u64) -> [u32; 2] {
    let bytes = slot.to_ne_bytes();
    [
        u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        u32::from_ne_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
    ]
}

/// The slot that two 32-bit cells hold in memory, first cell first.
fn slot_from_cells(cells: [u32; 2]) -> u64 {
    let [low, high] = cells.map(u32::to_ne_bytes);
    u64::from_ne_bytes([
        low[0], low[1], low[2], low[3], high[0], high[1], high[2], high[3],
    ])
}

macro_rules! wasm_type {
    ($($rust:ty => $wasm:ident, $from:expr, $to:expr;)*) => {$(
        impl WasmType for $rust {
            const TYPE: ValueType = ValueType::$wasm;
            fn from_slot(slot: u64) -> Self {
                $from(slot)
            }
            fn to_slot(self) -> u64 {
                $to(self)
            }
        }
    )*};
}

wasm_type! {
    i32 => I32, |slot| slot_to_cells(slot)[0].cast_signed(), |value: i32| slot_from_cells([value.cast_unsigned(), 0]);
    u32 => I32, |slot| slot_to_cells(slot)[0], |value: u32| slot_from_cells([value, 0]);
    i64 => I64, |slot: u64| slot as i64, |value: i64| value as u64;
    u64 => I64, |slot| slot, |value| value;
    f32 => F32, |slot| f32::from_bits(slot_to_cells(slot)[0]), |value: f32| slot_from_cells([value.to_bits(), 0]);
    f64 => F64, f64::from_bits, f64::to_bits;
}

/// The parameter list of a host function: `()` or a tuple of [`WasmType`]s.
pub trait WasmParams: Sized + 'static {
    /// The parameter types, in order.
    fn types() -> Vec<ValueType>;
    /// Decodes the parameters from WAMR's argument cells: 32-bit words in which `i32` and
    /// `f32` take one cell and `i64` and `f64` two, in memory order, parameter after
    /// parameter.
    fn decode(cells: &[u32]) -> Self;
}

/// Reads the next value of type `ty` from `cells` at `*offset` as a slot (see
/// [`WasmType::from_slot`]) and moves `offset` past it.
#[inline(always)]
fn read_slot(cells: &[u32], offset: &mut usize, ty: ValueType) -> u64 {
    // Cell counts are fixed by the type `check_imports` matched against the import; a missing
    // cell would be a WAMR bug, and reads as zero rather than panicking across FFI.
    let cell = |index: usize| cells.get(index).copied().unwrap_or(0);
    let high = if ty.cell_count() == 2 {
        cell(*offset + 1)
    } else {
        0
    };
    let slot = slot_from_cells([cell(*offset), high]);
    *offset += ty.cell_count();
    slot
}

macro_rules! wasm_params {
    ($(($($name:ident),*))*) => {$(
        impl<$($name: WasmType),*> WasmParams for ($($name,)*) {
            fn types() -> Vec<ValueType> {
                alloc::vec![$($name::TYPE),*]
            }
            #[allow(unused_variables, unused_mut, clippy::unused_unit)]
            fn decode(cells: &[u32]) -> Self {
                let mut offset = 0;
                // A tuple's fields are evaluated left to right, so the offset advances in
                // parameter order.
                ($($name::from_slot(read_slot(cells, &mut offset, $name::TYPE)),)*)
            }
        }
    )*};
}

wasm_params! {
    ()
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, I)
    (A, B, C, D, E, F, G, H, I, J)
}

/// The result of a host function: `()` or one [`WasmType`] (WAMR native functions return at
/// most one value).
pub trait WasmResults: Sized + 'static {
    /// The result types (empty or one).
    fn types() -> Vec<ValueType>;
    /// Encodes the result into WAMR's two result cells, in memory order (a 32-bit result
    /// leaves the second cell zero).
    fn encode(self, cells: &mut [u32; 2]);
}

impl WasmResults for () {
    fn types() -> Vec<ValueType> {
        Vec::new()
    }
    fn encode(self, _cells: &mut [u32; 2]) {}
}

macro_rules! wasm_result {
    ($($rust:ty)*) => {$(
        impl WasmResults for $rust {
            fn types() -> Vec<ValueType> {
                alloc::vec![<$rust as WasmType>::TYPE]
            }
            fn encode(self, cells: &mut [u32; 2]) {
                *cells = slot_to_cells(self.to_slot());
            }
        }
    )*};
}

wasm_result!(i32 u32 i64 u64 f32 f64);

/// How a host function ends the guest's call instead of returning.
#[derive(Debug)]
pub enum HostTrap {
    /// Trap the guest with this error; the call fails with [`crate::Trap::Host`].
    Error(HostError),
    /// The guest asked to exit with this code (e.g. WASI `proc_exit`); the call fails with
    /// [`crate::CallError::Exited`].
    Exit(u32),
}

impl HostTrap {
    /// A trap carrying `error`.
    pub fn error(error: impl core::error::Error + Send + Sync + 'static) -> Self {
        Self::Error(Box::new(error))
    }

    /// An exit request with `code`.
    pub fn exit(code: u32) -> Self {
        Self::Exit(code)
    }
}

impl<E: core::error::Error + Send + Sync + 'static> From<E> for HostTrap {
    fn from(error: E) -> Self {
        Self::error(error)
    }
}

/// The instance has no linear memory to give to a host function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instance has no linear memory")]
pub struct NoMemory;

/// Per-instance state of the host layers, one value per type (a type map).
///
/// Each ABI layer stores its own state type (the WASI layer its fd table, the bindings their
/// handle tables) and finds it again in its host functions, without knowing the others.
#[derive(Default)]
pub struct InstanceData {
    entries: Vec<(TypeId, Box<dyn Any + Send>)>,
}

impl core::fmt::Debug for InstanceData {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("InstanceData")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl InstanceData {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value`, returning the previous value of the same type.
    pub fn insert<T: Any + Send>(&mut self, value: T) -> Option<T> {
        let previous = self.remove::<T>();
        self.entries.push((TypeId::of::<T>(), Box::new(value)));
        previous
    }

    /// The value of type `T`, if stored.
    pub fn get<T: Any + Send>(&self) -> Option<&T> {
        self.entries
            .iter()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .and_then(|(_, value)| value.downcast_ref())
    }

    /// The value of type `T`, mutably.
    pub fn get_mut<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.entries
            .iter_mut()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .and_then(|(_, value)| value.downcast_mut())
    }

    /// Removes and returns the value of type `T`.
    pub fn remove<T: Any + Send>(&mut self) -> Option<T> {
        let position = self
            .entries
            .iter()
            .position(|(id, _)| *id == TypeId::of::<T>())?;
        let (_, value) = self.entries.swap_remove(position);
        value.downcast().ok().map(|value| *value)
    }
}

/// What a host function sees of its caller.
pub struct HostContext<'a> {
    #[cfg(feature = "engine")]
    memory: Option<DefaultMemory>,
    data: &'a mut InstanceData,
}

impl HostContext<'_> {
    /// The caller's linear memory, the only way to read or write guest data.
    #[inline]
    pub fn memory(&mut self) -> Result<GuestMemory<'_>, NoMemory> {
        #[cfg(feature = "engine")]
        // SAFETY: the context exists only during a host call on the instance's own thread.
        return unsafe { guest_memory(self.memory) };
        #[cfg(not(feature = "engine"))]
        Err(NoMemory)
    }

    /// The instance's data of type `T`.
    pub fn data<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.data.get_mut()
    }

    /// The caller's memory and its data of type `T` at once (both are usually needed together,
    /// e.g. to copy from guest buffers into a file the data owns).
    pub fn memory_and_data<T: Any + Send>(
        &mut self,
    ) -> (Result<GuestMemory<'_>, NoMemory>, Option<&mut T>) {
        #[cfg(feature = "engine")]
        // SAFETY: as in `memory`; the memory lives in WAMR, not in `data`, so the two borrows
        // are disjoint.
        let memory = unsafe { guest_memory(self.memory) };
        #[cfg(not(feature = "engine"))]
        let memory = Err(NoMemory);
        (memory, self.data.get_mut())
    }
}

/// An instance's default memory as WAMR keeps it, looked up once per instance: the memory
/// instance stays where it is for the instance's life (growing replaces its data, not the
/// instance), so host calls skip the lookup and ask WAMR only for the current base and size.
#[cfg(feature = "engine")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct DefaultMemory {
    raw: sys::wasm_memory_inst_t,
    page_size: u64,
}

#[cfg(feature = "engine")]
impl DefaultMemory {
    /// The default memory of `module_inst`; `None` when the module has none.
    ///
    /// # Safety
    /// `module_inst` is a live instance; the result is valid only as long as it lives.
    pub(crate) unsafe fn of(module_inst: sys::wasm_module_inst_t) -> Option<Self> {
        // SAFETY: `module_inst` is a live instance (caller).
        let raw = unsafe { sys::wasm_runtime_get_default_memory(module_inst) };
        if raw.is_null() {
            return None;
        }
        // SAFETY: `raw` is the live default memory of the instance; its page size is fixed
        // when the memory is created.
        let page_size = unsafe { sys::wasm_memory_get_bytes_per_page(raw) };
        Some(Self { raw, page_size })
    }

    /// The memory's current size in bytes; `None` if it does not fit in 64 bits.
    ///
    /// # Safety
    /// The instance the memory came from is live.
    pub(crate) unsafe fn byte_length(self) -> Option<u64> {
        // SAFETY: `raw` is the live default memory of a live instance (caller).
        let pages = unsafe { sys::wasm_memory_get_cur_page_count(self.raw) };
        pages.checked_mul(self.page_size)
    }
}

/// Builds the sandbox view of an instance's default memory (`None`: the module has none).
///
/// # Safety
/// `memory` comes from [`DefaultMemory::of`] for a live instance. The guest must not run,
/// grow its memory or be destroyed while the view lives, and no other view of the same memory
/// may exist; callers tie the view to a `&mut` borrow that ensures it.
#[cfg(feature = "engine")]
pub(crate) unsafe fn guest_memory<'a>(
    memory: Option<DefaultMemory>,
) -> Result<GuestMemory<'a>, NoMemory> {
    let memory = memory.ok_or(NoMemory)?;
    // SAFETY: `memory` is the live default memory of a live instance (caller).
    let (base, length) = unsafe {
        (
            sys::wasm_memory_get_base_address(memory.raw).cast::<u8>(),
            memory.byte_length(),
        )
    };
    let length = length
        .and_then(|length| usize::try_from(length).ok())
        .ok_or(NoMemory)?;
    if base.is_null() || length == 0 {
        return Ok(GuestMemory::new(&mut []));
    }
    // SAFETY: WAMR keeps `length` bytes at `base` for the memory's current size; the caller
    // guarantees nothing else accesses or resizes them while the view lives. Shared memory is
    // disabled in our WAMR build, so no other thread can write them.
    Ok(GuestMemory::new(unsafe {
        core::slice::from_raw_parts_mut(base, length)
    }))
}

/// A host function with its Rust types erased, as the trampoline calls it.
///
/// A trait with one method rather than `dyn Fn`: the vtable of a `dyn Fn` carries
/// `call_once` and `call_mut` shims as well, made for every host function (about 12 KB of code
/// for the WASI, socket and graphics layers).
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
trait ErasedCallback: Send + Sync {
    /// Decodes the arguments from WAMR's argument cells, runs the function and encodes its
    /// result into `results`.
    fn call(
        &self,
        context: &mut HostContext<'_>,
        cells: &[u32],
        results: &mut [u32; 2],
    ) -> Result<(), HostTrap>;
}

/// A typed callback, erased behind [`ErasedCallback`].
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
struct TypedCallback<P, R, F> {
    callback: F,
    signature: PhantomData<fn(P) -> R>,
}

impl<P, R, F> ErasedCallback for TypedCallback<P, R, F>
where
    P: WasmParams,
    R: WasmResults,
    F: Fn(&mut HostContext<'_>, P) -> Result<R, HostTrap> + Send + Sync,
{
    fn call(
        &self,
        context: &mut HostContext<'_>,
        cells: &[u32],
        results: &mut [u32; 2],
    ) -> Result<(), HostTrap> {
        (self.callback)(context, P::decode(cells))?.encode(results);
        Ok(())
    }
}

/// What a linker knows of a host function besides its callback. Immutable once made, so
/// linkers (and the process-wide registry) share one description per name.
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
pub(crate) struct HostFunction {
    pub(crate) module: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) ty: FunctionType,
}

impl HostFunction {
    /// The shared description of `module.name`.
    fn new(module: &str, name: &str, ty: FunctionType) -> Arc<Self> {
        Arc::new(Self {
            module: module.into(),
            name: name.into(),
            ty,
        })
    }

    /// Orders descriptions by `(module, name)`, without building owned keys.
    fn cmp_name(&self, module: &str, name: &str) -> core::cmp::Ordering {
        (&*self.module, &*self.name).cmp(&(module, name))
    }
}

/// One entry of a linker's table: what the trampoline needs on every call is stored inline
/// (the callback's fat pointer and the number of argument cells), so a call reaches the
/// callback with two dependent loads fewer than through the description.
#[derive(Clone)]
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
struct Entry {
    callback: Arc<dyn ErasedCallback>,
    /// How many 32-bit argument cells the parameters take (see [`WasmParams::decode`]).
    cell_count: usize,
    function: Arc<HostFunction>,
}

/// The tables of a linker, shared by all its clones (and the instances made with it) until
/// one clone defines more functions and gets its own copy.
#[derive(Clone, Default)]
struct LinkerTables {
    /// Indexed by the process-wide registration id of `(module, name)`.
    by_id: Vec<Option<Entry>>,
    /// The ids of the defined functions, sorted by `(module, name)`: names are looked up by
    /// binary search over the entries' own names, so a lookup allocates nothing.
    by_name: Vec<u32>,
}

impl LinkerTables {
    fn entry(&self, id: u32) -> Option<&Entry> {
        self.by_id.get(id as usize)?.as_ref()
    }

    /// Where `module.name` is in `by_name`: `Ok(position)` if defined, else `Err(position)`
    /// at which it would be inserted.
    fn search(&self, module: &str, name: &str) -> Result<usize, usize> {
        self.by_name.binary_search_by(|id| match self.entry(*id) {
            Some(entry) => entry.function.cmp_name(module, name),
            // Every id in `by_name` has an entry (`define` adds both together).
            None => core::cmp::Ordering::Less,
        })
    }
}

/// A set of host functions that instances can import.
///
/// Cloning is a reference count: clones, and the instances created with the linker, share
/// its tables. Defining functions on a clone copies the tables first (copy on write), so it
/// never changes what existing instances or other clones see.
#[derive(Clone)]
pub struct Linker {
    tables: Arc<LinkerTables>,
    /// While [`define_imports_of`](Self::define_imports_of) runs: the function imports of
    /// its module as `(module, name)`, sorted; definitions of other names are dropped.
    keep_only: Option<Vec<(String, String)>>,
}

impl core::fmt::Debug for Linker {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let tables = &*self.tables;
        formatter
            .debug_list()
            .entries(
                tables
                    .by_name
                    .iter()
                    .filter_map(|id| tables.entry(*id))
                    .map(|entry| {
                        alloc::format!("{}.{}", entry.function.module, entry.function.name)
                    }),
            )
            .finish()
    }
}

impl Linker {
    /// An empty linker. Defining functions reserves their names process-wide (WAMR resolves
    /// imports by name for the whole process), so the runtime must be running.
    #[cfg(feature = "engine")]
    pub fn new(_runtime: &Runtime) -> Self {
        Self {
            tables: Arc::new(LinkerTables::default()),
            keep_only: None,
        }
    }

    /// Runs `define` (e.g. an ABI layer's `define` function) on this linker, keeping only
    /// the functions `module` imports: defining any other name succeeds and does nothing.
    ///
    /// An embedder with large sets of host functions, of which each module imports a few,
    /// can make a linker per module this way, at a fraction of the cost of defining them all.
    /// Instantiating `module` with the result behaves as with a linker that defines
    /// everything: an import nobody defines fails with
    /// [`MissingImport`](crate::InstantiationError::MissingImport), a mistyped one with
    /// [`ImportTypeMismatch`](crate::InstantiationError::ImportTypeMismatch). The checks of
    /// [`define`](Self::define) (duplicates, names, signature conflicts) apply to the kept
    /// functions only.
    #[cfg(feature = "engine")]
    pub fn define_imports_of(
        &mut self,
        module: &crate::Module,
        define: impl FnOnce(&mut Linker) -> Result<(), DefineError>,
    ) -> Result<(), DefineError> {
        let mut imported: Vec<(String, String)> = module
            .imports()
            .into_iter()
            .filter(|import| matches!(import.kind, crate::ExternKind::Function(_)))
            .map(|import| (import.module, import.name))
            .collect();
        imported.sort_unstable_by(compare_import_names);
        let outer = self.keep_only.replace(imported);
        let outcome = define(self);
        self.keep_only = outer;
        outcome
    }

    /// Whether a definition of `module.name` is dropped (see
    /// [`define_imports_of`](Self::define_imports_of)).
    fn drops(&self, module: &str, name: &str) -> bool {
        self.keep_only.as_ref().is_some_and(|kept| {
            kept.binary_search_by(|(kept_module, kept_name)| {
                (kept_module.as_str(), kept_name.as_str()).cmp(&(module, name))
            })
            .is_err()
        })
    }

    /// Defines `module.name` as a host function with the signature of `callback`.
    ///
    /// Fails if this linker already defines the name ([`DefineError::Duplicate`]), if the
    /// name contains NUL ([`DefineError::InvalidName`]), or if a linker anywhere in the
    /// process defined it with another signature ([`DefineError::SignatureConflict`]).
    /// Defining is cheap: the name reaches WAMR's native-symbol table only when a module
    /// importing it is instantiated.
    ///
    /// ```ignore
    /// linker.define("env", "add", |_context, (a, b): (i32, i32)| Ok(a.wrapping_add(b)))?;
    /// ```
    pub fn define<P, R, F>(
        &mut self,
        module: &str,
        name: &str,
        callback: F,
    ) -> Result<&mut Self, DefineError>
    where
        P: WasmParams,
        R: WasmResults,
        F: Fn(&mut HostContext<'_>, P) -> Result<R, HostTrap> + Send + Sync + 'static,
    {
        if self.drops(module, name) {
            return Ok(self);
        }
        let ty = FunctionType::new(P::types(), R::types());
        let callback = TypedCallback {
            callback,
            signature: PhantomData,
        };
        self.define_erased(module, name, ty, Arc::new(callback))
    }

    /// The part of [`define`](Self::define) that does not depend on the callback's types,
    /// compiled once instead of once per host function.
    fn define_erased(
        &mut self,
        module: &str,
        name: &str,
        ty: FunctionType,
        callback: Arc<dyn ErasedCallback>,
    ) -> Result<&mut Self, DefineError> {
        let Err(position) = self.tables.search(module, name) else {
            return Err(DefineError::Duplicate {
                module: String::from(module),
                name: String::from(name),
            });
        };
        let cell_count = ty.params().iter().map(|ty| ty.cell_count()).sum();
        #[cfg(feature = "engine")]
        let (id, function) = registry::register(module, name, ty)?;
        // Without the engine there is no process-wide registry: number functions per linker.
        #[cfg(not(feature = "engine"))]
        let (id, function) = {
            let id = u32::try_from(self.tables.by_id.len())
                .map_err(|_| DefineError::registration_failed(module, name))?;
            (id, HostFunction::new(module, name, ty))
        };
        let tables = Arc::make_mut(&mut self.tables);
        let index = id as usize;
        if tables.by_id.len() <= index {
            tables.by_id.resize(index + 1, None);
        }
        tables.by_id[index] = Some(Entry {
            callback,
            cell_count,
            function,
        });
        tables.by_name.insert(position, id);
        Ok(self)
    }

    /// The registration id and description of the function defined as `module.name`.
    pub(crate) fn lookup(&self, module: &str, name: &str) -> Option<(u32, &HostFunction)> {
        let position = self.tables.search(module, name).ok()?;
        let id = *self.tables.by_name.get(position)?;
        Some((id, &self.tables.entry(id)?.function))
    }

    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    fn entry(&self, id: u32) -> Option<&Entry> {
        self.tables.entry(id)
    }

    /// Whether `module.name` is defined.
    pub fn contains(&self, module: &str, name: &str) -> bool {
        self.lookup(module, name).is_some()
    }

    /// How many functions are defined.
    pub fn len(&self) -> usize {
        self.tables.by_name.len()
    }

    /// Whether no function is defined.
    pub fn is_empty(&self) -> bool {
        self.tables.by_name.is_empty()
    }

    /// Whether `self` and `other` share their tables (one is an unmodified clone of the
    /// other), e.g. a VM's linker and the instances it created.
    pub fn shares_tables_with(&self, other: &Linker) -> bool {
        Arc::ptr_eq(&self.tables, &other.tables)
    }
}

/// WAMR's stock entry for every host-function import, registered as the native function of
/// each: arguments and result in 64-bit slots, one per parameter. Our WAMR build's
/// interpreter and AOT runtime call [`xila_vm_host_call_cells`] instead
/// (vendor/cmake/wamr-patches.cmake), so this one serves AOT code calling a host function
/// through a table, and WAMR builds without our patches (a kernel built without our
/// toolchain files; `cargo xtask test` runs the host-function tests in such a build).
/// Exported under a fixed name because the patched WAMR recognises our natives by this
/// address.
///
/// # Safety
/// Called by WAMR only, with the exec env of a running call and an argument buffer holding
/// one 64-bit slot per parameter and at least one slot for the result.
#[cfg(feature = "engine")]
#[unsafe(no_mangle)]
unsafe extern "C" fn xila_vm_host_trampoline(exec_env: sys::wasm_exec_env_t, slots: *mut u64) {
    let call = |entry: &Entry, context: &mut HostContext<'_>| {
        let params = entry.function.ty.params();
        // SAFETY: WAMR's buffer holds one slot per parameter, each written in full, and at
        // least 16 slots when there are fewer than 16 parameters, the first written even when
        // there is no parameter (stock WAMR zeroes the whole buffer; our build's lean path
        // writes each parameter's slot and zeroes slot 0 when there is none). So
        // `max(params, 1)` slots (the entry was made from the type `check_imports` matched
        // against the import) are valid, initialised and exclusively ours.
        let slots = unsafe { core::slice::from_raw_parts_mut(slots, params.len().max(1)) };
        let mut cells = [0u32; 2 * MAX_SLOTS];
        let mut length = 0;
        for (ty, slot) in params.iter().zip(slots.iter()) {
            let taken = ty.cell_count();
            let Some(destination) = cells.get_mut(length..length + taken) else {
                break;
            };
            destination.copy_from_slice(&slot_to_cells(*slot)[..taken]);
            length += taken;
        }
        let mut results = [0u32; 2];
        let outcome =
            entry
                .callback
                .call(context, cells.get(..length).unwrap_or(&[]), &mut results);
        if let Some(first) = slots.first_mut() {
            *first = slot_from_cells(results);
        }
        outcome
    };
    // SAFETY: WAMR passes the live exec env of the current call (caller).
    unsafe { dispatch(exec_env, call) }
}

/// The entry our WAMR build's interpreter and AOT runtime call for the natives registered as
/// [`xila_vm_host_trampoline`] (vendor/cmake/wamr-patches.cmake): the arguments in the
/// caller's own 32-bit cells, so nothing is copied on the way.
///
/// # Safety
/// Called by the patched WAMR only, with the exec env of a running call, its attachment set
/// to the callee's registration id, `cells` holding the callee's parameters (as many cells
/// as its type gives) and `results` pointing to two writable cells outside `cells`.
#[cfg(feature = "engine")]
#[unsafe(no_mangle)]
unsafe extern "C" fn xila_vm_host_call_cells(
    exec_env: sys::wasm_exec_env_t,
    cells: *const u32,
    results: *mut [u32; 2],
) {
    let call = |entry: &Entry, context: &mut HostContext<'_>| {
        // A function without parameters may get no argument buffer at all (AOT code need
        // not make one), and a slice may not be built from a null pointer even when empty.
        let cells = if entry.cell_count == 0 {
            &[]
        } else {
            // SAFETY: the patched WAMR passes the caller's argument cells, `cell_count` of
            // them for the type `check_imports` matched against the import; they stay ours
            // for the call (caller).
            unsafe { core::slice::from_raw_parts(cells, entry.cell_count) }
        };
        // SAFETY: two writable result cells apart from the argument cells, ours for the call
        // (caller).
        let results = unsafe { &mut *results };
        entry.callback.call(context, cells, results)
    };
    // SAFETY: the patched WAMR passes the live exec env of the current call (caller).
    unsafe { dispatch(exec_env, call) }
}

/// The slots of WAMR's stock argument buffer for raw natives (it allocates a larger one for
/// more parameters; [`WasmParams`] stops at ten).
#[cfg(feature = "engine")]
const MAX_SLOTS: usize = 16;

/// Finds the calling instance's state and the callee's linker entry, runs `call` on them
/// and turns a trap, exit or panic into the instance's pending stop and a WAMR exception.
///
/// # Safety
/// `exec_env` is the live exec env of a running call into a host function.
#[cfg(feature = "engine")]
#[inline(always)]
unsafe fn dispatch(
    exec_env: sys::wasm_exec_env_t,
    call: impl FnOnce(&Entry, &mut HostContext<'_>) -> Result<(), HostTrap>,
) {
    // SAFETY: WAMR passes the live exec env of the current call (caller).
    let (module_inst, id) = unsafe {
        (
            sys::wasm_runtime_get_module_inst(exec_env),
            sys::wasm_runtime_get_function_attachment(exec_env) as usize as u32,
        )
    };
    // SAFETY: every instance this crate creates carries a pointer to its boxed
    // `InstanceState` as custom data, valid until the instance is destroyed, and this thread
    // is the only one running it.
    let state = unsafe {
        sys::wasm_runtime_get_custom_data(module_inst)
            .cast::<InstanceState>()
            .as_mut()
    };
    let Some(state) = state else {
        // SAFETY: live instance; the message is a NUL-terminated literal.
        unsafe {
            sys::wasm_runtime_set_exception(
                module_inst,
                c"host function called outside vm-core".as_ptr(),
            )
        };
        return;
    };
    let Some(entry) = state.linker.entry(id) else {
        // The import resolved to a name another linker defined; instantiation checks the
        // instance's own linker, so this means an instance was created behind our back.
        // SAFETY: as above.
        unsafe {
            sys::wasm_runtime_set_exception(
                module_inst,
                c"host function missing from linker".as_ptr(),
            )
        };
        return;
    };
    let mut context = HostContext {
        memory: state.memory,
        data: &mut state.data,
    };
    let outcome = run_guarded(|| call(entry, &mut context));
    let function = &entry.function;
    let pending = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(HostTrap::Exit(code))) => PendingStop::Exit(code),
        Ok(Err(HostTrap::Error(error))) => PendingStop::Trap {
            module: function.module.clone(),
            name: function.name.clone(),
            error,
        },
        Err(()) => PendingStop::Panicked {
            module: function.module.clone(),
            name: function.name.clone(),
        },
    };
    state.pending = Some(pending);
    // The message only unwinds the interpreter; `Instance::call` reports `pending` instead.
    // SAFETY: live instance; NUL-terminated literal.
    unsafe {
        sys::wasm_runtime_set_exception(module_inst, c"host function stopped the guest".as_ptr())
    };
}

/// The order of [`Linker::define_imports_of`]'s names. Not inlined: the sort inlines its
/// comparison into every step of its sorting networks, which made 18 KB of code for a list
/// of a few dozen names.
#[cfg(feature = "engine")]
#[inline(never)]
fn compare_import_names(a: &(String, String), b: &(String, String)) -> core::cmp::Ordering {
    a.cmp(b)
}

/// Runs a host callback so that a panic cannot unwind into WAMR's C frames.
#[cfg(all(feature = "engine", feature = "std"))]
fn run_guarded<T>(callback: impl FnOnce() -> T) -> Result<T, ()> {
    extern crate std;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback)).map_err(|_| ())
}

/// Without `std` a panic cannot be caught; unwinding out of an `extern "C"` function aborts,
/// which is the kernel's panic policy anyway.
#[cfg(all(feature = "engine", not(feature = "std")))]
fn run_guarded<T>(callback: impl FnOnce() -> T) -> Result<T, ()> {
    Ok(callback())
}

/// The process-wide registry of host-function names, and their registration with WAMR.
///
/// Defining a function only reserves its id and signature here; the name reaches WAMR's
/// native-symbol table (C strings leaked for WAMR, a node in its list, a sort) the first time
/// a module importing it is instantiated. A VM defines a hundred functions of which a typical
/// app imports a dozen, so this keeps both start-up and WAMR's lookup list short.
#[cfg(feature = "engine")]
pub(crate) mod registry {
    use super::*;

    struct Registered {
        function: Arc<HostFunction>,
        /// Whether WAMR's native-symbol table has the name yet.
        known_to_wamr: bool,
    }

    struct Registry {
        /// Indexed by id; an id is never reused.
        functions: Vec<Registered>,
        /// The ids, sorted by `(module, name)`.
        by_name: Vec<u32>,
    }

    impl Registry {
        fn function(&self, id: u32) -> Option<&Arc<HostFunction>> {
            self.functions
                .get(id as usize)
                .map(|registered| &registered.function)
        }
    }

    /// Guards both our registry and WAMR's native-symbol table, which WAMR does not lock
    /// itself: registration and import resolution must not interleave.
    static REGISTRY: spin::Mutex<Registry> = spin::Mutex::new(Registry {
        functions: Vec::new(),
        by_name: Vec::new(),
    });

    /// Returns the id of `module.name` and its shared description, reserving both on first
    /// use. Fails if the name was reserved with another signature or contains NUL.
    pub(crate) fn register(
        module: &str,
        name: &str,
        ty: FunctionType,
    ) -> Result<(u32, Arc<HostFunction>), DefineError> {
        let mut registry = REGISTRY.lock();
        let search = registry.by_name.binary_search_by(|id| {
            registry
                .function(*id)
                .map_or(core::cmp::Ordering::Less, |function| {
                    function.cmp_name(module, name)
                })
        });
        let position = match search {
            Ok(position) => {
                let existing = registry
                    .by_name
                    .get(position)
                    .and_then(|id| Some((*id, registry.function(*id)?)));
                return match existing {
                    Some((id, existing)) if existing.ty == ty => Ok((id, existing.clone())),
                    Some((_, existing)) => Err(DefineError::SignatureConflict {
                        module: String::from(module),
                        name: String::from(name),
                        existing: Box::new(existing.ty.clone()),
                        requested: Box::new(ty),
                    }),
                    // Unreachable: `by_name` holds only ids of `functions`.
                    None => Err(DefineError::registration_failed(module, name)),
                };
            }
            Err(position) => position,
        };
        // The names become C strings for WAMR.
        if module.contains('\0') || name.contains('\0') {
            return Err(DefineError::InvalidName {
                module: String::from(module),
                name: String::from(name),
            });
        }
        let id = u32::try_from(registry.functions.len())
            .map_err(|_| DefineError::registration_failed(module, name))?;
        let function = HostFunction::new(module, name, ty);
        registry.functions.push(Registered {
            function: function.clone(),
            known_to_wamr: false,
        });
        registry.by_name.insert(position, id);
        Ok((id, function))
    }

    /// Adds the functions `ids` to WAMR's native-symbol table if they are not there yet,
    /// then runs `resolve` before any other registration can modify that table.
    pub(crate) fn resolve_with<T>(
        ids: &[u32],
        resolve: impl FnOnce() -> T,
    ) -> Result<T, DefineError> {
        let mut registry = REGISTRY.lock();
        let mut missing: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|id| {
                registry
                    .functions
                    .get(*id as usize)
                    .is_some_and(|registered| !registered.known_to_wamr)
            })
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            // Each id once, grouped by import module, as `by_name` is in `(module, name)` order.
            // (Sorting by module name instead inlined string comparisons into the sort: 18 KB.)
            let missing: Vec<u32> = registry
                .by_name
                .iter()
                .copied()
                .filter(|id| missing.binary_search(id).is_ok())
                .collect();
            let module_of = |id: &u32| registry.function(*id).map(|function| &*function.module);
            // One WAMR registration per import module: WAMR walks a list of them per lookup.
            let batch_lengths: Vec<usize> = missing
                .chunk_by(|a, b| module_of(a) == module_of(b))
                .map(<[u32]>::len)
                .collect();
            let mut rest = &missing[..];
            for length in batch_lengths {
                let (batch, after) = rest.split_at(length);
                add_to_wamr(&registry, batch)?;
                for id in batch {
                    if let Some(registered) = registry.functions.get_mut(*id as usize) {
                        registered.known_to_wamr = true;
                    }
                }
                rest = after;
            }
        }
        Ok(resolve())
    }

    /// Registers `batch` (ids of functions of one import module) with WAMR.
    fn add_to_wamr(registry: &Registry, batch: &[u32]) -> Result<(), DefineError> {
        let functions: Vec<(u32, &HostFunction)> = batch
            .iter()
            .filter_map(|id| Some((*id, &**registry.function(*id)?)))
            .collect();
        let Some((_, first)) = functions.first() else {
            return Ok(());
        };
        let failed = |function: &HostFunction| {
            DefineError::registration_failed(&function.module, &function.name)
        };
        // Names were checked free of NUL when they were reserved.
        let module_c = CString::new(&*first.module).map_err(|_| failed(first))?;
        let symbols = functions
            .iter()
            .map(|(id, function)| {
                Ok(sys::NativeSymbol {
                    symbol: CString::new(&*function.name)
                        .map_err(|_| failed(function))?
                        .into_raw(),
                    func_ptr: xila_vm_host_trampoline as *mut c_void,
                    // No signature: `check_imports` has compared every import's type with
                    // its definition before WAMR instantiates, and with none WAMR treats no
                    // parameter as a pointer to convert, which our WAMR build turns into a
                    // leaner argument copy (vendor/cmake/wamr-patches.cmake).
                    signature: core::ptr::null(),
                    attachment: *id as usize as *mut c_void,
                })
            })
            .collect::<Result<Vec<_>, DefineError>>()?;
        let count = u32::try_from(symbols.len()).map_err(|_| failed(first))?;
        // WAMR keeps pointers to the symbol array and its strings forever, so they are leaked
        // on purpose: once per distinct host-function name the process's modules import.
        let symbols = Box::leak(symbols.into_boxed_slice());
        // SAFETY: the module name, symbol array and strings are leaked and so outlive WAMR;
        // `count` is the array's length; the registry lock (held by the caller) serialises
        // WAMR's unsynchronised symbol table.
        let added = unsafe {
            sys::wasm_runtime_register_natives_raw(module_c.into_raw(), symbols.as_mut_ptr(), count)
        };
        if added { Ok(()) } else { Err(failed(first)) }
    }
}
