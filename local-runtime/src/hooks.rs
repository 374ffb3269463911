//! Per-struct hooks for integrations (log fields), and the registry of structs that have them.
//!
//! A struct's key joins the registry when it gets its index, that is on its first write: a
//! struct that was never written has no values anywhere, so there is nothing to report for it.
//! The registry is an append-only lock-free list of `static` nodes, in registration order:
//! registering allocates nothing and reading takes no lock, so a log formatter can walk it on
//! every event.

use core::fmt;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Calls `visit(name, value)` for each field of one struct that is set in the current context
/// and marked for an integration (`#[local(trace)]`).
pub type VisitFields = fn(visit: &mut dyn FnMut(&'static str, &dyn fmt::Display));

/// What a struct offers to integrations. Generated code makes one `static` per struct that
/// has marked fields.
#[doc(hidden)]
pub struct StructHooks {
    /// `#[local(trace)]` fields, for log events.
    pub trace: Option<VisitFields>,
    registered: AtomicBool,
    next: AtomicPtr<StructHooks>,
}

impl StructHooks {
    /// Hooks of one struct.
    pub const fn new(trace: Option<VisitFields>) -> Self {
        StructHooks {
            trace,
            registered: AtomicBool::new(false),
            next: AtomicPtr::new(ptr::null_mut()),
        }
    }
}

impl fmt::Debug for StructHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StructHooks")
            .field("trace", &self.trace.is_some())
            .finish_non_exhaustive()
    }
}

/// Head of the list of registered hooks: an append-only linked list, in registration order.
static REGISTERED: AtomicPtr<StructHooks> = AtomicPtr::new(ptr::null_mut());

/// Adds `hooks` at the end of the registry, once. Appending (rather than pushing at the head)
/// keeps the order stable: a log line shows the fields of the struct first written first.
pub(crate) fn register(hooks: &'static StructHooks) {
    if hooks.registered.swap(true, Ordering::AcqRel) {
        return;
    }
    let node = ptr::from_ref(hooks).cast_mut();
    // Walk to the last node and swing its `next` from null to us; if another thread appended
    // first, keep walking from there.
    let mut link = &REGISTERED;
    loop {
        match link.compare_exchange(ptr::null_mut(), node, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return,
            Err(next) => match as_static(next) {
                Some(next) => link = &next.next,
                None => continue,
            },
        }
    }
}

/// Every registered struct's hooks, in registration order.
pub fn registered() -> impl Iterator<Item = &'static StructHooks> {
    let mut next = REGISTERED.load(Ordering::Acquire);
    core::iter::from_fn(move || {
        // The list only ever holds `&'static StructHooks` (see `register`), published by the
        // `AcqRel` exchange after their own `next` was initialised to null.
        let hooks: &'static StructHooks = as_static(next)?;
        next = hooks.next.load(Ordering::Acquire);
        Some(hooks)
    })
}

fn as_static(node: *mut StructHooks) -> Option<&'static StructHooks> {
    // SAFETY: every non-null pointer in the list was made from a `&'static StructHooks` in
    // `register`; it is never freed or mutated except through its atomics.
    unsafe { node.cast_const().as_ref() }
}

/// Calls `visit(name, value)` for every `#[local(trace)]` field set in the current context,
/// across all structs. Exempt from strict mode: in untracked work there are none.
pub fn visit_trace_fields(visit: &mut dyn FnMut(&'static str, &dyn fmt::Display)) {
    crate::strict::lenient(|| {
        for hooks in registered() {
            if let Some(trace) = hooks.trace {
                trace(visit);
            }
        }
    })
}
