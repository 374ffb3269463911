//! [`async_to_sync`]: a future run to completion from synchronous code (rule D6), by a loop
//! that also runs the thread-sensitive calls of its flow on the calling thread while it waits
//! (rule TS1 a), like asgiref's `CurrentThreadExecutor`.

use core::future::Future;
use core::task::Poll;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::finish;
use crate::install::{Installed, TcPolicy};
use crate::sync_thread::{Call, Flow};
use crate::table::Table;
use crate::thread_critical::TcBinding;
use crate::thread_state::{FrameKind, with_state};

/// Runs a future to completion from synchronous code, as a continuation of the calling
/// thread's context, and writes its changes back when it completes (rule D6).
///
/// `fut` sees the values visible here. When it completes, every struct it wrote or took is
/// copied into the calling context (also if it panics; the panic then resumes here). Writes
/// made by tasks that `fut` spawned stay in those tasks.
///
/// The future is driven on the current tokio runtime when that runtime makes progress on its
/// own: inside [`sync_to_async`](crate::sync_to_async) or [`spawn_blocking`](crate::spawn_blocking), or on a thread
/// that entered a multi-threaded runtime (`Runtime::enter`), through `Handle::block_on`.
/// Otherwise (no runtime, or a current-thread runtime entered but driven by nobody) it runs on
/// a single-threaded runtime that this crate creates once per calling thread, with every driver
/// the application's tokio build has (IO and time if its `net` and `time` features are on);
/// tasks the future spawns there make progress only while an `async_to_sync`
/// call is running on that thread.
///
/// While it waits, the calling thread runs the thread-sensitive calls of the future's flow
/// ([`SyncToAsync::thread_sensitive`](crate::SyncToAsync::thread_sensitive)): those the
/// future makes, at any depth, and those of the tasks it spawns with this crate (rule TS1 a).
/// It runs them between polls of the future, outside the runtime, so a call may use
/// `async_to_sync` again. Calls still queued when the future completes run before this returns;
/// a later call (from a task that outlived the future) goes to the flow's enclosing sync
/// thread if it still waits, and is refused otherwise. On the crate's single-threaded runtime,
/// the tasks the future spawned wait while a call runs.
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
    let snapshot = with_state(|state| state.snapshot());
    let flow = snapshot.as_ref().and_then(|table| table.flow());
    // This thread runs the flow's thread-sensitive calls while it waits (rule TS1 a); once it
    // returns, they go to the runner around it.
    let flow = Flow::for_caller(flow.map(|flow| &**flow), take_spare());
    let caller = flow.caller().clone();
    let base = Table::unmarked_with_flow(&snapshot, flow.clone());
    drop(snapshot);
    let mut table = base.clone();
    // The future gets a thread-critical namespace of its own: nothing thread-critical is
    // carried into it (rule T2), and what it writes there is dropped with `tc` below.
    let mut tc = TcBinding::default();
    let mut fut = Box::pin(fut);
    let mut polled = false;
    let driver = match runtime {
        // Inside async code only `block_in_place` makes blocking legal, and tokio knows
        // whether this is it: its `Handle::block_on` refuses (panics) anywhere else.
        Ok(handle) if in_async_poll => Driver::InPlace(handle),
        Ok(handle) => Driver::BlockOn(Some(handle)),
        Err(error) if error.is_thread_local_destroyed() => Driver::Here,
        Err(_) => Driver::BlockOn(None),
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        loop {
            let step = driver.drive(core::future::poll_fn(|cx| {
                if let Some(call) = caller.queued_call() {
                    return Poll::Ready(Step::Call(call));
                }
                polled = true;
                let poll = {
                    let _installed =
                        Installed::new(&mut table, FrameKind::Async, TcPolicy::Bind(&mut tc));
                    fut.as_mut().poll(cx)
                };
                match poll {
                    Poll::Ready(output) => Poll::Ready(Step::Done(output)),
                    // Registers the waker for calls, then takes one queued meanwhile.
                    Poll::Pending => match caller.next_call(cx.waker()) {
                        Some(call) => Poll::Ready(Step::Call(call)),
                        None => Poll::Pending,
                    },
                }
            }));
            match step {
                // Outside the runtime and outside the future's frame: plain sync code.
                Step::Call(call) => caller.run(call),
                Step::Done(output) => break output,
            }
        }
    }));
    // Calls queued by tasks the future started, not run yet: their tasks wait for them.
    for call in caller.close() {
        caller.run(call);
    }
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
    drop(caller);
    let output = finish("async_to_sync", base, table, result);
    keep_spare(flow);
    output
}

thread_local! {
    /// The caller runner's flow of this thread's last `async_to_sync` call, for the next one
    /// to reuse if nothing refers to it any more.
    static SPARE: core::cell::Cell<Option<Arc<Flow>>> = const { core::cell::Cell::new(None) };
}

fn take_spare() -> Option<Arc<Flow>> {
    SPARE.try_with(core::cell::Cell::take).ok().flatten()
}

fn keep_spare(mut flow: Arc<Flow>) {
    if Flow::is_unshared(&flow) {
        if let Some(spare) = Arc::get_mut(&mut flow) {
            // A spare must not keep a request's runner open.
            spare.owner = None;
        }
        // A spare already there (from a nested call) is dropped; at thread exit, so is this.
        let _ = SPARE.try_with(|spare| spare.set(Some(flow)));
    }
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

/// What `async_to_sync`'s loop is doing next.
enum Step<T> {
    /// Running a thread-sensitive call of its flow.
    Call(Call),
    /// Returning the future's output.
    Done(T),
}

/// How `async_to_sync` blocks on its future, decided once per call.
enum Driver {
    /// On the task's runtime, inside `block_in_place`.
    InPlace(tokio::runtime::Handle),
    /// On the current runtime if it is driven, otherwise on this thread's fallback runtime.
    BlockOn(Option<tokio::runtime::Handle>),
    /// Without tokio (in a thread-local destructor).
    Here,
}

impl Driver {
    fn drive<F: Future>(&self, fut: F) -> F::Output {
        match self {
            Driver::InPlace(handle) => handle.block_on(fut),
            Driver::BlockOn(handle) => block_on(handle.clone(), fut),
            Driver::Here => block_on_here(fut),
        }
    }
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
