//! Reference-counted cells with a cheap uniqueness test, typed and type-erased.
//!
//! `std::sync::Arc` would do, but every write to a context first asks "am I the only owner?"
//! at up to three levels (context map, struct entry, field value), and `Arc::get_mut` answers
//! with a compare-and-swap on the weak count. These cells have no weak count, so the answer is
//! a single `Acquire` load, which is what keeps a field write close to a `thread_local!` write
//! (see `BENCHMARKS.md`). The header also carries a drop function, so a context map can hold
//! the values of many different `#[async_local]` structs behind one pointer type ([`Erased`])
//! and still free them correctly.
//!
//! Every `unsafe` block states why it is sound, and the module's tests run under Miri
//! (`scripts/miri.sh`).

use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering, fence};
use std::alloc::Layout;

use crate::cell_pool;

/// A reference count this high means clones are leaking; abort like `Arc` does rather than
/// risk an overflow that would free a value that is still in use.
const MAX_COUNT: usize = isize::MAX as usize;

#[repr(C)]
struct Header {
    count: AtomicUsize,
    /// Frees the whole allocation; knows the concrete type the cell was created with.
    drop_cell: unsafe fn(NonNull<Header>),
    /// For context entries: makes the variant a child task inherits (see `table.rs`).
    for_child: Option<ForChild>,
}

/// Makes, from a context entry, the entry a child task inherits instead, or `None` to share it
/// as it is. Only ever called with the entry it was stored in (see `CowArc::new_entry`).
pub type ForChild = unsafe fn(&Erased) -> Option<Erased>;

/// `repr(C)` puts the header at offset 0, so a pointer to the cell is also a valid pointer to
/// its header and back.
#[repr(C)]
struct Cell<T> {
    header: Header,
    value: T,
}

/// # Safety
///
/// `ptr` must point to a `Cell<T>` made by [`CowArc::new`] (through `cell_pool`), and the last
/// reference to it must be going away.
unsafe fn drop_cell<T>(ptr: NonNull<Header>) {
    // SAFETY: passed on from the caller; the cast is valid because of `repr(C)` (header at
    // offset 0), and the pointer keeps the provenance of the whole allocation (it was made by
    // casting the cell's pointer, never by borrowing the header field).
    unsafe { free_cell(ptr.cast::<Cell<T>>()) }
}

/// Drops the cell's value and gives its memory back, also if the value's `Drop` panics.
///
/// # Safety
///
/// `cell` must have been made by [`CowArc::new`] and nothing may use it afterwards.
unsafe fn free_cell<T>(cell: NonNull<Cell<T>>) {
    // SAFETY: made by `cell_pool::allocate` with this layout (`CowArc::with_hook`); nothing
    // uses it after this call (the caller's contract).
    let _memory = unsafe { cell_pool::FreeOnDrop::new(cell.cast(), Layout::new::<Cell<T>>()) };
    // SAFETY: the cell holds an initialised value that nothing else refers to (the caller's
    // contract); it is dropped once, here.
    unsafe { core::ptr::drop_in_place(cell.as_ptr()) }
}

#[inline]
fn increment(header: &Header) {
    // Relaxed is enough for an increment: a new reference can only be made from an existing
    // one, whose owner keeps the cell alive meanwhile (same argument as `Arc::clone`).
    let old = header.count.fetch_add(1, Ordering::Relaxed);
    if old > MAX_COUNT {
        std::process::abort();
    }
}

/// Decrements the count; returns true if this was the last reference, in which case the
/// caller must free the cell.
#[inline]
fn decrement(header: &Header) -> bool {
    if header.count.fetch_sub(1, Ordering::Release) != 1 {
        return false;
    }
    // Pairs with the `Release` decrements of the other owners, so that their last uses of the
    // value happen before we free it (same argument as `Arc::drop`).
    fence(Ordering::Acquire);
    true
}

/// A shared, immutable value of type `T` with copy-on-write access.
pub struct CowArc<T> {
    ptr: NonNull<Cell<T>>,
    /// Owns a `Cell<T>` for the drop checker and variance.
    _owns: PhantomData<Cell<T>>,
}

// SAFETY: a `CowArc<T>` gives out `&T` to every thread that holds a clone and `&mut T` only
// when it is the sole owner, exactly like `Arc<T>`, so it needs the same bounds.
unsafe impl<T: Send + Sync> Send for CowArc<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for CowArc<T> {}

impl<T> CowArc<T> {
    pub(crate) fn new(value: T) -> Self {
        CowArc::with_hook(value, None)
    }

    /// A context entry whose type-specific [`ForChild`] hook is `for_child`.
    pub(crate) fn new_entry(value: T, for_child: Option<ForChild>) -> Erased {
        CowArc::with_hook(value, for_child).erase()
    }

