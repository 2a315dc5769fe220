//! The process-wide WAMR runtime.
//!
//! WAMR keeps global state (its allocator, the native-symbol registry, thread bookkeeping),
//! so there is exactly one [`Runtime`] per process. It is started once, with the allocator
//! all VM memory will come from, and lives until the process ends: WAMR cannot be shut down
//! safely while any other part of the process may still hold a module or instance.

use vm_host::memory::MemoryAdapter;
use wamrx_sys as sys;

use crate::error::RuntimeError;

/// Where the runtime takes its memory from: modules, instances, execution stacks *and* linear
/// memories (WAMR is built with `WASM_MEM_ALLOC_WITH_USAGE`, so nothing bypasses this choice
/// through `mmap`).
pub enum Allocator {
    /// The Rust global allocator (on desktop hosts: the platform's `malloc`).
    System,
    /// One pool of `size` bytes, taken once from the Rust global allocator: every byte the VM
    /// uses comes out of this budget, which is the embedded default. Exhausting it fails the
    /// load, instantiation or `memory.grow` that needed more, nothing else.
    Pool {
        /// Pool size in bytes.
        size: usize,
    },
    /// A pool in memory the embedder provides (e.g. a dedicated RAM region).
    PoolBuffer(&'static mut [u8]),
    /// The kernel's memory adapter.
    Adapter(&'static dyn MemoryAdapter),
}

impl core::fmt::Debug for Allocator {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::System => formatter.write_str("System"),
            Self::Pool { size } => write!(formatter, "Pool {{ size: {size} }}"),
            Self::PoolBuffer(buffer) => write!(formatter, "PoolBuffer({} bytes)", buffer.len()),
            Self::Adapter(_) => formatter.write_str("Adapter"),
        }
    }
}

/// How much WAMR prints on its own (to the platform's standard output).
///
/// Every failure is also reported through this crate's typed errors, so the default keeps
/// WAMR quiet except for errors it cannot return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogLevel {
    /// Only fatal conditions.
    Fatal,
    /// Errors (default).
    #[default]
    Error,
    /// Errors and warnings (e.g. unresolved imports at load time).
    Warning,
    /// Debug output.
    Debug,
    /// Everything.
    Verbose,
}

/// Settings for starting the runtime.
#[derive(Debug)]
pub struct RuntimeConfig {
    /// The allocator for all VM memory.
    pub allocator: Allocator,
    /// WAMR's own log verbosity.
    pub log_level: LogLevel,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            allocator: Allocator::System,
            log_level: LogLevel::default(),
        }
    }
}

/// Smallest pool the runtime accepts (WAMR needs a few KiB before it loads anything).
pub const MIN_POOL_SIZE: usize = 8 * 1024;

/// The started runtime. Obtained from [`Runtime::initialize`] or [`Runtime::get`].
#[derive(Debug)]
pub struct Runtime {
    _private: (),
}

static RUNTIME: spin::Once<Runtime> = spin::Once::new();

impl Runtime {
    /// Starts the runtime. Fails with [`RuntimeError::AlreadyInitialized`] if it runs already.
    pub fn initialize(config: RuntimeConfig) -> Result<&'static Runtime, RuntimeError> {
        let mut fresh = false;
        let runtime = RUNTIME.try_call_once(|| {
            fresh = true;
            start(config)
        })?;
        if fresh {
            Ok(runtime)
        } else {
            Err(RuntimeError::AlreadyInitialized)
        }
    }

    /// Returns the running runtime, starting it with `config()` if nobody did yet.
    pub fn get_or_initialize(
        config: impl FnOnce() -> RuntimeConfig,
    ) -> Result<&'static Runtime, RuntimeError> {
        RUNTIME.try_call_once(|| start(config()))
    }

    /// Returns the running runtime.
    pub fn get() -> Result<&'static Runtime, RuntimeError> {
        RUNTIME.get().ok_or(RuntimeError::NotInitialized)
    }

    /// How much memory the VM holds, whatever the allocator.
    pub fn memory_usage(&self) -> MemoryUsage {
        allocation::usage()
    }

    /// Makes the calling thread ready to run guests.
    ///
    /// Every entry point of this crate calls it, so embedders need not; it is public for
    /// kernels that want to prepare a task before its first guest call.
    pub fn attach_current_thread(&self) {
        thread_env::ensure();
    }
}

