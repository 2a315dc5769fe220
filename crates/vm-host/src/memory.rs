//! The memory adapter: where the VM's own memory comes from.
//!
//! WAMR allocates everything (modules, instances, linear memories, execution stacks) through
//! one allocator chosen when the runtime starts. A kernel that wants all VM memory to come
//! from its own heap — or from a dedicated region — implements [`MemoryAdapter`] and hands
//! it to the runtime.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

/// An allocator the VM runtime can draw all of its memory from.
///
/// The shape follows [`GlobalAlloc`] so that any kernel heap already usable as a Rust global
/// allocator can be adapted with [`GlobalAllocAdapter`]. Unlike `GlobalAlloc`, failure is
/// reported with `None` rather than a null pointer.
///
/// # Safety
///
/// Implementations must behave like a correct allocator: a returned block is valid for
/// reads and writes of `layout.size()` bytes, aligned to `layout.align()`, and not handed
/// out again until it is deallocated. The adapter is called from any thread that runs
/// guests, so it must be thread safe (hence `Sync`).
pub unsafe trait MemoryAdapter: Sync {
    /// Allocates a block for `layout`, or returns `None` when memory is exhausted.
    fn allocate(&self, layout: Layout) -> Option<NonNull<u8>>;

    /// Returns a block to the allocator.
    ///
    /// # Safety
    ///
    /// `pointer` must come from [`MemoryAdapter::allocate`] (or `reallocate`) of this adapter
    /// with the same `layout`, and must not be used afterwards.
    unsafe fn deallocate(&self, pointer: NonNull<u8>, layout: Layout);

    /// Grows or shrinks a block, keeping its contents up to the smaller size.
    ///
    /// Returns `None` (leaving the old block untouched) when memory is exhausted.
    /// The default allocates a new block, copies and frees the old one.
    ///
    /// # Safety
    ///
    /// `pointer` must come from this adapter with `layout`; `new_size` must be non-zero and,
    /// rounded up to `layout.align()`, must not overflow `isize`.
    unsafe fn reallocate(
        &self,
        pointer: NonNull<u8>,
        layout: Layout,
        new_size: usize,
    ) -> Option<NonNull<u8>> {
        let new_layout = Layout::from_size_align(new_size, layout.align()).ok()?;
        let new_pointer = self.allocate(new_layout)?;
        // SAFETY: both blocks are valid for the smaller of the two sizes and cannot overlap,
        // because `new_pointer` is a fresh allocation and `pointer` is still live.
        unsafe {
            core::ptr::copy_nonoverlapping(
                pointer.as_ptr(),
                new_pointer.as_ptr(),
                layout.size().min(new_size),
            );
            self.deallocate(pointer, layout);
        }
        Some(new_pointer)
    }
}

/// Adapts any [`GlobalAlloc`] (for example the kernel's global heap) into a [`MemoryAdapter`].
#[derive(Debug, Default, Clone, Copy)]
pub struct GlobalAllocAdapter<A>(pub A);

// SAFETY: forwards to a `GlobalAlloc`, whose contract is the same as `MemoryAdapter`'s.
unsafe impl<A: GlobalAlloc + Sync> MemoryAdapter for GlobalAllocAdapter<A> {
    fn allocate(&self, layout: Layout) -> Option<NonNull<u8>> {
        if layout.size() == 0 {
            return None;
        }
        // SAFETY: `layout` has a non-zero size, checked above.
        NonNull::new(unsafe { self.0.alloc(layout) })
    }

    unsafe fn deallocate(&self, pointer: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller guarantees `pointer` was allocated by this adapter with `layout`.
        unsafe { self.0.dealloc(pointer.as_ptr(), layout) }
    }

    unsafe fn reallocate(
        &self,
        pointer: NonNull<u8>,
        layout: Layout,
        new_size: usize,
    ) -> Option<NonNull<u8>> {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which is ours.
        NonNull::new(unsafe { self.0.realloc(pointer.as_ptr(), layout, new_size) })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn global_alloc_adapter_round_trips_and_preserves_contents() {
        let adapter = GlobalAllocAdapter(std::alloc::System);
        let layout = Layout::from_size_align(16, 8).unwrap();
        let block = adapter.allocate(layout).unwrap();
        // SAFETY: `block` is a live 16-byte allocation.
        unsafe {
            block
                .as_ptr()
                .copy_from_nonoverlapping([7u8; 16].as_ptr(), 16);
            let grown = adapter.reallocate(block, layout, 64).unwrap();
            assert_eq!(core::slice::from_raw_parts(grown.as_ptr(), 16), &[7u8; 16]);
            adapter.deallocate(grown, Layout::from_size_align(64, 8).unwrap());
        }
    }

    #[test]
    fn zero_sized_allocations_are_refused() {
        let adapter = GlobalAllocAdapter(std::alloc::System);
        assert!(
            adapter
                .allocate(Layout::from_size_align(0, 1).unwrap())
                .is_none()
        );
    }
}
