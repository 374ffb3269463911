//! [`Entries`]: a table's entries, one slot per struct index, in memory from `cell_pool`.
//!
//! A `Vec` would do, but its memory comes from the global allocator, and a table is copied
//! (every first write after a snapshot, every scoped override, every request's context) far
//! more often than it grows. Taking the array from the same per-thread cache as the cells
//! saves a `malloc`/`free` pair on each of those copies (see `cell_pool.rs`).

use core::alloc::Layout;
use core::ptr::{self, NonNull};
use core::slice;

use crate::cell_pool;
use crate::cow_arc::Erased;

/// Entries are added in groups of this many, so that a table that gains a few structs one by
/// one does not move its array each time.
const GROW_BY: usize = 4;

/// A fixed-length array of entries (`None`: no values for that struct index), growable.
pub(crate) struct Entries {
    /// `len` initialised entries, in memory from `cell_pool::allocate` with
    /// `Entries::layout(len)`; dangling when `len` is 0 (no memory).
    ptr: NonNull<Option<Erased>>,
    len: usize,
}

impl Entries {
    pub(crate) const fn new() -> Self {
        Entries {
            ptr: NonNull::dangling(),
            len: 0,
        }
    }

    fn layout(len: usize) -> Layout {
        match Layout::array::<Option<Erased>>(len) {
            Ok(layout) => layout,
            // More struct indices than fit in memory: cannot happen, each is a static key.
            Err(_) => panic!("ctxlocal: too many `#[async_local]` structs"),
        }
    }

    /// Memory for `len > 0` entries, uninitialised.
    fn allocate(len: usize) -> NonNull<Option<Erased>> {
        cell_pool::allocate(Entries::layout(len)).cast()
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[Option<Erased>] {
        // SAFETY: `ptr` holds `len` initialised entries (or is dangling with `len` 0, which is
        // a valid empty slice); `&self` keeps them alive and unchanged.
        unsafe { slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    #[inline]
    pub(crate) fn as_mut_slice(&mut self) -> &mut [Option<Erased>] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the access exclusive.
        unsafe { slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// Makes room for an entry at `index` (new entries are `None`).
    #[inline]
    pub(crate) fn reserve_index(&mut self, index: usize) {
        if index >= self.len {
            self.grow(index);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, index: usize) {
        let len = (index / GROW_BY + 1) * GROW_BY;
        let new = Entries::allocate(len);
        // SAFETY: `new` has room for `len > self.len` entries. The old entries are moved
        // (bitwise copied, then their memory freed without dropping them), and the rest are
        // initialised to `None`, so all `len` are initialised before `self` points to them.
        unsafe {
            ptr::copy_nonoverlapping(self.ptr.as_ptr(), new.as_ptr(), self.len);
            for i in self.len..len {
                new.as_ptr().add(i).write(None);
            }
            if self.len != 0 {
                cell_pool::free(self.ptr.cast(), Entries::layout(self.len));
            }
        }
        self.ptr = new;
        self.len = len;
    }
}

impl Clone for Entries {
    fn clone(&self) -> Self {
        if self.len == 0 {
            return Entries::new();
        }
        let ptr = Entries::allocate(self.len);
        for (i, entry) in self.as_slice().iter().enumerate() {
            // SAFETY: `ptr` has room for `self.len` entries; each is written once. Cloning an
            // entry cannot unwind (a reference count increment, which aborts on overflow), so
            // no partly initialised array is ever dropped.
            unsafe { ptr.as_ptr().add(i).write(entry.clone()) };
        }
        Entries { ptr, len: self.len }
    }
}

impl Drop for Entries {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        // SAFETY: from `cell_pool::allocate` with this layout (`Entries::allocate`); the
        // array is not used once its entries are dropped, even if one of their `Drop`s panics
        // (the others are still dropped while that panic unwinds).
        let _memory =
            unsafe { cell_pool::FreeOnDrop::new(self.ptr.cast(), Entries::layout(self.len)) };
        // SAFETY: the `len` entries are initialised and dropped once, here.
        unsafe { ptr::drop_in_place(self.as_mut_slice()) }
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::Entries;
    use crate::cow_arc::{CowArc, Erased};

    fn entry(value: &Rc<u32>) -> Erased {
        CowArc::new(Rc::clone(value)).erase()
    }

    fn value(entry: &Option<Erased>) -> u32 {
        // SAFETY: every entry in these tests is a `CowArc<Rc<u32>>`.
        **unsafe { entry.as_ref().unwrap().downcast_ref::<Rc<u32>>() }
    }

    #[test]
    fn growing_keeps_the_entries_and_adds_empty_ones() {
        let seven = Rc::new(7);
        let mut entries = Entries::new();
        entries.reserve_index(1);
        entries.as_mut_slice()[1] = Some(entry(&seven));
        entries.reserve_index(9);
        assert!(entries.as_slice().len() >= 10);
        assert_eq!(value(&entries.as_slice()[1]), 7);
        assert!(entries.as_slice()[9].is_none() && entries.as_slice()[0].is_none());
        drop(entries);
        assert_eq!(Rc::strong_count(&seven), 1, "dropped once");
    }

    #[test]
    fn a_clone_shares_the_values_and_each_copy_drops_its_own_references() {
        let seven = Rc::new(7);
        let mut entries = Entries::new();
        entries.reserve_index(2);
        entries.as_mut_slice()[2] = Some(entry(&seven));
        let copy = entries.clone();
        entries.as_mut_slice()[2] = None;
        assert_eq!(value(&copy.as_slice()[2]), 7);
        assert_eq!(Rc::strong_count(&seven), 2);
        drop(copy);
        assert_eq!(Rc::strong_count(&seven), 1);
        assert_eq!(Entries::new().clone().as_slice().len(), 0);
    }

    #[test]
    fn a_panicking_drop_of_one_entry_still_drops_the_others_and_frees_the_array() {
        struct Boom;
        impl Drop for Boom {
            fn drop(&mut self) {
                panic!("boom");
            }
        }
        let seven = Rc::new(7);
        let mut entries = Entries::new();
        entries.reserve_index(3);
        entries.as_mut_slice()[0] = Some(CowArc::new(Boom).erase());
        entries.as_mut_slice()[3] = Some(entry(&seven));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(entries)));
        assert!(result.is_err());
        assert_eq!(Rc::strong_count(&seven), 1);
    }
}