/// Memory held by the VM, in bytes requested by WAMR (allocator bookkeeping excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Bytes currently allocated.
    pub in_use: usize,
    /// Most bytes ever allocated at once.
    pub peak: usize,
    /// The pool size, for the pool allocators.
    pub capacity: Option<usize>,
}

fn start(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
    allocation::install(config.allocator)?;
    let mut args = sys::RuntimeInitArgs {
        running_mode: sys::Mode_Interp,
        mem_alloc_type: sys::Alloc_With_Allocator,
        ..Default::default()
    };
    args.mem_alloc_option.allocator = allocation::callbacks();
    // SAFETY: `args` is fully initialised; `try_call_once` guarantees this runs once.
    if !unsafe { sys::wasm_runtime_full_init(&mut args) } {
        return Err(RuntimeError::InitFailed);
    }
    let level = match config.log_level {
        LogLevel::Fatal => sys::WASM_LOG_LEVEL_FATAL,
        LogLevel::Error => sys::WASM_LOG_LEVEL_ERROR,
        LogLevel::Warning => sys::WASM_LOG_LEVEL_WARNING,
        LogLevel::Debug => sys::WASM_LOG_LEVEL_DEBUG,
        LogLevel::Verbose => sys::WASM_LOG_LEVEL_VERBOSE,
    };
    // SAFETY: the runtime is initialised; this only sets a global verbosity.
    unsafe { sys::wasm_runtime_set_log_level(level) };
    thread_env::mark_initialising_thread();
    Ok(Runtime { _private: () })
}

/// WAMR's allocator callbacks, routed to the allocator chosen at start.
mod allocation {
    use core::alloc::Layout;
    use core::ffi::{c_uint, c_void};
    use core::ptr::{self, NonNull};
    use core::sync::atomic::{AtomicUsize, Ordering};

    use linked_list_allocator::Heap;
    use vm_host::memory::MemoryAdapter;
    use wamrx_sys as sys;

    use super::{Allocator, MIN_POOL_SIZE, MemoryUsage};
    use crate::error::RuntimeError;

    enum Backend {
        Global,
        Pool {
            heap: spin::Mutex<Heap>,
            size: usize,
        },
        Adapter(&'static dyn MemoryAdapter),
    }

    static BACKEND: spin::Once<Backend> = spin::Once::new();
    static IN_USE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    /// WAMR's `mem_alloc_usage_t` (runtime data or linear memory), a C enum; `wamrx-sys`
    /// does not generate a binding for it.
    type AllocationUsage = c_uint;
    /// `Alloc_For_LinearMemory`: the block is (or becomes) a guest's linear memory.
    const FOR_LINEAR_MEMORY: AllocationUsage = 1;

    /// WAMR's callbacks get no size on free, so each block carries its size in a header.
    ///
    /// 8 bytes (a `usize` on every target, padded on 32-bit ones) keeps the payload 8-aligned,
    /// which is all WAMR asks of an allocator: its own pool allocator gives 8-byte alignment,
    /// no WAMR type is aligned beyond 8 bytes, and 8 is the alignment it asserts for linear
    /// memories. A loaded module is several hundred small blocks, so every header byte counts
    /// in a small pool.
    const HEADER: usize = 8;
    const _: () = assert!(core::mem::size_of::<usize>() <= HEADER);

