//! Thread-critical storage (rules T1-T5): values that never leave the thread that made them.
//!
//! Each thread keeps its thread-critical tables in a map of *namespaces*:
//!
//! - namespace `0` is the thread's sync namespace, shared by all code on the thread that runs
//!   outside crate tasks (T1), dropped when the thread exits;
//! - every crate task ([`WithContext`](crate::WithContext), an `async_to_sync` call, a
//!   thread-critical `sync_scope_*`) gets its own namespace id, allocated on its first write,
//!   and has a table under that id on each thread where it wrote (T3). A task resumed on
//!   another thread finds nothing of what it wrote elsewhere.
//!
//! Nothing here is ever carried by a [`Context`](crate::Context) (T2): only `spawn_local`
//! children and scoped overrides, which run on the same thread, start from a snapshot of the
//! current namespace ([`TcBinding::seeded`]).
//!
//! A task's [`TcBinding`] remembers the threads it wrote on. When the task is dropped, its
//! table on the dropping thread is freed at once; other threads get its id in their
//! [`Inbox`] and free the table (on their own thread, T5) the next time they touch
//! thread-critical storage, or when they exit.

use core::cell::UnsafeCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::AccessError;
use crate::mode::ThisThread;
use crate::table::{DisplacedRefs, Table, TableRef};
use crate::thread_state::{State, with_state};

/// The id of a thread's sync namespace.
const SYNC_NAMESPACE: u64 = 0;

/// Ids are unique counters; spread them over the hash so the map's probing stays fast.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Namespaces = HashMap<u64, TableRef<ThisThread>, BuildHasherDefault<IdHasher>>;

/// Where other threads send the ids of dropped tasks whose tables live on this thread.
pub struct Inbox {
    dead: AtomicBool,
    has_mail: AtomicBool,
    mail: Mutex<Vec<u64>>,
}

impl Inbox {
    /// Frees namespace `id` on this inbox's thread: now if that is the current thread,
    /// otherwise the next time that thread touches thread-critical storage.
    fn release(&self, id: u64) {
        let freed_here = TC
            .try_with(|tc| {
                if core::ptr::eq(&*tc.inbox, self) {
                    tc.remove(id);
                    true
                } else {
                    false
                }
            })
            .unwrap_or(false);
        if freed_here || self.dead.load(Ordering::Acquire) {
            return;
        }
        self.mail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(id);
        self.has_mail.store(true, Ordering::Release);
    }
}

struct TcThread {
    namespaces: UnsafeCell<Namespaces>,
    inbox: Arc<Inbox>,
}

thread_local! {
    static TC: TcThread = TcThread {
        namespaces: UnsafeCell::new(Namespaces::default()),
        inbox: Arc::new(Inbox {
            dead: AtomicBool::new(false),
            has_mail: AtomicBool::new(false),
            mail: Mutex::new(Vec::new()),
        }),
    };
}

impl Drop for TcThread {
    fn drop(&mut self) {
        self.inbox.dead.store(true, Ordering::Release);
        // Dropped here, on the thread that made them (T5). User `Drop` code that touches
        // thread-critical storage now finds it gone: reads see nothing, writes are refused.
        let all = core::mem::take(self.namespaces.get_mut());
        drop(all);
    }
}

impl TcThread {
    /// Frees the namespaces other threads reported dead.
    #[inline]
    fn collect_mail(&self, state: &State) {
        if self.inbox.has_mail.load(Ordering::Acquire) {
            self.collect_mail_slow(state);
        }
    }

    #[cold]
    fn collect_mail_slow(&self, state: &State) {
        let ids = {
            let mut mail = self
                .inbox
                .mail
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.inbox.has_mail.store(false, Ordering::Release);
            core::mem::take(&mut *mail)
        };
        for id in ids {
            self.remove_with(state, id);
        }
    }

    fn remove(&self, id: u64) {
        with_state(|state| self.remove_with(state, id));
    }

    fn remove_with(&self, _state: &State, id: u64) {
        // SAFETY: no reference into the map is alive: readers borrow tables' heap cells, not
        // the map, and this runs no user code while the `&mut` exists.
        let removed = unsafe { (*self.namespaces.get()).remove(&id) };
        // No reader can be borrowing from it: a namespace is only current inside the guards of
        // its own binding, which are gone before the binding releases it (readers nest inside
        // guards). Dropped here, outside any borrow of the map.
        drop(removed);
    }

    /// The table of namespace `id`, if it has one.
    #[inline]
    fn lookup(&self, id: u64) -> Option<&Table<ThisThread>> {
        // SAFETY: shared access to read one pointer; see `remove_with`.
        unsafe { (*self.namespaces.get()).get(&id) }.and_then(|t| t.as_deref())
    }

    fn snapshot(&self, id: u64) -> TableRef<ThisThread> {
        // SAFETY: as in `lookup`; cloning the pointer runs no user code.
        unsafe { (*self.namespaces.get()).get(&id) }.and_then(Clone::clone)
    }

    fn len(&self) -> usize {
        // SAFETY: as in `lookup`.
        unsafe { (*self.namespaces.get()).len() }
    }
}

