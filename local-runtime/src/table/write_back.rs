//! The bridges' write-back: what bridged code wrote, copied into the caller's context struct
//! by struct ([`Table::merge_changes`]), found through the write marks of a copy that started
//! unmarked ([`Table::unmarked`]).

use super::{DisplacedRefs, Marks, Table, TableRef};
use std::sync::Arc;

use crate::cow_arc::{CowArc, Erased};
use crate::sync_thread::Flow;

impl Marks {
    /// Whether `index` was written.
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

impl<M> Table<M> {
    /// A copy of `table` with no write marks, for a bridge to work on: at the end, exactly the
    /// structs it wrote are marked.
    pub(crate) fn unmarked(table: &TableRef<M>) -> TableRef<M> {
        let shared = table.as_ref()?;
        let mut copy = Table::clone(shared);
        copy.written = Marks::default();
        Some(CowArc::new(copy))
    }

    /// Like [`Table::unmarked`], with `flow` as the copy's sync-thread record (see
    /// `sync_thread/`): what a bridge or a thread-sensitive context runs in.
    pub(crate) fn unmarked_with_flow(table: &TableRef<M>, flow: Arc<Flow>) -> TableRef<M> {
        let mut copy = match table {
            Some(shared) => Table::clone(shared),
            None => Table::default(),
        };
        copy.written = Marks::default();
        copy.flow = Some(flow);
        Some(CowArc::new(copy))
    }

    /// The flow's sync-thread record, if it has one.
    pub(crate) fn flow(&self) -> Option<&Arc<Flow>> {
        self.flow.as_ref()
    }

    /// The write-back of the bridges: every struct written in `after` (a table that started
    /// as an [`Table::unmarked`] copy of the caller's context) is copied into `target` as it is in `after`,
    /// set or cleared. Structs `after` did not write keep whatever `target` has now, so
    /// concurrent writes to other structs survive. Returns what was displaced.
    pub(crate) fn merge_changes(
        target: &mut TableRef<M>,
        after: Option<&Table<M>>,
        refs: &mut DisplacedRefs<M>,
        displaced: &mut Vec<Erased>,
    ) {
        let Some(after) = after else {
            // Nothing was ever written: the bridge started from, and kept, an empty context.
            return;
        };
        for (index, now) in after.entries.as_slice().iter().enumerate() {
            if !after.written.is_marked(index) {
                continue;
            }
            let now = now.as_ref();
            let not_inherited = now.is_some_and(|entry| entry.for_child().is_some());
            let table = Table::writable_at(target, index, not_inherited, refs);
            table.written.mark(index);
            if let Some(old) =
                core::mem::replace(&mut table.entries.as_mut_slice()[index], now.cloned())
            {
                displaced.push(old);
            }
        }
    }
}