    pub(super) fn install(allocator: Allocator) -> Result<(), RuntimeError> {
        let backend = match allocator {
            Allocator::System => Backend::Global,
            Allocator::Adapter(adapter) => Backend::Adapter(adapter),
            Allocator::Pool { size } => {
                check_pool_size(size)?;
                let layout = Layout::from_size_align(size, HEADER)
                    .map_err(|_| RuntimeError::PoolAllocationFailed { size })?;
                // SAFETY: `layout` has a non-zero size (checked by `check_pool_size`).
                let buffer = unsafe { alloc::alloc::alloc(layout) };
                if buffer.is_null() {
                    return Err(RuntimeError::PoolAllocationFailed { size });
                }
                // The pool is never freed: the runtime lives as long as the process.
                // SAFETY: `buffer` is a fresh allocation of `size` bytes used only by the heap.
                pool(unsafe { core::slice::from_raw_parts_mut(buffer, size) })
            }
            Allocator::PoolBuffer(buffer) => {
                check_pool_size(buffer.len())?;
                pool(buffer)
            }
        };
        BACKEND.call_once(|| backend);
        Ok(())
    }

    fn pool(buffer: &'static mut [u8]) -> Backend {
        let size = buffer.len();
        let mut heap = Heap::empty();
        // SAFETY: the buffer is `'static`, exclusively borrowed and handed over for good.
        unsafe { heap.init(buffer.as_mut_ptr(), size) };
        Backend::Pool {
            heap: spin::Mutex::new(heap),
            size,
        }
    }

    fn check_pool_size(size: usize) -> Result<(), RuntimeError> {
        if size >= MIN_POOL_SIZE {
            Ok(())
        } else {
            Err(RuntimeError::InvalidPoolSize {
                size,
                min: MIN_POOL_SIZE,
            })
        }
    }

    pub(super) fn callbacks() -> sys::MemAllocOption__bindgen_ty_2 {
        sys::MemAllocOption__bindgen_ty_2 {
            malloc_func: wamr_malloc as *mut c_void,
            realloc_func: wamr_realloc as *mut c_void,
            free_func: wamr_free as *mut c_void,
            user_data: ptr::null_mut(),
        }
    }

    pub(super) fn usage() -> MemoryUsage {
        let in_use = IN_USE.load(Ordering::Relaxed);
        MemoryUsage {
            in_use,
            // The current amount may be the peak: `account` records peaks only on decreases.
            peak: PEAK.load(Ordering::Relaxed).max(in_use),
            capacity: match BACKEND.get() {
                Some(Backend::Pool { size, .. }) => Some(*size),
                _ => None,
            },
        }
    }

    fn block_layout(size: usize) -> Option<Layout> {
        Layout::from_size_align(size.checked_add(HEADER)?, HEADER).ok()
    }

    fn allocate(layout: Layout) -> Option<NonNull<u8>> {
        match BACKEND.get()? {
            // SAFETY: `layout` is never zero-sized (it includes the header).
            Backend::Global => NonNull::new(unsafe { alloc::alloc::alloc(layout) }),
            Backend::Pool { heap, .. } => heap.lock().allocate_first_fit(layout).ok(),
            Backend::Adapter(adapter) => adapter.allocate(layout),
        }
    }

    /// # Safety
    /// `block` must come from `allocate` with `layout`.
    unsafe fn deallocate(block: NonNull<u8>, layout: Layout) {
        match BACKEND.get() {
            // SAFETY: per the contract, allocated by the global allocator with `layout`.
            Some(Backend::Global) => unsafe { alloc::alloc::dealloc(block.as_ptr(), layout) },
            // SAFETY: per the contract, allocated from this heap with `layout`.
            Some(Backend::Pool { heap, .. }) => unsafe { heap.lock().deallocate(block, layout) },
            // SAFETY: per the contract, allocated by this adapter with `layout`.
            Some(Backend::Adapter(adapter)) => unsafe { adapter.deallocate(block, layout) },
            None => {}
        }
    }

