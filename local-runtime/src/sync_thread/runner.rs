//! [`Runner`]: one sync thread and its queue of calls.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::Waker;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::ThreadId;
use std::time::Duration;

/// One thread-sensitive call: its id and the closure that runs it and reports its outcome
/// (dropping the closure unrun reports it lost). The closure tells its runner it is done
/// ([`Finishing::now`]) before it reports: whoever sees the outcome also sees the runner free.
pub(crate) struct Call {
    id: u64,
    run: Box<dyn FnOnce(Finishing<'_>) + Send>,
}

/// Handed to a running call: marks its runner as running no call.
pub(crate) struct Finishing<'a>(&'a AtomicU64);

impl Finishing<'_> {
    pub(crate) fn now(self) {
        self.0.store(0, Ordering::Relaxed);
    }
}

static NEXT_CALL: AtomicU64 = AtomicU64::new(1);

impl Call {
    /// A fresh call id (never 0, never reused).
    pub(crate) fn next_id() -> u64 {
        NEXT_CALL.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn new(id: u64, run: impl FnOnce(Finishing<'_>) + Send + 'static) -> Call {
        Call {
            id,
            run: Box::new(run),
        }
    }
}

/// Closes a context runner when dropped: its thread runs what is queued, then exits.
pub(crate) struct Closing(pub(crate) Arc<Runner>);

impl Drop for Closing {
    fn drop(&mut self) {
        // A context runner hands back no calls: its thread runs them.
        drop(self.0.close());
    }
}

/// Which case of rule TS1 a runner serves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// The thread blocked in an `async_to_sync` call, which runs the calls itself.
    Caller,
    /// The thread of one `thread_sensitive_context`.
    Context,
    /// The process-wide sync thread.
    Global,
}

/// One sync thread and its queue of calls, run one at a time in submission order.
pub(crate) struct Runner {
    kind: Kind,
    /// A caller runner's enclosing runner (the flow's target when `async_to_sync` was called):
    /// where calls go once this one closed, if it is still open (as asgiref does).
    parent: Option<Arc<Runner>>,
    state: Mutex<State>,
    /// A dedicated thread (context or global) waits here for calls.
    work: Condvar,
    /// The id of the call running now; 0 if none.
    running: AtomicU64,
    /// Calls in the queue (changed under the lock): lets a caller runner's loop see, without
    /// the lock, that there is none.
    queued: AtomicUsize,
    /// A context runner: what its thread runs once the context's calls are done, to drop what
    /// the context left there before the thread serves another context.
    cleanup: Option<fn()>,
}

struct State {
    queue: VecDeque<Call>,
    /// No more calls are accepted (the `async_to_sync` call returned, the context ended).
    closed: bool,
    /// The runner's thread, once it runs (set by the thread itself before it runs a call).
    thread: Option<ThreadId>,
    /// A dedicated runner's thread was started.
    started: bool,
    /// A caller runner: the waker of its loop's current poll, woken by a new call.
    waker: Option<Waker>,
}

impl Runner {
    fn new(kind: Kind, parent: Option<Arc<Runner>>, thread: Option<ThreadId>) -> Runner {
        Runner {
            cleanup: None,
            kind,
            parent,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
                thread,
                started: thread.is_some(),
                waker: None,
            }),
            work: Condvar::new(),
            running: AtomicU64::new(0),
            queued: AtomicUsize::new(0),
        }
    }

    /// The runner of an `async_to_sync` call made on this thread; `parent` is the flow's
    /// runner around the call.
    pub(crate) fn caller(parent: Option<Arc<Runner>>) -> Arc<Runner> {
        Arc::new(Runner::new(
            Kind::Caller,
            parent,
            Some(std::thread::current().id()),
        ))
    }

    /// Makes a closed caller runner, that nothing else refers to any more, the runner of a new
    /// `async_to_sync` call on its thread (as [`Runner::caller`] would), to save an allocation.
    pub(crate) fn reopen(&mut self, parent: Option<Arc<Runner>>) {
        debug_assert_eq!(self.kind, Kind::Caller);
        self.parent = parent;
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        state.closed = false;
        state.waker = None;
        debug_assert!(state.queue.is_empty());
    }

    /// The runner of a new `thread_sensitive_context`; it gets a thread with its first call (an
    /// idle one that served an earlier context, or a new one). When the context ends and its
    /// calls are done, `cleanup` runs on that thread, which then waits for another context.
    pub(crate) fn context(cleanup: fn()) -> Arc<Runner> {
        let mut runner = Runner::new(Kind::Context, None, None);
        runner.cleanup = Some(cleanup);
        Arc::new(runner)
    }

    /// The process-wide runner.
    pub(crate) fn global() -> &'static Arc<Runner> {
        static GLOBAL: OnceLock<Arc<Runner>> = OnceLock::new();
        GLOBAL.get_or_init(|| Arc::new(Runner::new(Kind::Global, None, None)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code that can panic runs under the lock; a poisoned lock still holds a valid state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn parent(&self) -> Option<&Arc<Runner>> {
        self.parent.as_ref()
    }

    /// Its thread, if it has started.
    pub(crate) fn thread(&self) -> Option<ThreadId> {
        self.lock().thread
    }

    /// The id of the call it runs now, 0 if none.
    pub(crate) fn running(&self) -> u64 {
        self.running.load(Ordering::Relaxed)
    }

    /// True once it accepts no more calls.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Queues `call`, or hands it back if the runner is closed.
    pub(crate) fn submit(self: &Arc<Self>, call: Call) -> Result<(), Call> {
        let (waker, start) = {
            let mut state = self.lock();
            if state.closed {
                return Err(call);
            }
            state.queue.push_back(call);
            self.queued.fetch_add(1, Ordering::Relaxed);
            let start = !state.started;
            state.started = true;
            (state.waker.clone(), start)
        };
        match self.kind {
            Kind::Caller => {
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Kind::Context | Kind::Global if start => self.start_thread(),
            Kind::Context | Kind::Global => self.work.notify_one(),
        }
        Ok(())
    }

    /// Gives a dedicated runner its thread: an idle context thread, or a new thread.
    #[cold]
    fn start_thread(self: &Arc<Self>) {
        if self.kind == Kind::Context && Idle::hand_over(self) {
            return;
        }
        let runner = self.clone();
        let name = match self.kind {
            Kind::Global => "ctxlocal-sync",
            _ => "ctxlocal-sync-context",
        };
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut runner = runner;
                loop {
                    let cleanup = runner.cleanup;
                    runner.serve();
                    let Some(cleanup) = cleanup else { return };
                    // The context ended and its calls are done: drop what it left on this
                    // thread (TS5), then serve the next context, if one comes soon.
                    cleanup();
                    match Idle::wait_for_next() {
                        Some(next) => runner = next,
                        None => return,
                    }
                }
            });
        if let Err(error) = spawned {
            // Nobody will run what is queued: drop it (its futures see their calls lost) and
            // try again with the next call.
            let queued = {
                let mut state = self.lock();
                state.started = false;
                core::mem::take(&mut state.queue)
            };
            drop(queued);
            panic!("ctxlocal: cannot start a sync thread for thread-sensitive calls: {error}");
        }
    }

    /// A dedicated runner's thread: runs calls until the runner is closed and its queue empty.
    fn serve(self: Arc<Self>) {
        let mut state = self.lock();
        state.thread = Some(std::thread::current().id());
        loop {
            if let Some(call) = state.queue.pop_front() {
                self.queued.fetch_sub(1, Ordering::Relaxed);
                drop(state);
                self.run(call);
                state = self.lock();
            } else if state.closed {
                return;
            } else {
                state = self
                    .work
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }

    /// A caller runner's loop, before it polls its future: the first queued call, if it sees
    /// one without taking the lock (a hint: [`Runner::next_call`] is the check that counts).
    pub(crate) fn queued_call(&self) -> Option<Call> {
        if self.queued.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let call = self.lock().queue.pop_front();
        if call.is_some() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        call
    }

    /// A caller runner's loop, when its future is pending: registers the loop's waker (woken
    /// by the next call) and returns the first queued call, if any.
    pub(crate) fn next_call(&self, waker: &Waker) -> Option<Call> {
        let mut state = self.lock();
        match &mut state.waker {
            Some(current) if current.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        let call = state.queue.pop_front();
        if call.is_some() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
        call
    }

    /// Runs `call` on the current thread (the runner's).
    pub(crate) fn run(&self, call: Call) {
        struct Idle<'a>(&'a AtomicU64);
        impl Drop for Idle<'_> {
            fn drop(&mut self) {
                self.0.store(0, Ordering::Relaxed);
            }
        }
        self.running.store(call.id, Ordering::Relaxed);
        let _idle = Idle(&self.running);
        // A call catches its closure's panic and hands it to its future; what can still panic
        // is the `Drop` of an outcome nobody awaits. The panic hook has reported it; the thread
        // lives on to run the next call, and the payload goes too.
        let finishing = Finishing(&self.running);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| (call.run)(finishing))) {
            drop(catch_unwind(AssertUnwindSafe(move || drop(payload))));
        }
    }

    /// Accepts no more calls. A dedicated runner's thread runs what is queued, then exits; a
    /// caller runner's queued calls are returned, for its loop to run.
    pub(crate) fn close(&self) -> VecDeque<Call> {
        let mut state = self.lock();
        state.closed = true;
        state.waker = None;
        match self.kind {
            Kind::Caller => {
                self.queued.store(0, Ordering::Relaxed);
                core::mem::take(&mut state.queue)
            }
            Kind::Context | Kind::Global => {
                self.work.notify_all();
                VecDeque::new()
            }
        }
    }
}

