//! The identity of one `#[async_local]` struct: where its values live in a context.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::hooks::StructHooks;
use crate::slot::{AnyThread, ThisThread, Values};

const UNASSIGNED: usize = usize::MAX;

/// Next free slot index; indices are never reused, so an index names one key forever.
static NEXT_INDEX: AtomicUsize = AtomicUsize::new(0);

/// The slot of one `#[async_local]` struct in every context. Generated code declares one
/// `static` key per struct; `V` is the struct's hidden table of field values and `M` its
/// storage mode.
///
/// The index is assigned on first use, from a global counter. It is what makes reads cheap
/// (an array lookup) and what makes the type-erased storage sound: the entry at index `i` of
/// any table was inserted through the one key that owns `i`, hence has that key's `V`.
///
/// A default-mode key can only be made for `V: Send + Sync`, so every table entry inserted
/// through one may cross threads (see `table.rs`).
#[doc(hidden)]
pub struct StructKey<V, M = AnyThread> {
    index: AtomicUsize,
    hooks: Option<&'static StructHooks>,
    _values: PhantomData<(fn() -> V, M)>,
}

impl<V: Values + Send + Sync> StructKey<V, AnyThread> {
    /// A default-mode key with no index yet. Meant for `static` items only: every key object
    /// takes its own index, so keys made in a loop would grow every context.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        StructKey {
            index: AtomicUsize::new(UNASSIGNED),
            hooks: None,
            _values: PhantomData,
        }
    }
}

impl<V: Values> StructKey<V, ThisThread> {
    /// A thread-critical key with no index yet; `static` items only, as for [`Self::new`].
    pub const fn new_local() -> Self {
        StructKey {
            index: AtomicUsize::new(UNASSIGNED),
            hooks: None,
            _values: PhantomData,
        }
    }
}

impl<V, M> StructKey<V, M> {
    /// The same key, with hooks for integrations; they are registered on first write.
    pub const fn with_hooks(self, hooks: &'static StructHooks) -> Self {
        StructKey {
            index: self.index,
            hooks: Some(hooks),
            _values: PhantomData,
        }
    }

    /// The index, if this key was ever used to write. A key without an index has no values in
    /// any context, so readers can stop early.
    #[inline]
    pub(crate) fn assigned_index(&self) -> Option<usize> {
        let index = self.index.load(Ordering::Relaxed);
        (index != UNASSIGNED).then_some(index)
    }

    /// The index, assigning one on first use.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        match self.assigned_index() {
            Some(index) => index,
            None => self.assign(),
        }
    }

    #[cold]
    fn assign(&self) -> usize {
        let fresh = NEXT_INDEX.fetch_add(1, Ordering::Relaxed);
        assert!(fresh < UNASSIGNED / 2, "ctxlocal: too many struct keys");
        if let Some(hooks) = self.hooks {
            crate::hooks::register(hooks);
        }
        match self
            .index
            .compare_exchange(UNASSIGNED, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            // Another thread assigned first; its index wins and `fresh` stays unused.
            Err(winner) => winner,
        }
    }
}

impl<V, M> core::fmt::Debug for StructKey<V, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StructKey")
            .field("index", &self.assigned_index())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct V;
    // SAFETY: a unit struct: its `Clone` and `Default` run no user code.
    unsafe impl Values for V {}

    #[test]
    fn keys_get_distinct_stable_indices() {
        static A: StructKey<V> = StructKey::new();
        static B: StructKey<V, ThisThread> = StructKey::new_local();
        assert_eq!(A.assigned_index(), None);
        let a = A.index();
        let b = B.index();
        assert_ne!(a, b);
        assert_eq!(A.index(), a);
        assert_eq!(A.assigned_index(), Some(a));
    }

    #[test]
    fn racing_threads_agree_on_one_index() {
        static K: StructKey<V> = StructKey::new();
        let seen: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| K.index())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.iter().all(|&i| i == seen[0]));
    }
}