    /// Records one allocation, free or reallocation: `added` bytes now in use, `removed` no
    /// longer. WAMR allocates thousands of blocks while loading a module, so this costs one
    /// atomic read-modify-write, plus a second only when a decrease reveals a new peak.
    ///
    /// The peak is taken on decreases: the amount in use can only reach a maximum just before
    /// it goes down again, or be at one now (which [`usage`] adds). So the value a decrease
    /// replaces is the only candidate, and growth, the common case while a module loads,
    /// touches `PEAK` not at all.
    fn account(added: usize, removed: usize) {
        if added >= removed {
            IN_USE.fetch_add(added - removed, Ordering::Relaxed);
            return;
        }
        let before = IN_USE.fetch_sub(removed - added, Ordering::Relaxed);
        if before > PEAK.load(Ordering::Relaxed) {
            PEAK.fetch_max(before, Ordering::Relaxed);
        }
    }

    /// Writes the header and returns the payload pointer.
    ///
    /// # Safety
    /// `block` must be a live block of at least `HEADER + size` bytes, `HEADER`-aligned.
    unsafe fn finish(block: NonNull<u8>, size: usize) -> *mut c_void {
        // SAFETY: the header fits at the block's start and the payload follows it.
        unsafe {
            block.as_ptr().cast::<usize>().write(size);
            block.as_ptr().add(HEADER).cast()
        }
    }

    /// The block and payload size behind a payload pointer.
    ///
    /// # Safety
    /// `payload` must come from `wamr_malloc` / `wamr_realloc` and still be live.
    unsafe fn header_of(payload: *mut c_void) -> (NonNull<u8>, usize) {
        // SAFETY: per the contract, the header lies `HEADER` bytes before the payload, in the
        // same allocation, and holds the `usize` written by `finish`.
        unsafe {
            let block = payload.cast::<u8>().sub(HEADER);
            (NonNull::new_unchecked(block), block.cast::<usize>().read())
        }
    }

    /// Allocates a block whose bytes are all zero.
    ///
    /// The global allocator is asked for zeroed memory directly: for a large block the
    /// platform `calloc` maps fresh pages that are zero already, so pages the guest never
    /// touches never become resident (as with WAMR's own `mmap`ed linear memory), where
    /// zeroing them by hand would commit every one of them.
    fn allocate_zeroed(layout: Layout) -> Option<NonNull<u8>> {
        if let Some(Backend::Global) = BACKEND.get() {
            // SAFETY: `layout` is never zero-sized (it includes the header).
            return NonNull::new(unsafe { alloc::alloc::alloc_zeroed(layout) });
        }
        let block = allocate(layout)?;
        // SAFETY: `block` was just allocated with `layout.size()` writable bytes.
        unsafe { ptr::write_bytes(block.as_ptr(), 0, layout.size()) };
        Some(block)
    }

    extern "C" fn wamr_malloc(usage: AllocationUsage, size: c_uint) -> *mut c_void {
        let size = size as usize;
        // WAMR expects linear memory to start zeroed, as `mmap` would give it: a guest must
        // neither see another guest's or the host's old data nor run on garbage.
        let allocate_block = if usage == FOR_LINEAR_MEMORY {
            allocate_zeroed
        } else {
            allocate
        };
        let Some(block) = block_layout(size).and_then(allocate_block) else {
            return ptr::null_mut();
        };
        account(size, 0);
        // SAFETY: `block` was just allocated with room for the header and `size` bytes.
        unsafe { finish(block, size) }
    }

