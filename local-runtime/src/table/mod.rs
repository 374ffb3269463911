//! The contents of a context: one entry per `#[async_local]` struct that has values in it.

mod entries;
#[cfg(feature = "tokio")]
mod write_back;

use entries::Entries;

use core::marker::PhantomData;

use crate::cow_arc::{CowArc, Erased, ForChild};
use crate::mode::AnyThread;
use crate::struct_key::{StructKey, Values};

/// Entries indexed by [`StructKey`] index. Each entry is an [`Erased`] `CowArc<V>` holding
/// that struct's field values, so copying a table copies pointers, never values, and a write
/// copies only the entry of the struct it writes. `M` is the storage mode of the structs it
/// holds: default-mode tables travel between threads, thread-critical ones never do.
pub struct Table<M = AnyThread> {
    entries: Entries,
    /// Which structs were written in this table (see [`Marks`]).
    written: Marks,
    /// Some entry has a [`ForChild`] hook (its struct has `no_inherit` fields), so a child's
    /// snapshot must look at the entries; when false it is a plain pointer copy.
    adjust_for_child: bool,
    /// The flow's sync thread for thread-sensitive calls (`sync_thread/`). Inherited like a
    /// value, never marked written: bridges do not copy it back.
    #[cfg(feature = "tokio")]
    flow: Option<std::sync::Arc<crate::sync_thread::Flow>>,
    _mode: PhantomData<M>,
}

/// A table behind its shared pointer; `None` is the empty table.
pub type TableRef<M = AnyThread> = Option<CowArc<Table<M>>>;

// SAFETY: entries of a default-mode table are only created by `entry_mut` and `insert` through
// a `StructKey<V, AnyThread>`, and such a key can only be constructed for `V: Send + Sync`
// (see `struct_key.rs`). So everything reachable from a `Table<AnyThread>` may be sent to and shared
// with other threads. Thread-critical tables get no such impl (`Erased` is neither).
unsafe impl Send for Table<AnyThread> {}
// SAFETY: as above.
unsafe impl Sync for Table<AnyThread> {}

impl<M> Default for Table<M> {
    fn default() -> Self {
        Table {
            entries: Entries::new(),
            written: Marks::default(),
            adjust_for_child: false,
            #[cfg(feature = "tokio")]
            flow: None,
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
            #[cfg(feature = "tokio")]
            flow: self.flow.clone(),
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
}

/// References a write displaced. They are dropped by the caller once it no longer holds any
/// borrow of thread state, because dropping them may run user `Drop` code that reads or writes
/// contexts (see `CowArc::make_mut`).
pub struct DisplacedRefs<M = AnyThread> {
    table: Option<CowArc<Table<M>>>,
    entry: Option<Erased>,
}

impl<M> Default for DisplacedRefs<M> {
    fn default() -> Self {
        DisplacedRefs {
            table: None,
            entry: None,
        }
    }
}

impl<M> Table<M> {
    /// The values of `key`'s struct in this table.
    #[inline]
    pub(crate) fn get<V: Values>(&self, key: &StructKey<V, M>) -> Option<&V> {
        let entry = self
            .entries
            .as_slice()
            .get(key.assigned_index()?)?
            .as_ref()?;
        // SAFETY: the entry at `key`'s index was stored through `key` (indices are unique per
        // key object and never reused, see `struct_key.rs`), and a key only stores `CowArc<V>`.
        Some(unsafe { entry.downcast_ref::<V>() })
    }

    /// The values of `key`'s struct if they exist and nothing else shares them (the table is
    /// `&mut`, hence unshared too): the fast path of writes, which then need no copy. Marks
    /// the struct written.
    #[inline(always)]
    pub(crate) fn unique_entry_mut<V: Values>(&mut self, key: &StructKey<V, M>) -> Option<&mut V> {
        let (index, values) = unique_values(&mut self.entries, key)?;
        self.written.mark(index);
        Some(values)
    }

    /// Like [`Table::unique_entry_mut`], without marking the struct written: for a scoped
    /// override made in place, which leaves the table as it found it.
    #[inline]
    pub(crate) fn unique_entry_unmarked<V: Values>(
        &mut self,
        key: &StructKey<V, M>,
    ) -> Option<&mut V> {
        unique_values(&mut self.entries, key).map(|(_, values)| values)
    }

    /// Edits `table`, a table no thread state points to (a [`Context`](crate::Context) value, a
    /// scoped override's copy before it is installed): nothing can observe it while it changes,
    /// so `edit` needs no write permission; what it displaces is dropped afterwards.
    pub(crate) fn edit_detached<R>(
        table: &mut TableRef<M>,
        edit: impl FnOnce(&mut TableRef<M>, &mut DisplacedRefs<M>) -> R,
    ) -> R {
        let mut refs = DisplacedRefs::default();
        let result = edit(table, &mut refs);
        drop(refs);
        result
    }

    /// Makes `table` writable (creating or privately copying it as needed), then returns the
    /// values of `key`'s struct, created empty or privately copied as needed.
    #[inline]
    pub(crate) fn entry_mut<'a, V: Values>(
        table: &'a mut TableRef<M>,
        key: &StructKey<V, M>,
        refs: &mut DisplacedRefs<M>,
    ) -> &'a mut V {
        let index = key.index();
        let table = Table::writable_at(table, index, V::NOT_INHERITED, refs);
        table.written.mark(index);
        table.values_at(key, refs)
    }