/// Calls `f` with the current thread-critical table (none if hidden or empty).
#[inline]
pub(crate) fn read<R>(f: impl FnOnce(Option<&Table<ThisThread>>) -> R) -> R {
    with_state(|state| {
        let Some(id) = state.tc_namespace_for_read() else {
            return f(None);
        };
        with_tc(
            f,
            |tc, f| {
                tc.collect_mail(state);
                f(tc.lookup(id))
            },
            |f| f(None),
        )
    })
}

/// Calls `f` with mutable access to the current thread-critical table, or why writing is
/// refused here.
///
/// # Safety
///
/// `f` must not run user code or touch thread state while it holds the reference, and must
/// drop what it displaces only after releasing it.
#[inline]
pub(crate) unsafe fn write<R>(
    f: impl FnOnce(Result<&mut TableRef<ThisThread>, AccessError>) -> R,
) -> R {
    with_state(|state| {
        let id = match state.tc_namespace_for_write() {
            Ok(id) => id,
            Err(error) => return f(Err(error)),
        };
        with_tc(
            f,
            |tc, f| {
                tc.collect_mail(state);
                if id != SYNC_NAMESPACE {
                    state.tc_touch();
                }
                // SAFETY: readers borrow tables' heap cells, not the map; a table they may be
                // borrowing is parked below before it can be changed; and `f` runs no user code
                // while it holds this reference (the caller's contract).
                let table = unsafe { (*tc.namespaces.get()).entry(id).or_insert(None) };
                state.protect_tc(table);
                f(Ok(table))
            },
            |f| f(Err(AccessError::thread_exiting())),
        )
    })
}

/// Calls `present` with this thread's thread-critical storage, or `gone` once thread-local
/// storage is being destroyed (user `Drop` code at thread exit); `f` goes to whichever runs.
#[inline]
fn with_tc<F, R>(f: F, present: impl FnOnce(&TcThread, F) -> R, gone: impl FnOnce(F) -> R) -> R {
    let mut f = Some(f);
    match TC.try_with(|tc| present(tc, f.take().expect("taken once"))) {
        Ok(result) => result,
        Err(_) => gone(f.take().expect("not taken: the storage is gone")),
    }
}

/// The thread-critical namespace of a crate task, a scope, or an `async_to_sync` call: which
/// id it has (0 until its first write) and on which threads it has tables.
///
/// Kept small (16 bytes): every crate task carries one, and almost none ever use it.
#[derive(Default)]
pub struct TcBinding {
    pub(crate) id: u64,
    /// Allocated on the first thread-critical write. Boxed on purpose: 8 bytes in every task
    /// instead of a `Vec`'s 24, for a list that is almost always empty.
    #[allow(clippy::box_collection)]
    threads: Option<Box<Vec<Arc<Inbox>>>>,
}

impl TcBinding {
    /// Records that this namespace has a table on the current thread.
    pub(crate) fn note_current_thread(&mut self) {
        let _ = TC.try_with(|tc| {
            let threads = self.threads.get_or_insert_with(Box::default);
            if !threads.iter().any(|inbox| Arc::ptr_eq(inbox, &tc.inbox)) {
                threads.push(tc.inbox.clone());
            }
        });
    }

    /// A namespace that starts, on this thread, as a snapshot of the current one, changed by
    /// `edit` (for `spawn_local` children and scoped overrides, which stay on this thread).
    pub(crate) fn seeded(
        edit: impl FnOnce(&mut TableRef<ThisThread>, &mut DisplacedRefs<ThisThread>),
    ) -> TcBinding {
        let mut table = current_snapshot();
        // `table` is a local copy, not thread state: nothing can observe it while it changes.
        Table::edit_detached(&mut table, edit);
        let Some(table) = table else {
            return TcBinding::default();
        };
        let id = crate::thread_state::new_namespace_id();
        let inserted = TC.try_with(|tc| {
            // SAFETY: a new key; no reference into the map is alive (see `remove_with`).
            unsafe { (*tc.namespaces.get()).insert(id, Some(table)) };
        });
        let mut binding = TcBinding { id, threads: None };
        if inserted.is_ok() {
            binding.note_current_thread();
        }
        binding
    }
}

impl Drop for TcBinding {
    fn drop(&mut self) {
        if self.id == 0 {
            return;
        }
        for inbox in self.threads.take().into_iter().flat_map(|threads| *threads) {
            inbox.release(self.id);
        }
    }
}

/// A snapshot of the current thread-critical table.
fn current_snapshot() -> TableRef<ThisThread> {
    with_state(|state| {
        let id = state.tc_namespace()?;
        TC.try_with(|tc| tc.snapshot(id)).ok().flatten()
    })
}

/// Drops this thread's sync namespace (the thread-critical values of code outside crate tasks)
/// and frees the namespaces other threads reported dead: for a thread that serves one flow
/// after another (a thread-sensitive context's). Call it with no frame installed.
#[cfg(feature = "tokio")]
pub(crate) fn drop_sync_namespace() {
    let _ = TC.try_with(|tc| {
        with_state(|state| tc.collect_mail(state));
        tc.remove(SYNC_NAMESPACE);
    });
}

/// Number of thread-critical namespaces with tables on the current thread (the sync one
/// included). For tests and diagnostics: it stays bounded by the number of live tasks that
/// wrote thread-critical values here.
pub fn namespaces_on_this_thread() -> usize {
    TC.try_with(|tc| {
        with_state(|state| tc.collect_mail(state));
        tc.len()
    })
    .unwrap_or(0)
}