    extern "C" fn wamr_realloc(
        usage: AllocationUsage,
        _full_size_mapped: bool,
        payload: *mut c_void,
        size: c_uint,
    ) -> *mut c_void {
        if payload.is_null() {
            return wamr_malloc(usage, size);
        }
        let new_size = size as usize;
        // SAFETY: WAMR only passes live pointers our callbacks returned.
        let (old_block, old_size) = unsafe { header_of(payload) };
        let (Some(old_layout), Some(new_layout)) = (block_layout(old_size), block_layout(new_size))
        else {
            return ptr::null_mut();
        };
        let new_block = match BACKEND.get() {
            // SAFETY: `old_block` came from the global allocator with `old_layout`; the new
            // size is non-zero and was checked to form a valid layout.
            Some(Backend::Global) => NonNull::new(unsafe {
                alloc::alloc::realloc(old_block.as_ptr(), old_layout, new_layout.size())
            }),
            // SAFETY: `old_block` came from this adapter with `old_layout`.
            Some(Backend::Adapter(adapter)) => unsafe {
                adapter.reallocate(old_block, old_layout, new_layout.size())
            },
            Some(Backend::Pool { .. }) => {
                let Some(new_block) = allocate(new_layout) else {
                    return ptr::null_mut();
                };
                // SAFETY: both blocks are live, distinct, and hold at least the smaller
                // payload; the old block is freed with the layout it was allocated with.
                unsafe {
                    ptr::copy_nonoverlapping(
                        old_block.as_ptr().add(HEADER),
                        new_block.as_ptr().add(HEADER),
                        old_size.min(new_size),
                    );
                    deallocate(old_block, old_layout);
                }
                Some(new_block)
            }
            None => None,
        };
        let Some(new_block) = new_block else {
            return ptr::null_mut();
        };
        account(new_size, old_size);
        // SAFETY: `new_block` is live with room for the header and `new_size` bytes.
        let payload = unsafe { finish(new_block, new_size) };
        if usage == FOR_LINEAR_MEMORY && new_size > old_size {
            // `memory.grow` must give the guest zeroed pages (see `wamr_malloc`).
            // SAFETY: bytes `old_size..new_size` of the payload are live and writable.
            unsafe { ptr::write_bytes(payload.cast::<u8>().add(old_size), 0, new_size - old_size) };
        }
        payload
    }

    extern "C" fn wamr_free(_usage: AllocationUsage, payload: *mut c_void) {
        if payload.is_null() {
            return;
        }
        // SAFETY: WAMR only frees live pointers our callbacks returned.
        let (block, size) = unsafe { header_of(payload) };
        if let Some(layout) = block_layout(size) {
            account(0, size);
            // SAFETY: `block` was allocated with exactly this layout.
            unsafe { deallocate(block, layout) };
        }
    }
}

/// WAMR wants `wasm_runtime_init_thread_env` on every thread that runs wasm other than the
/// one that started the runtime, and `wasm_runtime_destroy_thread_env` before such a thread
/// ends.
#[cfg(feature = "std")]
mod thread_env {
    extern crate std;
    use core::cell::Cell;
    use wamrx_sys as sys;

    /// Destroys the thread's WAMR environment when the thread ends.
    struct Attachment {
        attached: Cell<bool>,
    }

    impl Drop for Attachment {
        fn drop(&mut self) {
            if self.attached.get() {
                // SAFETY: this thread initialised its environment and runs no wasm anymore.
                unsafe { sys::wasm_runtime_destroy_thread_env() };
            }
        }
    }

    std::thread_local! {
        static ATTACHMENT: Attachment = const { Attachment { attached: Cell::new(false) } };
        static IS_INITIALISING_THREAD: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn mark_initialising_thread() {
        IS_INITIALISING_THREAD.with(|flag| flag.set(true));
    }

    pub(crate) fn ensure() {
        if IS_INITIALISING_THREAD.with(Cell::get) {
            return;
        }
        // `try_with` fails only while the thread is being torn down; WAMR calls cannot
        // happen then, so skipping is correct.
        let _ = ATTACHMENT.try_with(|attachment| {
            // SAFETY: the runtime is initialised (callers hold a `Runtime`-derived object).
            if !attachment.attached.get() && unsafe { sys::wasm_runtime_init_thread_env() } {
                attachment.attached.set(true);
            }
        });
    }
}

/// Without `std` there are no thread-exit hooks: the environment is initialised on first use
/// where WAMR can tell it is missing, and kernels tear tasks down with their own hooks.
#[cfg(not(feature = "std"))]
mod thread_env {
    use wamrx_sys as sys;

    pub(super) fn mark_initialising_thread() {}

    pub(crate) fn ensure() {
        // SAFETY: the runtime is initialised (callers hold a `Runtime`-derived object).
        unsafe {
            if !sys::wasm_runtime_thread_env_inited() {
                sys::wasm_runtime_init_thread_env();
            }
        }
    }
}

pub(crate) use thread_env::ensure as ensure_thread_env;
