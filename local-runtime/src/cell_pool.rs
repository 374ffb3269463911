//! Memory for [`CowArc`](crate::cow_arc::CowArc) cells: a small per-thread cache of freed
//! cells in front of the global allocator.
//!
//! A context is made of a few small cells (the table, one per struct, one per field value),
//! and the short-lived ones are made and freed over and over: every request's context, every
//! scoped override, every copy after a snapshot. With the system allocator a `malloc` and
//! `free` pair costs about 150 instructions, more than all the rest of a scoped override.
//! Freed cells of up to [`MAX_SIZE`] bytes are therefore kept, per thread, on one free list
//! per size class, and handed out again by the next allocation of that class on the thread:
//! up to 128 bytes in 16-byte steps, [`KEEP_SMALL`] cells each (a table, a struct of a few
//! fields, a field's value), then 256, 512 and 1,024 bytes, [`KEEP_LARGE`] cells each (the
//! values of a struct with many fields). A thread keeps at most 50 KiB this way.
//! A cell freed on another thread than the one that made it goes to the freeing thread's
//! cache; every cached cell is returned to the global allocator when its thread exits.
//!
//! Cells of a size class are always allocated with the class's layout (its size, 16-byte
//! alignment), so any of them can serve any allocation of the class and be returned to the
//! global allocator with that layout. Larger or more aligned cells go straight to the global
//! allocator with their own layout, as do all cells while the thread's cache is being torn
//! down.

use core::cell::Cell;
use core::ptr::{self, NonNull};
use std::alloc::{self, Layout};

/// The largest cell kept in a cache, in bytes.
const MAX_SIZE: usize = 1024;
/// Small size classes are multiples of this, up to [`SMALL`]; it is also every class's
/// alignment.
const STEP: usize = 16;
const SMALL: usize = 128;
const SMALL_CLASSES: usize = SMALL / STEP;
/// The classes above [`SMALL`]: powers of two up to [`MAX_SIZE`].
const CLASSES: usize = SMALL_CLASSES + 3;
/// Freed cells kept per thread in each small class, and in each large one.
const KEEP_SMALL: u32 = 64;
const KEEP_LARGE: u32 = 8;

/// One thread's cached cells: for each class, a singly linked list threaded through the free
/// cells themselves (each stores the next one's address in its first bytes).
struct Cache {
    heads: [Cell<*mut u8>; CLASSES],
    lens: [Cell<u32>; CLASSES],
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.release();
    }
}

impl Cache {
    /// Returns every cached cell to the global allocator.
    fn release(&self) {
        for (class, head) in self.heads.iter().enumerate() {
            let mut cell = head.replace(ptr::null_mut());
            while !cell.is_null() {
                // SAFETY: every cell on the list is a free allocation of this class's layout
                // whose first bytes hold the next cell's address (see `free`).
                unsafe {
                    let next = cell.cast::<*mut u8>().read();
                    alloc::dealloc(cell, class_layout(class));
                    cell = next;
                }
            }
            self.lens[class].set(0);
        }
    }
}

/// Returns the cells this thread keeps for reuse to the global allocator. For measurements
/// of what contexts hold (`benches/memory.rs`), which count the global allocator's blocks; not
/// needed otherwise (the cache is bounded, and freed when its thread exits).
pub fn release_cached_cells() {
    let _ = CACHE.try_with(Cache::release);
}

thread_local! {
    static CACHE: Cache = const {
        Cache {
            heads: [const { Cell::new(ptr::null_mut()) }; CLASSES],
            lens: [const { Cell::new(0) }; CLASSES],
        }
    };
}

/// The size class that serves `layout`, if it is small enough to be cached.
#[inline(always)]
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size();
    if size == 0 || size > MAX_SIZE || layout.align() > STEP {
        None
    } else if size <= SMALL {
        Some((size - 1) / STEP)
    } else {
        // 129..=256 -> the first large class, 257..=512 the second, 513..=1024 the third.
        let bits = usize::BITS - (size - 1).leading_zeros();
        Some(SMALL_CLASSES + (bits as usize - 8))
    }
}

#[inline(always)]
fn class_size(class: usize) -> usize {
    if class < SMALL_CLASSES {
        (class + 1) * STEP
    } else {
        256 << (class - SMALL_CLASSES)
    }
}

#[inline(always)]
fn class_layout(class: usize) -> Layout {
    // Every class size is a non-zero multiple of the power-of-two alignment `STEP`.
    match Layout::from_size_align(class_size(class), STEP) {
        Ok(layout) => layout,
        Err(_) => unreachable!("size classes are valid layouts"),
    }
}

/// How many freed cells of `class` a thread keeps.
#[inline(always)]
fn keep(class: usize) -> u32 {
    if class < SMALL_CLASSES {
        KEEP_SMALL
    } else {
        KEEP_LARGE
    }
}

/// Memory for one value of `layout`: a cached cell of its class if this thread has one, else
/// fresh memory from the global allocator. Aborts (via `handle_alloc_error`) if there is none.
#[inline]
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    let Some(class) = class_of(layout) else {
        return global(layout);
    };
    let cached = CACHE
        .try_with(|cache| {
            let head = cache.heads[class].get();
            if head.is_null() {
                return None;
            }
            // SAFETY: `head` is a free cell of this class whose first bytes hold the next
            // cell's address (see `free`); nothing else refers to it.
            let next = unsafe { head.cast::<*mut u8>().read() };
            cache.heads[class].set(next);
            cache.lens[class].set(cache.lens[class].get() - 1);
            NonNull::new(head)
        })
        .ok()
        .flatten();
    match cached {
        Some(cell) => cell,
        None => global(class_layout(class)),
    }
}