/// Context threads waiting for their next context, most recent last.
static IDLE: Mutex<Vec<Arc<Idle>>> = Mutex::new(Vec::new());
/// At most this many idle context threads are kept...
const MAX_IDLE: usize = 32;
/// ...each for at most this long.
const IDLE_FOR: Duration = Duration::from_secs(10);

/// An idle context thread: where the next context's runner is handed to it.
struct Idle {
    next: Mutex<Option<Arc<Runner>>>,
    handed: Condvar,
}

impl Idle {
    /// Hands `runner` to an idle context thread, if there is one.
    fn hand_over(runner: &Arc<Runner>) -> bool {
        let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let Some(idle) = idle else {
            return false;
        };
        *idle.next.lock().unwrap_or_else(PoisonError::into_inner) = Some(runner.clone());
        idle.handed.notify_one();
        true
    }

    /// On a context thread that finished a context: waits for the next one, or returns `None`
    /// (the thread then exits) if there are enough idle threads or none came in time.
    fn wait_for_next() -> Option<Arc<Runner>> {
        let me = Arc::new(Idle {
            next: Mutex::new(None),
            handed: Condvar::new(),
        });
        {
            let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() >= MAX_IDLE {
                return None;
            }
            idle.push(me.clone());
        }
        let mut next = me.next.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(runner) = next.take() {
                return Some(runner);
            }
            let (guard, waited) = me
                .handed
                .wait_timeout(next, IDLE_FOR)
                .unwrap_or_else(PoisonError::into_inner);
            next = guard;
            if waited.timed_out() && next.is_none() {
                let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(at) = idle.iter().position(|other| Arc::ptr_eq(other, &me)) {
                    idle.remove(at);
                    return None;
                }
                // Taken from the list just now: the runner is on its way.
            }
        }
    }
}
