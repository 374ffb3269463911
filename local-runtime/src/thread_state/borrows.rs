//! The borrowing rules of thread state (see the parent module's docs): readers mark the
//! current tables borrowed, the first write to a borrowed table parks it, and the end of a read
//! releases what it parked that no enclosing reader still needs.

use super::{State, TableRef, with_state};
use crate::cow_arc::CowArc;
use crate::mode::{AnyThread, ThisThread};
use crate::table::Table;

/// `State::reads`: a reader may borrow from the current default-mode table, not parked yet.
pub(super) const DEFAULT_BORROWED: usize = 1;
/// `State::reads`: a reader may borrow from the current thread-critical table, not parked yet.
pub(super) const TC_BORROWED: usize = 2;
pub(super) const BORROWED: usize = DEFAULT_BORROWED | TC_BORROWED;
/// `State::reads`: the `parked` stack's height is stored above this many bits.
pub(super) const PARK_SHIFT: u32 = 2;

/// A table kept alive, unmodified, while a reader may be borrowing from it.
pub enum Parked {
    AnyThread(#[allow(dead_code)] CowArc<Table<AnyThread>>),
    ThisThread(#[allow(dead_code)] CowArc<Table<ThisThread>>),
}

impl Parked {
    /// The [`State::reads`] bit of this grave's kind of table.
    fn kind_bit(&self) -> usize {
        match self {
            Parked::AnyThread(_) => DEFAULT_BORROWED,
            Parked::ThisThread(_) => TC_BORROWED,
        }
    }
}

impl State {
    /// Parks the current default-mode table: a reader may borrow from it.
    #[cold]
    pub(super) fn protect_current(&self) {
        // SAFETY: shared access to read the pointer; see `visible_shared`.
        let current = unsafe { &*self.current.get() };
        match &**current {
            Some(table) => self.park(Parked::AnyThread(table.clone())),
            // Nothing to borrow from an empty table.
            None => self.reads.set(self.reads.get() & !DEFAULT_BORROWED),
        }
    }

    /// Before a thread-critical write: parks `table`, the current thread-critical table, if a
    /// reader may borrow from it.
    #[inline]
    pub(crate) fn protect_tc(&self, table: &TableRef<ThisThread>) {
        if self.reads.get() & TC_BORROWED != 0 {
            match table {
                Some(table) => self.park(Parked::ThisThread(table.clone())),
                None => self.reads.set(self.reads.get() & !TC_BORROWED),
            }
        }
    }

    /// Keeps `grave` alive (and its table shared, so unmodified) until the readers that may
    /// borrow from it are done.
    fn park(&self, grave: Parked) {
        let bit = grave.kind_bit();
        // SAFETY: nothing else borrows the `parked` stack; pushing runs no user code.
        unsafe { (*self.parked.get()).push(grave) };
        self.reads
            .set((self.reads.get() & !bit) + (1 << PARK_SHIFT));
    }

    /// Begins a read that may hand borrows of the current tables to user code; the returned
    /// scope ends it. Create it before handing out a borrow, with no user code run since the
    /// table was looked up, and drop it after the borrows are gone (also during an unwind).
    #[inline(always)]
    pub(crate) fn read_scope(&self) -> ReadScope {
        let saved = self.reads.get();
        self.reads.set(saved | BORROWED);
        ReadScope { saved }
    }

    /// Ends a read during which tables were parked: keeps what enclosing readers still need,
    /// releases the rest (see the module docs).
    #[cold]
    #[inline(never)]
    fn end_read(&self, saved: usize) {
        let base = saved >> PARK_SHIFT;
        let mut borrowed = saved & BORROWED;
        let released = {
            // SAFETY: no reference into the `parked` stack is alive (readers borrow the parked
            // tables' heap cells, not the vector), and no user code runs while this one is.
            let parked = unsafe { &mut **self.parked.get() };
            let mut kept = base;
            for index in base..parked.len() {
                let bit = parked[index].kind_bit();
                // The first park of a kind whose table an enclosing reader borrowed protects
                // that table: it stays, and that table no longer needs parking.
                if borrowed & bit != 0 {
                    borrowed &= !bit;
                    parked.swap(kept, index);
                    kept += 1;
                }
            }
            self.reads.set((kept << PARK_SHIFT) | borrowed);
            if kept == 0 {
                // The outermost reader: give the buffer back too (thread state is never dropped).
                core::mem::take(parked)
            } else {
                parked.split_off(kept)
            }
        };
        self.release(released);
    }

    /// Drops released tables. User `Drop` code may run, and may use contexts: no borrow of
    /// thread state is held here.
    fn release(&self, released: Vec<Parked>) {
        if !std::thread::panicking() {
            drop(released);
            return;
        }
        // Released while a panic unwinds (the reader's closure panicked): a `Drop` that panics
        // now would abort the process. Each table is dropped on its own, and such a second
        // panic is caught here: the panic hook has reported it, and the first panic goes on.
        for grave in released {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(grave)));
        }
    }
}

/// A read in progress (see [`State::read_scope`]). Dropping it ends the read; dropped after the
/// user's closure returned (or unwound), so releasing parked tables then cannot free anything
/// a live reference points into.
pub(crate) struct ReadScope {
    /// `State::reads` when the read began.
    saved: usize,
}

impl Drop for ReadScope {
    #[inline(always)]
    fn drop(&mut self) {
        with_state(|state| {
            // Nothing parked during the read: restore the enclosing state with one store.
            if state.reads.get() >> PARK_SHIFT == self.saved >> PARK_SHIFT {
                state.reads.set(self.saved);
            } else {
                state.end_read(self.saved);
            }
        });
    }
}
