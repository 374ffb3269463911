//! The contents of a context: one entry per `#[async_local]` struct that has values in it.

use core::marker::PhantomData;

use crate::key::StructKey;
use crate::shared::{Erased, ForChild, Shared};
use crate::slot::{AnyThread, Values};

/// Entries indexed by [`StructKey`] index. Each entry is an [`Erased`] `Shared<V>` holding
/// that struct's field values, so copying a table copies pointers, never values, and a write
/// copies only the entry of the struct it writes. `M` is the storage mode of the structs it
/// holds: default-mode tables travel between threads, thread-critical ones never do.
pub struct Table<M = AnyThread> {
    entries: Vec<Option<Erased>>,
    /// Which structs were written in this table (see [`Marks`]).
    written: Marks,
    /// Some entry has a [`ForChild`] hook (its struct has `no_inherit` fields), so a child's
    /// snapshot must look at the entries; when false it is a plain pointer copy.
    adjust_for_child: bool,
    _mode: PhantomData<M>,
}

/// A table behind its shared pointer; `None` is the empty table.
pub type TableRef<M = AnyThread> = Option<Shared<Table<M>>>;

// SAFETY: entries of a default-mode table are only created by `entry_mut` and `insert` through
// a `StructKey<V, AnyThread>`, and such a key can only be constructed for `V: Send + Sync`
// (see `key.rs`). So everything reachable from a `Table<AnyThread>` may be sent to and shared
// with other threads. Thread-critical tables get no such impl (`Erased` is neither).
unsafe impl Send for Table<AnyThread> {}
// SAFETY: as above.
unsafe impl Sync for Table<AnyThread> {}

impl<M> Default for Table<M> {
    fn default() -> Self {
        Table {
            entries: Vec::new(),
            written: Marks::default(),
            adjust_for_child: false,
            _mode: PhantomData,
        }
    }
}

impl<M> Clone for Table<M> {
    fn clone(&self) -> Self {
        Table {
            entries: self.entries.clone(),
            written: self.written.clone(),
            adjust_for_child: self.adjust_for_child,
            _mode: PhantomData,
        }
    }
}

/// The structs written in a table since its marks were last cleared: what a bridge copies
/// back. A bit per struct index: the first 64 inline, the others (rare: a program with more
/// than 64 structs) in a vector that stays unallocated until one of them is written.
#[derive(Clone, Default)]
struct Marks {
    low: u64,
    high: Vec<u64>,
}

impl Marks {
    #[inline]
    fn mark(&mut self, index: usize) {
        if index < 64 {
            self.low |= 1 << index;
        } else {
            self.mark_high(index - 64);
        }
    }

    #[cold]
    fn mark_high(&mut self, index: usize) {
        let word = index / 64;
        if self.high.len() <= word {
            self.high.resize(word + 1, 0);
        }
        self.high[word] |= 1 << (index % 64);
    }

    /// Whether `index` was written.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    fn is_marked(&self, index: usize) -> bool {
        if index < 64 {
            return self.low & (1 << index) != 0;
        }
        let index = index - 64;
        self.high
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

/// References a write displaced. They are dropped by the caller once it no longer holds any
/// borrow of thread state, because dropping them may run user `Drop` code that reads or writes
/// contexts (see `Shared::make_mut`).
pub struct Garbage<M = AnyThread> {
    table: Option<Shared<Table<M>>>,
    entry: Option<Erased>,
}

impl<M> Default for Garbage<M> {
    fn default() -> Self {
        Garbage {
            table: None,
            entry: None,
        }
    }
}

impl<M> Table<M> {
    /// The values of `key`'s struct in this table.
    #[inline]
    pub(crate) fn get<V: Values>(&self, key: &StructKey<V, M>) -> Option<&V> {
        let entry = self.entries.get(key.assigned_index()?)?.as_ref()?;
        // SAFETY: the entry at `key`'s index was stored through `key` (indices are unique per
        // key object and never reused, see `key.rs`), and a key only stores `Shared<V>`.
        Some(unsafe { entry.downcast_ref::<V>() })
    }

    /// The values of `key`'s struct if they exist and nothing else shares them (the table is
    /// `&mut`, hence unshared too): the fast path of writes, which then need no copy. Marks
    /// the struct written.
    #[inline(always)]
    pub(crate) fn unique_entry_mut<V: Values>(&mut self, key: &StructKey<V, M>) -> Option<&mut V> {
        let index = key.assigned_index()?;
        let entry = self.entries.get_mut(index)?.as_mut()?;
        // SAFETY: as in `get`: this index belongs to `key`, whose entries are `Shared<V>`.
        let values = unsafe { entry.get_mut::<V>() }?;
        self.written.mark(index);
        Some(values)
    }