#[cold]
#[inline(never)]
fn global(layout: Layout) -> NonNull<u8> {
    // SAFETY: cells always contain their header, so `layout` is never zero-sized.
    let raw = unsafe { alloc::alloc(layout) };
    match NonNull::new(raw) {
        Some(cell) => cell,
        None => alloc::handle_alloc_error(layout),
    }
}

/// Gives back memory from [`allocate`] for the same `layout`: kept in this thread's cache, or
/// returned to the global allocator if the cache of its class is full or gone.
///
/// # Safety
///
/// `cell` must come from [`allocate`] with this `layout`, not be freed yet, and not be used
/// after this call.
#[inline]
pub(crate) unsafe fn free(cell: NonNull<u8>, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: `allocate` took such a layout from the global allocator as is.
        unsafe { alloc::dealloc(cell.as_ptr(), layout) };
        return;
    };
    let kept = CACHE
        .try_with(|cache| {
            let len = cache.lens[class].get();
            if len >= keep(class) {
                return false;
            }
            // SAFETY: the caller gives up `cell`, at least `STEP` bytes aligned to `STEP`
            // (its class's layout): its first bytes may hold the list's link.
            unsafe {
                cell.as_ptr()
                    .cast::<*mut u8>()
                    .write(cache.heads[class].get())
            };
            cache.heads[class].set(cell.as_ptr());
            cache.lens[class].set(len + 1);
            true
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: `allocate` made every cell of this class with the class's layout.
        unsafe { alloc::dealloc(cell.as_ptr(), class_layout(class)) };
    }
}

/// Gives memory from [`allocate`] back when dropped: made before the value in it is dropped,
/// so that the memory is freed also when that value's `Drop` panics.
pub(crate) struct FreeOnDrop {
    cell: NonNull<u8>,
    layout: Layout,
}

impl FreeOnDrop {
    /// # Safety
    ///
    /// `cell` must come from [`allocate`] with this `layout`, not be freed yet, and not be used
    /// once the guard is dropped.
    pub(crate) unsafe fn new(cell: NonNull<u8>, layout: Layout) -> Self {
        FreeOnDrop { cell, layout }
    }
}

impl Drop for FreeOnDrop {
    fn drop(&mut self) {
        // SAFETY: `new`'s contract.
        unsafe { free(self.cell, self.layout) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_cell_is_reused_by_the_next_allocation_of_its_class() {
        let small = Layout::new::<[u64; 3]>();
        let a = allocate(small);
        // SAFETY: from `allocate` with this layout, freed once.
        unsafe { free(a, small) };
        let b = allocate(Layout::new::<[u64; 4]>());
        assert_eq!(a, b, "same class (17..=32 bytes), same thread");
        // SAFETY: as above.
        unsafe { free(b, Layout::new::<[u64; 4]>()) };
    }

    #[test]
    fn size_classes_cover_every_cached_size_with_room_to_spare() {
        for size in 1..=MAX_SIZE {
            let class = class_of(Layout::from_size_align(size, 8).unwrap()).unwrap();
            assert!(class < CLASSES && class_size(class) >= size, "{size}");
            assert!(
                class == 0 || class_size(class - 1) < size,
                "{size}: smallest class"
            );
        }
        let worst: usize = (0..CLASSES).map(|c| class_size(c) * keep(c) as usize).sum();
        assert!(worst <= 80 * 1024, "{worst} bytes kept per thread at most");
    }

    #[test]
    fn large_and_overaligned_cells_bypass_the_cache() {
        let overaligned = Layout::from_size_align(64, 64).unwrap();
        for layout in [Layout::new::<[u8; 4096]>(), overaligned] {
            let cell = allocate(layout);
            assert_eq!(cell.as_ptr() as usize % layout.align(), 0);
            // SAFETY: from `allocate` with this layout, freed once.
            unsafe { free(cell, layout) };
        }
    }

    #[test]
    fn a_cache_keeps_a_bounded_number_of_cells_and_frees_them_at_thread_exit() {
        std::thread::spawn(|| {
            let layout = Layout::new::<[u64; 2]>();
            let cells: Vec<_> = (0..KEEP_SMALL + 10).map(|_| allocate(layout)).collect();
            for &cell in &cells {
                // SAFETY: from `allocate` with this layout, each freed once.
                unsafe { free(cell, layout) };
            }
            CACHE.with(|cache| assert_eq!(cache.lens[0].get(), KEEP_SMALL));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn cells_freed_on_another_thread_are_cached_there() {
        struct Sent(NonNull<u8>);
        // SAFETY: the memory is plain bytes, owned by whoever holds the pointer.
        unsafe impl Send for Sent {}

        let layout = Layout::new::<[u64; 5]>();
        let sent = Sent(allocate(layout));
        std::thread::spawn(move || {
            let cell = { sent }.0;
            // SAFETY: from `allocate` with this layout on the spawning thread, freed once.
            unsafe { free(cell, layout) };
            assert_eq!(allocate(layout), cell);
            // SAFETY: as above.
            unsafe { free(cell, layout) };
        })
        .join()
        .unwrap();
    }
}
