//! Sync/async bridges that continue the caller's context and write it back:
//! [`sync_to_async`] and [`async_to_sync`] (rules D5, D6, D7).

use core::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::cow_arc::Erased;
use crate::error::AccessError;
use crate::install::{Installed, TcPolicy};
use crate::table::{DisplacedRefs, Table, TableRef};
use crate::thread_critical::TcBinding;
use crate::thread_state::{FrameKind, with_state};

/// Merges what the bridged code wrote into the current context: `after` started as `base`, an
/// [`Table::unmarked`] copy of the caller's context, so its write marks name exactly the
/// structs the bridged code wrote. Per struct: a struct it did not write keeps whatever the
/// caller has now, so concurrent writes by the caller to other structs survive.
fn write_back(base: TableRef, after: TableRef) -> Result<(), AccessError> {
    let unchanged = match (&base, &after) {
        (_, None) => true,
        // Still the unmarked copy itself: nothing was written.
        (Some(a), Some(b)) => crate::cow_arc::CowArc::ptr_eq(a, b),
        (None, Some(_)) => false,
    };
    drop(base);
    if unchanged {
        return Ok(());
    }
    let mut refs = DisplacedRefs::default();
    let mut displaced: Vec<Erased> = Vec::new();
    let result = with_state(|state| -> Result<(), AccessError> {
        // SAFETY: merging clones and moves entry pointers and runs no user code; what it
        // displaces goes to `refs` and `displaced`, dropped after the write.
        let target = match unsafe { state.writable() } {
            Ok(target) => target,
            // Called from a thread-local destructor, where the thread's root context is gone
            // or can no longer be set up: it reads as empty from now on, so nothing could ever
            // observe the write-back. Dropping it is the only outcome that does not abort.
            Err(error) if error.is_thread_exiting() => return Ok(()),
            Err(error) => return Err(error),
        };
        Table::merge_changes(target, after.as_deref(), &mut refs, &mut displaced);
        Ok(())
    });
    drop(refs);
    drop(displaced);
    result
}

/// Writes back, then hands over the bridged code's result: its panic resumes first (a refused
/// write-back is then moot), otherwise a refused write-back panics with what to do instead.
#[track_caller]
fn finish<R>(bridge: &str, base: TableRef, after: TableRef, result: std::thread::Result<R>) -> R {
    let written = write_back(base, after);
    let value = match result {
        Ok(value) => value,
        Err(panic) => resume_unwind(panic),
    };
    if let Err(error) = written {
        panic!("ctxlocal: `{bridge}` could not write its changes back: {error}");
    }
    value
}

/// Runs `f` with `table` installed as a synchronous frame, catching a panic so that the final
/// state of the context can still be written back before the panic resumes.
fn run_capturing<R>(table: &mut TableRef, f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let _installed = Installed::new(table, FrameKind::Blocking, TcPolicy::Keep);
    catch_unwind(AssertUnwindSafe(f))
}

/// Runs a blocking closure on tokio's blocking pool as a continuation of the caller's context,
/// and writes its changes back when it completes (rule D5).
///
/// `f` sees the values visible where the returned future is first polled. When it returns,
/// every struct it wrote or took is copied into the awaiting context, so the caller sees its
/// writes *and* its `take_*`s. If `f` panics, the write-back happens first, then the panic
/// resumes in the awaiting task.
///
/// Like every Rust future, nothing happens until the future is polled. If it is dropped while
/// `f` runs, `f` still runs to completion (a thread cannot be interrupted) but its changes are
/// discarded. [`async_to_sync`] may be called inside `f` (rule D7).
///
/// # Panics
///
/// When polled outside a tokio runtime, and (when awaited) if the runtime shut down before `f`
/// could run.
///
/// ```
/// use ctxlocal::{async_local, sync_to_async};
///
/// #[async_local]
/// struct Request {
///     id: u64,
///     user: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// Request::set_id(9);
/// let user = sync_to_async(|| {
///     // A blocking "database" call on the blocking pool.
///     assert_eq!(Request::id(), Some(9));
///     Request::set_user("ada".into());
///     "ada".to_owned()
/// })
/// .await;
/// assert_eq!(Request::user(), Some(user));
/// # }
/// ```
pub async fn sync_to_async<F, R>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let base = Table::unmarked(&with_state(|state| state.snapshot()));
    let mut table = base.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let result = run_capturing(&mut table, f);
        (result, table)
    })
    .await;
    let (result, after) = match joined {
        Ok(done) => done,
        Err(error) if error.is_panic() => resume_unwind(error.into_panic()),
        Err(_) => panic!(
            "ctxlocal: `sync_to_async` closure was cancelled because the tokio runtime is \
             shutting down"
        ),
    };
    finish("sync_to_async", base, after, result)
}