    /// Makes `table` writable (creating or privately copying it as needed), then returns the
    /// values of `key`'s struct, created empty or privately copied as needed.
    #[inline]
    pub(crate) fn entry_mut<'a, V: Values>(
        table: &'a mut TableRef<M>,
        key: &StructKey<V, M>,
        garbage: &mut Garbage<M>,
    ) -> &'a mut V {
        let index = key.index();
        let table = Table::writable_at(table, index, V::NOT_INHERITED, garbage);
        let entry = table.entries[index].get_or_insert_with(|| new_entry(V::default()));
        // SAFETY: as in `get`: this index belongs to `key`, whose entries are `Shared<V>`.
        unsafe { entry.make_mut::<V>(&mut garbage.entry) }
    }

    /// Replaces the values of `key`'s struct; returns the previous ones (to drop later).
    pub(crate) fn insert<V: Values>(
        table: &mut TableRef<M>,
        key: &StructKey<V, M>,
        values: V,
        garbage: &mut Garbage<M>,
    ) -> Option<Erased> {
        let index = key.index();
        let table = Table::writable_at(table, index, V::NOT_INHERITED, garbage);
        table.entries[index].replace(new_entry(values))
    }

    /// Makes `table` writable (creating or privately copying it as needed) with room for an
    /// entry at `index`, and marks that entry written. `not_inherited`: the entry about to be
    /// stored there has `no_inherit` fields.
    fn writable_at<'a>(
        table: &'a mut TableRef<M>,
        index: usize,
        not_inherited: bool,
        garbage: &mut Garbage<M>,
    ) -> &'a mut Table<M> {
        let table = table
            .get_or_insert_with(|| Shared::new(Table::<M>::default()))
            .make_mut(&mut garbage.table);
        if table.entries.len() <= index {
            table.entries.resize_with(index + 1, || None);
        }
        if not_inherited {
            table.adjust_for_child = true;
        }
        table.written.mark(index);
        table
    }

    /// Removes the values of `key`'s struct; returns them (to drop later).
    pub(crate) fn remove<V: Values>(
        table: &mut TableRef<M>,
        key: &StructKey<V, M>,
        garbage: &mut Garbage<M>,
    ) -> Option<Erased> {
        let index = key.assigned_index()?;
        let shared = table.as_mut()?;
        if shared.entries.get(index)?.is_none() {
            return None;
        }
        let table = shared.make_mut(&mut garbage.table);
        table.written.mark(index);
        table.entries[index].take()
    }

    /// A copy of `table` with no write marks, for a bridge to work on: at the end, exactly the
    /// structs it wrote are marked.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn unmarked(table: &TableRef<M>) -> TableRef<M> {
        let shared = table.as_ref()?;
        let mut copy = Table::clone(shared);
        copy.written = Marks::default();
        Some(Shared::new(copy))
    }

    /// The table a child task inherits: this one, minus the values of `no_inherit` fields.
    /// A pointer copy unless such values are present.
    pub(crate) fn for_child(shared: &Shared<Table<M>>) -> Shared<Table<M>> {
        if !shared.adjust_for_child {
            return shared.clone();
        }
        let mut adjusted: Option<Table<M>> = None;
        for (index, entry) in shared.entries.iter().enumerate() {
            let Some(entry) = entry else { continue };
            let Some(for_child) = entry.for_child() else {
                continue;
            };
            // SAFETY: a hook is only stored in the entry it was made for (`new_entry`), so it
            // is called with an entry of its own type. It runs no user code: it clones a
            // table of pointers and unsets some of them.
            if let Some(replacement) = unsafe { for_child(entry) } {
                let table = adjusted.get_or_insert_with(|| Table::clone(shared));
                table.entries[index] = Some(replacement);
            }
        }
        match adjusted {
            Some(table) => Shared::new(table),
            None => shared.clone(),
        }
    }

    /// Number of structs with values in this table.
    pub(crate) fn len(&self) -> usize {
        self.entries.iter().filter(|e| e.is_some()).count()
    }

    /// The write-back of the bridges: every struct written in `after` (a table that started
    /// as an [`Table::unmarked`] copy of the caller's context) is copied into `target` as it is in `after`,
    /// set or cleared. Structs `after` did not write keep whatever `target` has now, so
    /// concurrent writes to other structs survive. Returns what was displaced.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn merge_changes(
        target: &mut TableRef<M>,
        after: Option<&Table<M>>,
        garbage: &mut Garbage<M>,
        displaced: &mut Vec<Erased>,
    ) {
        let Some(after) = after else {
            // Nothing was ever written: the bridge started from, and kept, an empty context.
            return;
        };
        for (index, now) in after.entries.iter().enumerate() {
            if !after.written.is_marked(index) {
                continue;
            }
            let now = now.as_ref();
            let not_inherited = now.is_some_and(|entry| entry.for_child().is_some());
            let table = Table::writable_at(target, index, not_inherited, garbage);
            if let Some(old) = core::mem::replace(&mut table.entries[index], now.cloned()) {
                displaced.push(old);
            }
        }
    }
}

/// A context entry for `values`, with the hook that strips `no_inherit` fields for children if
/// its struct has any.
fn new_entry<V: Values>(values: V) -> Erased {
    let hook: Option<ForChild> = if V::NOT_INHERITED {
        Some(entry_for_child::<V>)
    } else {
        None
    };
    Shared::new_entry(values, hook)
}

/// The [`ForChild`] hook of entries of type `V`.
///
/// # Safety
///
/// `entry` must hold a `V` (guaranteed by `new_entry`, the only place that stores this hook).
unsafe fn entry_for_child<V: Values>(entry: &Erased) -> Option<Erased> {
    // SAFETY: guaranteed by the caller.
    let values = unsafe { entry.downcast_ref::<V>() };
    values.inherited().map(new_entry)
}
