//! Strict mode (rule E5): reads in untracked work panic instead of silently giving `None`.
//!
//! A tokio task that ctxlocal did not start (a `tokio::spawn` task, a `spawn_blocking`
//! closure, a framework's own task) carries no context (rule D8). Writing there is refused
//! with a panic that says what to do; reading there, by default, quietly gives `None` (or the
//! field's default), because the code may legitimately run both inside and outside requests.
//! That quiet `None` is also how a lost context usually shows up: a log line without its
//! request id, a query without its tenant. Strict mode turns those reads into the same loud,
//! explanatory panic as the writes, so a test suite finds every place where the context is
//! lost.
//!
//! Turn it on in tests: for the whole test binary with [`enable`], or for the threads of one
//! runtime with [`enable_on_this_thread`] from the runtime builder's `on_thread_start` (and
//! on the thread that calls `block_on`). It covers field reads (`name()`, `with_name`,
//! `is_name_set()`, ...) of both storage modes. It does not cover:
//!
//! - plain OS threads and the threads of other executors or pools (rayon, a `futures`
//!   executor): outside tokio tasks, a thread's root context is legitimately its own (rule
//!   D8), so ctxlocal cannot tell lost context from thread-local use there;
//! - [`Context::current`](crate::Context::current) and the spawning helpers, which carry an
//!   empty snapshot from untracked work on purpose;
//! - the fields that log integrations add to log lines (`#[local(trace)]`): a log line
//!   written in untracked work simply has none.
//!
//! The check costs nothing where reads see a context: it sits on the path that already
//! returns "not visible".

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::error::{UNTRACKED_FIX, UNTRACKED_WHERE};

/// Whether strict mode is on for the whole process.
static PROCESS: AtomicBool = AtomicBool::new(false);

/// Whether [`enable`] or [`enable_on_this_thread`] was ever called in this process: while it
/// is 0, a read that sees nothing does one relaxed load and no thread-local access.
static EVER: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// Whether strict mode is on for this thread.
    static THIS_THREAD: Cell<bool> = const { Cell::new(false) };
    /// Integrations reading the context on their own (log fields) while this is above 0.
    static LENIENT: Cell<u32> = const { Cell::new(0) };
}

/// Turns strict mode on for the whole process, for good: from now on, reading a context
/// value in a tokio task that ctxlocal did not start panics, with the same guidance as a
/// write there. Meant for test binaries (call it at the start of each test, it is idempotent).
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// ctxlocal::strict::enable();
/// // A plain tokio task carries no context: in strict mode, reading there is an error.
/// let lost = tokio::spawn(async { Request::id() }).await;
/// let message = *lost.unwrap_err().into_panic().downcast::<String>().unwrap();
/// assert!(message.contains("ctxlocal::spawn"));
/// // Tasks started through ctxlocal read as usual.
/// Request::set_id(1);
/// assert_eq!(ctxlocal::spawn(async { Request::id() }).await.unwrap(), Some(1));
/// # }
/// ```
pub fn enable() {
    PROCESS.store(true, Ordering::Relaxed);
    EVER.store(1, Ordering::Relaxed);
}

/// Turns strict mode on for the current thread only (see [`enable`]). Call it from a tokio
/// runtime builder's `on_thread_start`, so that it covers that runtime's worker and blocking
/// threads, when other tests of the same binary must not run strict.
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// let runtime = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .on_thread_start(ctxlocal::strict::enable_on_this_thread)
///     .build()
///     .unwrap();
/// let lost = runtime.block_on(async { tokio::spawn(async { Request::id() }).await });
/// assert!(lost.unwrap_err().is_panic());
/// ```
pub fn enable_on_this_thread() {
    THIS_THREAD.with(|on| on.set(true));
    EVER.store(1, Ordering::Relaxed);
}

/// True if strict mode is on here: for the whole process, or for this thread.
///
/// ```
/// std::thread::spawn(|| {
///     assert!(!ctxlocal::strict::is_enabled());
///     ctxlocal::strict::enable_on_this_thread();
///     assert!(ctxlocal::strict::is_enabled());
/// })
/// .join()
/// .unwrap();
/// ```
pub fn is_enabled() -> bool {
    PROCESS.load(Ordering::Relaxed) || THIS_THREAD.with(Cell::get)
}

/// Called where a read finds no visible context: false unless strict mode could apply, so
/// that the caller checks why (untracked work or merely empty) only then.
#[inline(always)]
pub(crate) fn may_apply() -> bool {
    EVER.load(Ordering::Relaxed) != 0
}

/// Panics, in strict mode and outside lenient integration reads, for a read in untracked work.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn untracked_read() {
    if is_enabled() && LENIENT.with(Cell::get) == 0 {
        panic!(
            "ctxlocal: strict mode (`ctxlocal::strict`): a context value was read \
             {UNTRACKED_WHERE}: such a task carries no context, so the read would silently \
             give `None` or the field's default. {UNTRACKED_FIX}"
        );
    }
}

/// Runs `f`, an integration's own read of the context (the trace fields of a log line),
/// exempt from strict mode: a log line written in untracked work just has no fields.
pub(crate) fn lenient<R>(f: impl FnOnce() -> R) -> R {
    struct Restore;
    impl Drop for Restore {
        fn drop(&mut self) {
            LENIENT.with(|depth| depth.set(depth.get() - 1));
        }
    }
    LENIENT.with(|depth| depth.set(depth.get() + 1));
    let _restore = Restore;
    f()
}