/// Runs a future to completion from synchronous code, as a continuation of the calling
/// thread's context, and writes its changes back when it completes (rule D6).
///
/// `fut` sees the values visible here. When it completes, every struct it wrote or took is
/// copied into the calling context (also if it panics; the panic then resumes here). Writes
/// made by tasks that `fut` spawned stay in those tasks.
///
/// The future is driven on the current tokio runtime when that runtime makes progress on its
/// own: inside [`sync_to_async`] or [`spawn_blocking`](crate::spawn_blocking), or on a thread
/// that entered a multi-threaded runtime (`Runtime::enter`), through `Handle::block_on`.
/// Otherwise (no runtime, or a current-thread runtime entered but driven by nobody) it runs on
/// a single-threaded runtime that this crate creates once per calling thread, with every driver
/// the application's tokio build has (IO and time if its `net` and `time` features are on);
/// tasks the future spawns there make progress only while an `async_to_sync`
/// call is running on that thread.
///
/// Inside `tokio::task::block_in_place` (tokio's way to block in async code on a
/// multi-threaded runtime) it works too: the future runs on the task's runtime through
/// `Handle::block_on`, and its changes are written back into the task's context.
///
/// Called from a thread-local destructor, after tokio's own thread-local state is gone, the
/// future is polled on the calling thread with no tokio runtime (a future that needs tokio's
/// timers or IO then panics as it would anywhere outside a runtime), and its writes are
/// discarded if the thread's root context is already gone (nothing could read them).
///
/// # Panics
///
/// When called from async code (inside a poll of a future this crate wraps, or inside a tokio
/// `block_on`) outside `block_in_place`: blocking there would stall the executor. `.await` the
/// future instead.
///
/// ```
/// use ctxlocal::{async_local, async_to_sync};
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// // Plain synchronous code, no runtime in sight.
/// Request::set_id(12);
/// async_to_sync(async {
///     assert_eq!(Request::id(), Some(12));
///     Request::set_id(13);
/// });
/// assert_eq!(Request::id(), Some(13));
/// ```
#[track_caller]
pub fn async_to_sync<F: Future>(fut: F) -> F::Output {
    let in_async_poll = with_state(|state| state.in_async_poll());
    let runtime = tokio::runtime::Handle::try_current();
    if in_async_poll && runtime.is_err() {
        refuse_in_async_code();
    }
    let base = Table::unmarked(&with_state(|state| state.snapshot()));
    let mut table = base.clone();
    // The future gets a thread-critical namespace of its own: nothing thread-critical is
    // carried into it (rule T2), and what it writes there is dropped with `tc` below.
    let mut tc = TcBinding::default();
    let mut fut = Box::pin(fut);
    let mut polled = false;
    let result = {
        let driven = core::future::poll_fn(|cx| {
            polled = true;
            let _installed = Installed::new(&mut table, FrameKind::Async, TcPolicy::Bind(&mut tc));
            fut.as_mut().poll(cx)
        });
        catch_unwind(AssertUnwindSafe(|| match runtime {
            // Inside async code only `block_in_place` makes blocking legal, and tokio knows
            // whether this is it: its `Handle::block_on` refuses (panics) anywhere else.
            Ok(handle) if in_async_poll => handle.block_on(driven),
            Ok(handle) => block_on(Some(handle), driven),
            Err(error) if error.is_thread_local_destroyed() => block_on_here(driven),
            Err(_) => block_on(None, driven),
        }))
    };
    if in_async_poll && !polled && result.is_err() {
        // Tokio refused to block before the future ever ran: this is async code.
        refuse_in_async_code();
    }
    // Drop what is left of the future inside its context, so its `Drop` code sees it.
    {
        let _installed = Installed::new(&mut table, FrameKind::Async, TcPolicy::Bind(&mut tc));
        drop(fut);
    }
    drop(tc);
    finish("async_to_sync", base, table, result)
}

#[cold]
#[track_caller]
fn refuse_in_async_code() -> ! {
    panic!(
        "ctxlocal: `async_to_sync` was called from async code, where blocking would stall the \
         executor; `.await` the future instead, move the blocking code into \
         `ctxlocal::sync_to_async`, or (on a multi-threaded tokio runtime) wrap the blocking \
         section in `tokio::task::block_in_place`"
    )
}

/// Drives `fut` from synchronous code on `runtime` (the current one, if any) or on this
/// thread's fallback runtime.
fn block_on<F: Future>(runtime: Option<tokio::runtime::Handle>, fut: F) -> F::Output {
    use std::cell::OnceCell;

    if let Some(handle) = runtime {
        // A current-thread runtime only makes progress (spawned tasks, timers, IO) while some
        // thread is inside its `Runtime::block_on`. Inside one of its blocking tasks (e.g. in
        // `sync_to_async`) that thread is the one awaiting us; on a thread that merely entered
        // it (`Runtime::enter`) nobody may be, and `Handle::block_on` would hang: use the
        // fallback runtime there instead.
        let driven = handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread
            || tokio::task::try_id().is_some();
        if driven {
            return handle.block_on(fut);
        }
    }
    thread_local! {
        static FALLBACK: OnceCell<tokio::runtime::Runtime> = const { OnceCell::new() };
    }
    let mut fut = Some(fut);
    let on_fallback = FALLBACK.try_with(|cell| {
        let runtime = cell.get_or_init(new_fallback_runtime);
        runtime.block_on(fut.take().expect("not taken yet"))
    });
    match on_fallback {
        Ok(output) => output,
        // Thread-local storage is being destroyed: use a runtime for this call only.
        Err(_) => new_fallback_runtime().block_on(fut.take().expect("not taken by the closure")),
    }
}

fn new_fallback_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| {
            panic!("ctxlocal: cannot start a runtime for `async_to_sync`: {error}")
        })
}

/// Drives `fut` on this thread without tokio, waiting on a condition variable between polls:
/// for thread-local destructors that run after tokio's own thread-local state is gone, where
/// no tokio runtime can be entered.
fn block_on_here<F: Future>(fut: F) -> F::Output {
    use std::sync::{Arc, Condvar, Mutex, PoisonError};
    use std::task::{Context, Poll, Wake, Waker};

    #[derive(Default)]
    struct Signal {
        woken: Mutex<bool>,
        changed: Condvar,
    }

    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
            self.changed.notify_one();
        }
    }

    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = core::pin::pin!(fut);
    loop {
        if let Poll::Ready(output) = fut.as_mut().poll(&mut cx) {
            return output;
        }
        let mut woken = signal.woken.lock().unwrap_or_else(PoisonError::into_inner);
        while !*woken {
            woken = signal
                .changed
                .wait(woken)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *woken = false;
    }
}