    fn with_hook(value: T, for_child: Option<ForChild>) -> Self {
        let ptr = cell_pool::allocate(Layout::new::<Cell<T>>()).cast::<Cell<T>>();
        let cell = Cell {
            header: Header {
                count: AtomicUsize::new(1),
                drop_cell: drop_cell::<T>,
                for_child,
            },
            value,
        };
        // SAFETY: fresh memory with `Cell<T>`'s layout, which nothing else refers to.
        unsafe { ptr.as_ptr().write(cell) };
        CowArc {
            ptr,
            _owns: PhantomData,
        }
    }

    #[inline]
    fn cell(&self) -> &Cell<T> {
        // SAFETY: `self` holds a reference, so the cell is alive; only shared access happens
        // through `&self`.
        unsafe { self.ptr.as_ref() }
    }

    /// True if no other `CowArc` or [`Erased`] points to this value.
    #[inline(always)]
    pub(crate) fn is_unique(&self) -> bool {
        // Acquire: if another owner just dropped its reference, its uses of the value happen
        // before whatever we do with exclusive access next.
        self.cell().header.count.load(Ordering::Acquire) == 1
    }

    /// `&mut T` if this is the only reference.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self) -> Option<&mut T> {
        if self.is_unique() {
            // SAFETY: the count is 1 and we hold `&mut self`, so no other reference exists and
            // none can be created while the returned borrow lives.
            Some(unsafe { &mut (*self.ptr.as_ptr()).value })
        } else {
            None
        }
    }

    /// `&mut T`, first replacing `self` by a private copy if the value is shared. The
    /// reference that was replaced is returned in `refs` rather than dropped here: dropping
    /// it could run user code (if another owner let go meanwhile), and the caller may be
    /// holding borrows that such code must not observe.
    #[inline]
    pub(crate) fn make_mut(&mut self, refs: &mut Option<CowArc<T>>) -> &mut T
    where
        T: Clone,
    {
        if !self.is_unique() {
            let copy = CowArc::new(T::clone(self));
            *refs = Some(core::mem::replace(self, copy));
        }
        // SAFETY: either the count was 1 (checked above) or `self` was just replaced by a new
        // cell with count 1; `&mut self` prevents new references meanwhile.
        unsafe { &mut (*self.ptr.as_ptr()).value }
    }

    /// The value itself if this is the only reference, otherwise `self` back.
    pub(crate) fn try_unwrap(self) -> Result<T, Self> {
        if !self.is_unique() {
            return Err(self);
        }
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: we are the only owner (count 1, and `self` was consumed), so we may move the
        // value out and give the memory back without running `CowArc::drop`; the header has
        // no drop glue, and the value is read once, then never used in the cell again.
        unsafe {
            let value = core::ptr::addr_of!((*this.ptr.as_ptr()).value).read();
            cell_pool::free(this.ptr.cast(), Layout::new::<Cell<T>>());
            Ok(value)
        }
    }

    /// The value, cloned only if another reference still shares it.
    pub(crate) fn unwrap_or_clone(self) -> T
    where
        T: Clone,
    {
        self.try_unwrap().unwrap_or_else(|shared| T::clone(&shared))
    }

    pub(crate) fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }

    /// Forgets the static type; [`Erased::downcast_ref`] gets it back.
    pub(crate) fn erase(self) -> Erased {
        let this = core::mem::ManuallyDrop::new(self);
        Erased {
            ptr: this.ptr.cast::<Header>(),
        }
    }
}

impl<T> Deref for CowArc<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.cell().value
    }
}