    /// Like [`Table::entry_mut`], without marking the struct written: for putting back what a
    /// scoped override made in place took out, which leaves the table as it found it.
    pub(crate) fn entry_mut_unmarked<'a, V: Values>(
        table: &'a mut TableRef<M>,
        key: &StructKey<V, M>,
        refs: &mut DisplacedRefs<M>,
    ) -> &'a mut V {
        let index = key.index();
        Table::writable_at(table, index, V::NOT_INHERITED, refs).values_at(key, refs)
    }

    /// The values of `key`'s struct in this writable table (with room for them), created
    /// empty or privately copied as needed.
    #[inline]
    fn values_at<V: Values>(
        &mut self,
        key: &StructKey<V, M>,
        refs: &mut DisplacedRefs<M>,
    ) -> &mut V {
        let entry =
            self.entries.as_mut_slice()[key.index()].get_or_insert_with(|| new_entry(V::default()));
        // SAFETY: as in `get`: this index belongs to `key`, whose entries are `CowArc<V>`.
        unsafe { entry.make_mut::<V>(&mut refs.entry) }
    }

    /// Replaces the values of `key`'s struct; returns the previous ones (to drop later).
    pub(crate) fn insert<V: Values>(
        table: &mut TableRef<M>,
        key: &StructKey<V, M>,
        values: V,
        refs: &mut DisplacedRefs<M>,
    ) -> Option<Erased> {
        let index = key.index();
        let table = Table::writable_at(table, index, V::NOT_INHERITED, refs);
        table.written.mark(index);
        table.entries.as_mut_slice()[index].replace(new_entry(values))
    }

    /// Makes `table` writable (creating or privately copying it as needed) with room for an
    /// entry at `index`. `not_inherited`: the entry about to be stored there has `no_inherit`
    /// fields. The caller marks the entry written, if it writes it.
    fn writable_at<'a>(
        table: &'a mut TableRef<M>,
        index: usize,
        not_inherited: bool,
        refs: &mut DisplacedRefs<M>,
    ) -> &'a mut Table<M> {
        let table = table
            .get_or_insert_with(|| CowArc::new(Table::<M>::default()))
            .make_mut(&mut refs.table);
        table.entries.reserve_index(index);
        if not_inherited {
            table.adjust_for_child = true;
        }
        table
    }

    /// Removes the values of `key`'s struct; returns them (to drop later).
    pub(crate) fn remove<V: Values>(
        table: &mut TableRef<M>,
        key: &StructKey<V, M>,
        refs: &mut DisplacedRefs<M>,
    ) -> Option<Erased> {
        let index = key.assigned_index()?;
        let shared = table.as_mut()?;
        if shared.entries.as_slice().get(index)?.is_none() {
            return None;
        }
        let table = shared.make_mut(&mut refs.table);
        table.written.mark(index);
        table.entries.as_mut_slice()[index].take()
    }

    /// The table a child task inherits: this one, minus the values of `no_inherit` fields.
    /// A pointer copy unless such values are present.
    pub(crate) fn for_child(shared: &CowArc<Table<M>>) -> CowArc<Table<M>> {
        if !shared.adjust_for_child {
            return shared.clone();
        }
        let mut adjusted: Option<Table<M>> = None;
        for (index, entry) in shared.entries.as_slice().iter().enumerate() {
            let Some(entry) = entry else { continue };
            let Some(for_child) = entry.for_child() else {
                continue;
            };
            // SAFETY: a hook is only stored in the entry it was made for (`new_entry`), so it
            // is called with an entry of its own type. It runs no user code: it clones a
            // table of pointers and unsets some of them.
            if let Some(replacement) = unsafe { for_child(entry) } {
                let table = adjusted.get_or_insert_with(|| Table::clone(shared));
                table.entries.as_mut_slice()[index] = Some(replacement);
            }
        }
        match adjusted {
            Some(table) => CowArc::new(table),
            None => shared.clone(),
        }
    }

    /// Number of structs with values in this table.
    pub(crate) fn len(&self) -> usize {
        self.entries
            .as_slice()
            .iter()
            .filter(|e| e.is_some())
            .count()
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
    CowArc::new_entry(values, hook)
}

/// `key`'s index and the values of its struct in `entries`, if they exist and nothing else
/// shares them.
#[inline(always)]
fn unique_values<'a, V: Values, M>(
    entries: &'a mut Entries,
    key: &StructKey<V, M>,
) -> Option<(usize, &'a mut V)> {
    let index = key.assigned_index()?;
    let entry = entries.as_mut_slice().get_mut(index)?.as_mut()?;
    // SAFETY: as in `Table::get`: this index belongs to `key`, whose entries are `CowArc<V>`.
    let values = unsafe { entry.get_mut::<V>() }?;
    Some((index, values))
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