impl<T> Clone for CowArc<T> {
    #[inline]
    fn clone(&self) -> Self {
        increment(&self.cell().header);
        CowArc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for CowArc<T> {
    #[inline]
    fn drop(&mut self) {
        if decrement(&self.cell().header) {
            // SAFETY: that was the last reference; the cell came from `CowArc::new`.
            unsafe { free_cell(self.ptr) }
        }
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for CowArc<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        T::fmt(self, f)
    }
}

/// A [`CowArc`] whose value type is known only to whoever created it.
///
/// Not `Send`/`Sync` by itself: the containers that hold `Erased` values decide that, from the
/// bounds they put on what may be erased into them.
pub struct Erased {
    ptr: NonNull<Header>,
}

impl Erased {
    #[inline]
    fn header(&self) -> &Header {
        // SAFETY: `self` holds a reference, so the cell (and its header at offset 0) is alive.
        unsafe { self.ptr.as_ref() }
    }

    /// The value, as the type it was created with.
    ///
    /// # Safety
    ///
    /// `T` must be the type of the [`CowArc`] that was erased into `self`.
    #[inline]
    pub(crate) unsafe fn downcast_ref<T>(&self) -> &T {
        // SAFETY: the caller guarantees the cell is a `Cell<T>`; it is alive while `self` is.
        unsafe { &(*self.ptr.cast::<Cell<T>>().as_ptr()).value }
    }

    /// `&mut T` if this is the only reference to the value.
    ///
    /// # Safety
    ///
    /// `T` must be the type of the [`CowArc`] that was erased into `self`.
    #[inline(always)]
    pub(crate) unsafe fn get_mut<T>(&mut self) -> Option<&mut T> {
        if self.header().count.load(Ordering::Acquire) != 1 {
            return None;
        }
        // SAFETY: the count is 1 and we hold `&mut self`, so no other reference exists and
        // none can be created while the borrow lives; the caller guarantees the type.
        Some(unsafe { &mut (*self.ptr.cast::<Cell<T>>().as_ptr()).value })
    }

    /// `&mut T`, first replacing `self` by a private copy if the value is shared; see
    /// [`CowArc::make_mut`] for why the replaced reference goes to `refs`.
    ///
    /// # Safety
    ///
    /// `T` must be the type of the [`CowArc`] that was erased into `self`.
    #[inline]
    pub(crate) unsafe fn make_mut<T: Clone>(&mut self, refs: &mut Option<Erased>) -> &mut T {
        if self.header().count.load(Ordering::Acquire) != 1 {
            // SAFETY: the caller guarantees the type.
            let value = T::clone(unsafe { self.downcast_ref::<T>() });
            let copy = CowArc::with_hook(value, self.header().for_child).erase();
            *refs = Some(core::mem::replace(self, copy));
        }
        // SAFETY: the count is 1 (checked, or a fresh copy), we hold `&mut self`, and the
        // caller guarantees the type.
        unsafe { &mut (*self.ptr.cast::<Cell<T>>().as_ptr()).value }
    }

    /// The entry's [`ForChild`] hook, if it has one.
    #[inline]
    pub(crate) fn for_child(&self) -> Option<ForChild> {
        self.header().for_child
    }
}

impl Clone for Erased {
    #[inline]
    fn clone(&self) -> Self {
        increment(self.header());
        Erased { ptr: self.ptr }
    }
}

impl Drop for Erased {
    #[inline]
    fn drop(&mut self) {
        if decrement(self.header()) {
            let drop_cell = self.header().drop_cell;
            // SAFETY: that was the last reference, and `drop_cell` was stored by
            // `CowArc::<T>::new` for the very type the cell holds.
            unsafe { drop_cell(self.ptr) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    struct CountDrops(Arc<AtomicUsize>);
    impl Drop for CountDrops {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn clone_shares_and_make_mut_copies() {
        let mut a = CowArc::new(String::from("a"));
        let b = a.clone();
        assert!(!a.is_unique());
        let mut refs = None;
        a.make_mut(&mut refs).push('!');
        assert_eq!(&*a, "a!");
        assert_eq!(&*b, "a");
        assert!(CowArc::ptr_eq(refs.as_ref().unwrap(), &b));
        drop(refs);
        assert!(b.is_unique());
        assert!(a.is_unique());
    }

    #[test]
    fn make_mut_on_unique_value_writes_in_place() {
        let mut a = CowArc::new(vec![1]);
        let before = a.ptr;
        let mut refs = None;
        a.make_mut(&mut refs).push(2);
        assert!(refs.is_none());
        assert_eq!(a.ptr, before);
        assert_eq!(*a, [1, 2]);
    }

    #[test]
    fn try_unwrap_moves_out_only_when_unique() {
        let a = CowArc::new(String::from("x"));
        let b = a.clone();
        let a = a.try_unwrap().unwrap_err();
        drop(b);
        assert_eq!(a.try_unwrap().unwrap(), "x");
        let c = CowArc::new(String::from("y"));
        let d = c.clone();
        assert_eq!(c.unwrap_or_clone(), "y");
        assert_eq!(d.unwrap_or_clone(), "y");
    }

    #[test]
    fn erased_values_are_dropped_exactly_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let e = CowArc::new(CountDrops(drops.clone())).erase();
        let e2 = e.clone();
        drop(e);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(e2);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn erased_make_mut_copies_shared_values() {
        let mut e = CowArc::new(vec![1u8]).erase();
        let keep = e.clone();
        let mut refs = None;
        // SAFETY: `e` was erased from a `CowArc<Vec<u8>>`.
        unsafe { e.make_mut::<Vec<u8>>(&mut refs) }.push(2);
        assert!(refs.is_some());
        // SAFETY: same type.
        unsafe {
            assert_eq!(e.downcast_ref::<Vec<u8>>(), &[1, 2]);
            assert_eq!(keep.downcast_ref::<Vec<u8>>(), &[1]);
        }
        drop(refs);
        let mut refs = None;
        // SAFETY: same type; unique now, so written in place.
        unsafe { e.make_mut::<Vec<u8>>(&mut refs) }.push(3);
        assert!(refs.is_none());
    }

    #[test]
    fn concurrent_clones_and_drops_free_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let shared = CowArc::new(CountDrops(drops.clone()));
        std::thread::scope(|s| {
            for _ in 0..4 {
                let mine = shared.clone();
                s.spawn(move || {
                    let mut local = Vec::new();
                    for _ in 0..50 {
                        local.push(mine.clone());
                    }
                    drop(local);
                    drop(mine);
                });
            }
        });
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(shared);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }
}
