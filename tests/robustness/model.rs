//! Model-based tests (RELIABILITY.md, guarantee M1): random programs, run on a real
//! multi-threaded runtime, every read compared with a plain reference model.
//!
//! # The model
//!
//! The reference model of a context is a `Frame`: four `Option<u64>` (the fields `A.x`, `A.y`,
//! `B.z`, `B.w`) plus, per struct, "did code running in this frame write it". Its rules are the
//! contract's rules, written as plainly as possible:
//!
//! - a write changes the frame it runs in; a read returns what the frame says (`B.w` reads as
//!   its default, 7, when unset);
//! - a spawned task, a scope (`scope_*`, `sync_scope_*`, `value.scope`, `ctx.run`/`ctx.scope`),
//!   `spawn_blocking` and `thread::spawn` get a *copy* of the frame (the scope's override
//!   applied), and what they write is never copied back; a plain `std::thread` starts empty;
//! - a bridge (`sync_to_async`, `async_to_sync`) gets a copy too, and when it completes (also by
//!   a panic) every struct it wrote replaces the caller's copy of that struct; the other structs
//!   keep the caller's current values (which the caller may have changed meanwhile: see
//!   `Op::SyncToAsync`'s `alongside` ops);
//! - untracked work (plain `tokio::spawn` / `spawn_blocking`) sees nothing, and every write
//!   there is refused (`set_*` panics, `try_set_*` errs, a bridge that wrote panics when writing
//!   back, unless the bridged code panicked itself: that panic comes first); taking or clearing
//!   nothing is a no-op;
//! - inside `update_x(f)` the field reads as unset and what `f` leaves is stored at the end,
//!   over anything written to `x` meanwhile, also when `f` panics; inside `with_x(f)` the
//!   borrow never changes, writes go to the frame as usual;
//! - `async_to_sync` where blocking is not allowed (inside any poll of async code) panics and
//!   changes nothing;
//! - a thread-sensitive `sync_to_async` (rules TS1-TS4) is a bridge like the other, and also
//!   runs on its flow's sync thread: the thread blocked in the innermost `async_to_sync`, else
//!   the thread of the innermost `thread_sensitive_context` (one per context, never shared),
//!   else the one process-wide sync thread (a context's thread may be reused by a later
//!   context, never shared by two at once). Each frame knows its flow's runner (a `FlowM`):
//!   `async_to_sync` and a new `thread_sensitive_context` set it for the code inside them, and
//!   everything else inherits it. Where it is certain (`FlowM::exact`), the model checks which
//!   thread the call ran on, and that it was not refused; a call made inside a thread-sensitive
//!   call's own code, on the same runner, must be refused ("would deadlock"); in a plain tokio
//!   task it must be refused too. In a task spawned from code that may end before it (a
//!   context, an `async_to_sync`, a thread-sensitive call), the runner it reaches depends on
//!   timing: there the call may run or be refused (its runner gone or busy with the call that
//!   spawned it), and only what it sees is checked.
//!
//! The interpreter runs each operation twice, side by side: for real, through the crate, and on
//! the model, and compares all four fields (through `x()`, `with_x` and `is_x_set`) after every
//! operation, in every task, closure, scope and thread. Because every task and closure carries
//! its own model frame, the expected values do not depend on how the scheduler interleaves
//! tasks; and because the model advances with the real operations, a future dropped half-way
//! leaves the model exactly where the real context should be.
//!
//! Values are `Counted`, so every case also checks that each value created was dropped exactly
//! once by the time the runtime has shut down.
//!
//! Cases: `CTXLOCAL_MODEL_CASES` (default 256: a few seconds in debug mode). The long run:
//! `CTXLOCAL_MODEL_CASES=100000 cargo test --release -p ctxlocal-tests --test robustness model::random -- --nocapture`.
//! A failing case is shrunk by proptest to a minimal program, printed with the divergences.

use crate::support;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskCx, Waker};
use std::thread::ThreadId;
use std::time::Duration;

use ctxlocal::{Context, ContextExt, async_local};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use support::{
    Counted, Counters, boom, catch_unwind_future, env_count, is_boom, panic_message, poll_once,
    poll_times, quiet_expected_panics,
};
use tokio::sync::oneshot;

#[async_local]
struct A {
    x: Counted,
    y: Counted,
}

#[async_local]
struct B {
    z: Counted,
    #[local(default = 7)]
    w: u64,
}

const W_DEFAULT: u64 = 7;

// ---------------------------------------------------------------------------------------------
// Programs
// ---------------------------------------------------------------------------------------------

/// A field: `A.x`, `A.y`, `B.z`, or `B.w` (a `u64` with default 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    X,
    Y,
    Z,
    W,
}

const FIELDS: [F; 4] = [F::X, F::Y, F::Z, F::W];

impl F {
    fn index(self) -> usize {
        self as usize
    }

    /// 0 for `A`, 1 for `B`.
    fn strukt(self) -> usize {
        match self {
            F::X | F::Y => 0,
            F::Z | F::W => 1,
        }
    }
}

/// The fields of struct `s`.
fn fields_of(s: usize) -> [F; 2] {
    if s == 0 { [F::X, F::Y] } else { [F::Z, F::W] }
}

/// What an `update_*` closure does to the value it is given.
#[derive(Clone, Copy, Debug)]
enum Upd {
    Put(u64),
    Add(u64),
    /// `None` for `x`, `y`, `z`; 0 for `w`.
    Clear,
}

#[derive(Clone, Copy, Debug)]
enum SpawnHow {
    /// `ctxlocal::spawn(fut)`
    Spawn,
    /// `tokio::spawn(fut.in_current_context())`
    InCurrent,
    /// `tokio::spawn(fut.in_context(captured))`, the last `Capture` of this frame (or now).
    InCaptured,
}

#[derive(Clone, Copy, Debug)]
enum ScopeHow {
    /// `scope_<f>(v, fut)` / `sync_scope_<f>(v, f)`
    Field(F, u64),
    /// `A { x: v, y: v + 1 }.scope(..)` (or `B { z: v, w: v + 1 }`) / `.sync_scope(..)`
    Struct(usize, u64),
    /// `Context::current().scope(..)` / `.run(..)`
    Current,
}

/// Operations run inside a closure (or a future), which panics with `Boom` at the end if
/// `panic` is set.
#[derive(Clone, Debug)]
struct Body {
    ops: Vec<Op>,
    panic: bool,
}

#[derive(Clone, Debug)]
enum Op {
    Set(F, u64),
    Replace(F, u64),
    Take(F),
    /// `A::clear()` / `B::clear()`
    Clear(usize),
    /// `A { x: v, y: v + 1 }.set()` / `B { z: v, w: v + 1 }.set()`
    SetStruct(usize, u64),
    /// `tokio::task::yield_now()` (nothing in sync code).
    Yield,
    /// Awaits this frame's most recent unawaited child (nothing in sync code).
    AwaitChild,
    /// Aborts this frame's most recent unawaited child.
    AbortChild,
    /// Keeps `Context::current()` for `RunCaptured` / `SpawnHow::InCaptured`.
    Capture,
    /// `update_<f>(|v| { apply upd; run body })`: reentrant accessors inside the closure.
    Update(F, Upd, Body),
    /// `with_<f>(|v| { run body; check v did not change })`.
    With(F, Body),
    Spawn(SpawnHow, Body),
    /// Plain `tokio::spawn` (false) or `tokio::task::spawn_blocking` (true).
    SpawnUntracked(bool, Vec<Op>),
    /// `ctxlocal::spawn_blocking`.
    SpawnBlocking(Vec<Op>),
    /// `ctxlocal::thread::spawn` (true) or `std::thread::spawn` (false), joined.
    Thread(bool, Vec<Op>),
    /// `sync_to_async(closure running body)`; in async code, the `alongside` operations run in
    /// the caller's context while the closure runs (between the first poll and the
    /// completion), which is what the per-struct write-back is for. In sync code this is
    /// `async_to_sync(sync_to_async(..))`, then `alongside`.
    SyncToAsync(Body, Vec<Op>),
    /// `async_to_sync(future running body)`.
    AsyncToSync(Body),
    /// `sync_to_async(closure running body).thread_sensitive()`, with `alongside` operations as
    /// for `SyncToAsync`; in sync code, `async_to_sync(..)` of it (so the calling thread runs it).
    SyncToAsyncTs(Body, Vec<Op>),
    /// `thread_sensitive_context(future running body)`; in sync code, `async_to_sync(..)` of it.
    TsContext(Body),
    Scope(ScopeHow, Body),
    /// `captured.scope(fut)` / `captured.run(f)`.
    RunCaptured(Body),
    /// The operations as an inline future of this frame (same context), polled at most `n`
    /// times and then dropped: a future dropped half-way, at an arbitrary await point.
    DropAfter(u8, Vec<Op>),
}

impl Op {
    /// A one-line description (without nested bodies) for divergence messages.
    fn label(&self) -> String {
        match self {
            Op::Update(f, upd, body) => format!("Update({f:?}, {upd:?}, panic: {})", body.panic),
            Op::With(f, body) => format!("With({f:?}, panic: {})", body.panic),
            Op::Spawn(how, body) => format!("Spawn({how:?}, panic: {})", body.panic),
            Op::SpawnUntracked(blocking, _) => format!("SpawnUntracked(blocking: {blocking})"),
            Op::SpawnBlocking(_) => "SpawnBlocking".to_owned(),
            Op::Thread(carry, _) => format!("Thread(carry: {carry})"),
            Op::SyncToAsync(body, alongside) => format!(
                "SyncToAsync(panic: {}, alongside: {})",
                body.panic,
                alongside.len()
            ),
            Op::AsyncToSync(body) => format!("AsyncToSync(panic: {})", body.panic),
            Op::SyncToAsyncTs(body, alongside) => format!(
                "SyncToAsyncTs(panic: {}, alongside: {})",
                body.panic,
                alongside.len()
            ),
            Op::TsContext(body) => format!("TsContext(panic: {})", body.panic),
            Op::Scope(how, body) => format!("Scope({how:?}, panic: {})", body.panic),
            Op::RunCaptured(body) => format!("RunCaptured(panic: {})", body.panic),
            Op::DropAfter(n, _) => format!("DropAfter({n})"),
            other => format!("{other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

type Vals = [Option<u64>; 4];

const EMPTY: Vals = [None; 4];

/// Which sync thread runs a flow's thread-sensitive calls (rule TS1); numbered per case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum RunnerM {
    /// The process-wide sync thread.
    #[default]
    Global,
    /// The thread blocked in `async_to_sync` number n.
    Caller(u64),
    /// The thread of `thread_sensitive_context` number n.
    Context(u64),
}

/// What a context knows of its flow's sync thread, as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FlowM {
    runner: RunnerM,
    /// The runner is certainly open whenever code of this frame runs, and certainly not busy
    /// with a call this frame's code is part of (unless `in_call`).
    exact: bool,
    /// The frame's code runs inside a thread-sensitive call made on `runner`.
    in_call: bool,
}

impl Default for FlowM {
    fn default() -> Self {
        FlowM {
            runner: RunnerM::Global,
            exact: true,
            in_call: false,
        }
    }
}

impl FlowM {
    /// The flow of a task or thread started here, which may outlive what this frame is in.
    fn for_child(self) -> FlowM {
        let lasts = self.runner == RunnerM::Global && !self.in_call;
        FlowM {
            exact: self.exact && lasts,
            ..self
        }
    }
}

/// What a snapshot of a context carries: the values, and the flow's sync thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Snap {
    vals: Vals,
    flow: FlowM,
}

/// The model of one context, plus what the interpreter keeps per frame.
#[derive(Default)]
struct Frame {
    vals: Vals,
    flow: FlowM,
    /// Per struct: written by code running in this frame: `set`, `replace`, `update`,
    /// `value.set()`, a `take` of a set field, a `clear` of a struct with a set field, or a
    /// nested bridge's write-back of one of those. Decides a bridge's write-back.
    written: [bool; 2],
    /// Registry ids of children not awaited yet.
    children: Vec<u64>,
    /// The last `Capture`: the real snapshot and the model's.
    captured: Option<(Context, Snap)>,
}

impl Frame {
    fn new(snap: Snap) -> Frame {
        Frame {
            vals: snap.vals,
            flow: snap.flow,
            ..Frame::default()
        }
    }

    fn snap(&self) -> Snap {
        Snap {
            vals: self.vals,
            flow: self.flow,
        }
    }

    fn write(&mut self, f: F, value: Option<u64>) {
        let s = f.strukt();
        self.vals[f.index()] = value;
        self.written[s] = true;
    }

    /// `A::clear()` / `B::clear()`.
    fn clear(&mut self, s: usize) {
        if fields_of(s).iter().any(|f| self.vals[f.index()].is_some()) {
            self.written[s] = true;
        }
        for f in fields_of(s) {
            self.vals[f.index()] = None;
        }
    }

    fn any_written(&self) -> bool {
        self.written.iter().any(|&w| w)
    }

    /// A bridge's write-back: every struct the bridged code wrote (see `written`) replaces
    /// ours, as it is at the end (set or cleared); the others keep our current values.
    fn merge(&mut self, inner: &Frame) {
        for s in 0..2 {
            if inner.written[s] {
                for f in fields_of(s) {
                    self.vals[f.index()] = inner.vals[f.index()];
                }
                self.written[s] = true;
            }
        }
    }
}

/// What a read of `f` returns, per the model: (`x()`, `with_x`, `is_x_set`).
fn expected_read(f: F, vals: &Vals) -> (Option<u64>, Option<u64>, bool) {
    let value = vals[f.index()];
    match f {
        F::W => {
            let shown = Some(value.unwrap_or(W_DEFAULT));
            (shown, shown, value.is_some())
        }
        _ => (value, value, value.is_some()),
    }
}

impl Upd {
    /// The value an `update_*` closure leaves, per the model.
    fn model(self, f: F, old: Option<u64>) -> Option<u64> {
        match f {
            F::W => {
                let old = old.unwrap_or(W_DEFAULT);
                Some(match self {
                    Upd::Put(v) => v,
                    Upd::Add(k) => old + k,
                    Upd::Clear => 0,
                })
            }
            _ => match self {
                Upd::Put(v) => Some(v),
                Upd::Add(k) => old.map(|o| o + k),
                Upd::Clear => None,
            },
        }
    }
}

/// Where code runs. Decides what the model expects of reads, writes and `async_to_sync`.
#[derive(Clone, Copy, Debug)]
struct Env {
    /// Plain tokio work: sees nothing, may not write.
    untracked: bool,
    /// `async_to_sync` may block here (no async code is being polled on this thread).
    may_block: bool,
    /// Inside a poll of a future this crate wraps (where `async_to_sync` refuses with its own
    /// message; elsewhere tokio refuses to nest runtimes).
    crate_poll: bool,
}

/// A task started by the crate, a scope's future, an `async_to_sync` future.
const TASK: Env = Env {
    untracked: false,
    may_block: false,
    crate_poll: true,
};
/// A closure on a thread the crate chose (`sync_to_async`, `spawn_blocking`), or a thread.
const BLOCKING: Env = Env {
    untracked: false,
    may_block: true,
    crate_poll: false,
};

/// What code running in `frame` sees (untracked work sees nothing).
fn visible(env: Env, frame: &Frame) -> Snap {
    if env.untracked {
        Snap::default()
    } else {
        frame.snap()
    }
}

// ---------------------------------------------------------------------------------------------
// The real side: one accessor call per model operation
// ---------------------------------------------------------------------------------------------

fn observe(f: F) -> (Option<u64>, Option<u64>, bool) {
    match f {
        F::X => (
            A::x().map(|c| c.id),
            A::with_x(|v| v.map(|c| c.id)),
            A::is_x_set(),
        ),
        F::Y => (
            A::y().map(|c| c.id),
            A::with_y(|v| v.map(|c| c.id)),
            A::is_y_set(),
        ),
        F::Z => (
            B::z().map(|c| c.id),
            B::with_z(|v| v.map(|c| c.id)),
            B::is_z_set(),
        ),
        F::W => (Some(B::w()), Some(B::with_w(|w| *w)), B::is_w_set()),
    }
}

fn real_set(case: &Case, f: F, v: u64) {
    match f {
        F::X => A::set_x(case.make(v)),
        F::Y => A::set_y(case.make(v)),
        F::Z => B::set_z(case.make(v)),
        F::W => B::set_w(v),
    }
}

fn real_try_set(case: &Case, f: F, v: u64) -> Result<(), ctxlocal::AccessError> {
    match f {
        F::X => A::try_set_x(case.make(v)),
        F::Y => A::try_set_y(case.make(v)),
        F::Z => B::try_set_z(case.make(v)),
        F::W => B::try_set_w(v),
    }
}

fn real_replace(case: &Case, f: F, v: u64) -> Option<u64> {
    match f {
        F::X => A::replace_x(case.make(v)).map(|c| c.id),
        F::Y => A::replace_y(case.make(v)).map(|c| c.id),
        F::Z => B::replace_z(case.make(v)).map(|c| c.id),
        F::W => B::replace_w(v),
    }
}

fn real_take(f: F) -> Option<u64> {
    match f {
        F::X => A::take_x().map(|c| c.id),
        F::Y => A::take_y().map(|c| c.id),
        F::Z => B::take_z().map(|c| c.id),
        F::W => B::take_w(),
    }
}

fn real_clear(s: usize) {
    if s == 0 { A::clear() } else { B::clear() }
}

/// `A { x: v, y: v + 1 }`: the whole-struct value that `SetStruct(0, v)` and
/// `ScopeHow::Struct(0, v)` write (and the model mirrors).
fn a_values(case: &Case, v: u64) -> A {
    A {
        x: case.make(v),
        y: case.make(v + 1),
    }
}

/// `B { z: v, w: v + 1 }`: the whole-struct value that `SetStruct(1, v)` and
/// `ScopeHow::Struct(1, v)` write (and the model mirrors).
fn b_values(case: &Case, v: u64) -> B {
    B {
        z: case.make(v),
        w: v + 1,
    }
}

fn real_set_struct(case: &Case, s: usize, v: u64) {
    if s == 0 {
        a_values(case, v).set()
    } else {
        b_values(case, v).set()
    }
}

/// `update_<f>`: records the value the closure was given in `seen`, applies `upd`, then runs
/// `inner` (which may panic).
fn real_update(case: &Case, f: F, upd: Upd, seen: &mut Option<Option<u64>>, inner: impl FnOnce()) {
    let counted = |v: &mut Option<Counted>, seen: &mut Option<Option<u64>>| {
        *seen = Some(v.as_ref().map(|c| c.id));
        match upd {
            Upd::Put(n) => *v = Some(case.make(n)),
            Upd::Add(k) => {
                if let Some(c) = v {
                    c.id += k;
                }
            }
            Upd::Clear => *v = None,
        }
    };
    match f {
        F::X => A::update_x(|v| {
            counted(v, seen);
            inner()
        }),
        F::Y => A::update_y(|v| {
            counted(v, seen);
            inner()
        }),
        F::Z => B::update_z(|v| {
            counted(v, seen);
            inner()
        }),
        F::W => B::update_w(|w| {
            *seen = Some(Some(*w));
            match upd {
                Upd::Put(n) => *w = n,
                Upd::Add(k) => *w += k,
                Upd::Clear => *w = 0,
            }
            inner()
        }),
    }
}

/// `with_<f>`: `body` gets a function that reads the borrowed value now.
fn real_with<R>(f: F, body: impl FnOnce(&dyn Fn() -> Option<u64>) -> R) -> R {
    match f {
        F::X => A::with_x(|v| body(&|| v.map(|c| c.id))),
        F::Y => A::with_y(|v| body(&|| v.map(|c| c.id))),
        F::Z => B::with_z(|v| body(&|| v.map(|c| c.id))),
        F::W => B::with_w(|w| body(&|| Some(*w))),
    }
}

fn real_scope<Fut: Future>(case: &Case, how: ScopeHow, fut: Fut) -> ctxlocal::WithContext<Fut> {
    match how {
        ScopeHow::Field(F::X, v) => A::scope_x(case.make(v), fut),
        ScopeHow::Field(F::Y, v) => A::scope_y(case.make(v), fut),
        ScopeHow::Field(F::Z, v) => B::scope_z(case.make(v), fut),
        ScopeHow::Field(F::W, v) => B::scope_w(v, fut),
        ScopeHow::Struct(0, v) => a_values(case, v).scope(fut),
        ScopeHow::Struct(_, v) => b_values(case, v).scope(fut),
        ScopeHow::Current => Context::current().scope(fut),
    }
}

fn real_sync_scope<R>(case: &Case, how: ScopeHow, f: impl FnOnce() -> R) -> R {
    match how {
        ScopeHow::Field(F::X, v) => A::sync_scope_x(case.make(v), f),
        ScopeHow::Field(F::Y, v) => A::sync_scope_y(case.make(v), f),
        ScopeHow::Field(F::Z, v) => B::sync_scope_z(case.make(v), f),
        ScopeHow::Field(F::W, v) => B::sync_scope_w(v, f),
        ScopeHow::Struct(0, v) => a_values(case, v).sync_scope(f),
        ScopeHow::Struct(_, v) => b_values(case, v).sync_scope(f),
        ScopeHow::Current => Context::current().run(f),
    }
}

/// The model of a scope's context: a copy of the caller's, with the override applied.
fn scope_snap(how: ScopeHow, mut snap: Snap) -> Snap {
    match how {
        ScopeHow::Field(f, v) => {
            snap.vals[f.index()] = Some(v);
        }
        ScopeHow::Struct(s, v) => {
            let [a, b] = fields_of(s);
            snap.vals[a.index()] = Some(v);
            snap.vals[b.index()] = Some(v + 1);
        }
        ScopeHow::Current => {}
    }
    snap
}

// ---------------------------------------------------------------------------------------------
// One case: shared state, registry of everything still running
// ---------------------------------------------------------------------------------------------

/// Work that outlives the operation that started it, so that the end of the case can wait for
/// all of it (and check it), whatever was dropped or aborted on the way.
enum Pending {
    Task(tokio::task::JoinHandle<()>),
    /// A `sync_to_async` closure: its sender is dropped when it has finished (or was dropped).
    Closure(oneshot::Receiver<()>),
    Thread(oneshot::Receiver<()>, Option<std::thread::JoinHandle<()>>),
}

struct Entry {
    pending: Pending,
    /// The work ends with a deliberate `Boom` panic.
    expect_boom: bool,
    what: &'static str,
}

impl Entry {
    /// Waits for the work to finish; `Err` carries an unexpected panic's message.
    async fn wait(&mut self) -> Result<(), String> {
        let outcome = match &mut self.pending {
            Pending::Task(handle) => match handle.await {
                Ok(()) => Ok(()),
                Err(error) if error.is_cancelled() => Ok(()),
                Err(error) => Err(error.into_panic()),
            },
            Pending::Closure(done) => {
                let _ = done.await;
                Ok(())
            }
            Pending::Thread(done, handle) => {
                let _ = done.await;
                // The thread has finished its work; this waits for its exit only.
                handle.take().expect("joined once").join()
            }
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(payload) if self.expect_boom && is_boom(&*payload) => Ok(()),
            Err(payload) => Err(format!(
                "{} panicked: {}",
                self.what,
                panic_message(&*payload)
            )),
        }
    }
}

struct Case {
    counters: Arc<Counters>,
    errors: Mutex<Vec<String>>,
    /// Operations executed and checked against the model.
    checks: AtomicU64,
    /// Thread-sensitive calls whose thread was checked, and those refused as the model said.
    thread_checks: AtomicU64,
    refusals: AtomicU64,
    registry: Mutex<(u64, BTreeMap<u64, Entry>)>,
    handle: tokio::runtime::Handle,
    /// The model's sync-thread runners (`RunnerM`) numbered so far, and the threads seen
    /// running each (the process-wide one is `GLOBAL_SYNC_THREAD`).
    runners: Mutex<(u64, HashMap<RunnerM, ThreadId>)>,
}

/// The process-wide sync thread, once a case has seen it.
static GLOBAL_SYNC_THREAD: OnceLock<ThreadId> = OnceLock::new();

impl Case {
    /// A case with no errors, checks or pending work yet, making its values with `counters`
    /// and spawning on `handle`'s runtime.
    fn new(counters: Arc<Counters>, handle: tokio::runtime::Handle) -> Self {
        Case {
            counters,
            errors: Mutex::new(Vec::new()),
            checks: AtomicU64::new(0),
            thread_checks: AtomicU64::new(0),
            refusals: AtomicU64::new(0),
            registry: Mutex::new((0, BTreeMap::new())),
            handle,
            runners: Mutex::new((0, HashMap::new())),
        }
    }

    /// A new runner number.
    fn next_runner(&self) -> u64 {
        let mut runners = self.runners.lock().unwrap();
        runners.0 += 1;
        runners.0
    }

    /// Checks that a thread-sensitive call of a flow whose runner is `runner` ran on `seen`:
    /// one thread per runner, the one an `async_to_sync` ran on for a caller, not the
    /// process-wide one for a context.
    fn expect_thread(&self, runner: RunnerM, seen: ThreadId) {
        self.thread_checks.fetch_add(1, Ordering::Relaxed);
        let global = *GLOBAL_SYNC_THREAD.get_or_init(|| seen);
        if runner == RunnerM::Global {
            if seen != global {
                self.fail(format!(
                    "a call on the process-wide sync thread ran on {seen:?}, not {global:?}"
                ));
            }
            return;
        }
        let mut runners = self.runners.lock().unwrap();
        match runners.1.get(&runner) {
            Some(&want) if want != seen => self.fail(format!(
                "a call for {runner:?} ran on {seen:?}, not on its thread {want:?}"
            )),
            Some(_) => {}
            None => {
                // (A context's thread may be one an earlier context used: threads are reused.)
                if seen == global {
                    self.fail(format!("{runner:?} runs on the process-wide sync thread"));
                }
                runners.1.insert(runner, seen);
            }
        }
    }

    fn make(&self, v: u64) -> Counted {
        self.counters.make(v)
    }

    fn fail(&self, message: String) {
        self.errors.lock().unwrap().push(message);
    }

    fn register(&self, pending: Pending, expect_boom: bool, what: &'static str) -> u64 {
        let mut registry = self.registry.lock().unwrap();
        registry.0 += 1;
        let id = registry.0;
        registry.1.insert(
            id,
            Entry {
                pending,
                expect_boom,
                what,
            },
        );
        id
    }

    fn take(&self, id: u64) -> Option<Entry> {
        self.registry.lock().unwrap().1.remove(&id)
    }

    fn put_back(&self, id: u64, entry: Entry) {
        self.registry.lock().unwrap().1.insert(id, entry);
    }

    fn abort(&self, id: u64) {
        if let Some(Entry {
            pending: Pending::Task(handle),
            ..
        }) = self.registry.lock().unwrap().1.get(&id)
        {
            handle.abort();
        }
    }

    fn any_entry(&self) -> Option<u64> {
        self.registry.lock().unwrap().1.keys().next().copied()
    }

    /// Compares every field with the model.
    fn check(&self, env: Env, frame: &Frame, after: &dyn Fn() -> String) {
        if env.untracked && frame.vals != EMPTY {
            self.fail(format!("model bug: untracked frame holds {:?}", frame.vals));
        }
        self.checks.fetch_add(1, Ordering::Relaxed);
        let vals = visible(env, frame).vals;
        for f in FIELDS {
            let seen = observe(f);
            let want = expected_read(f, &vals);
            if seen != want {
                self.fail(format!(
                    "after {}: {f:?} reads (get, with, is_set) {seen:?}, the model says {want:?} \
                     (env {env:?})",
                    after()
                ));
            }
        }
    }

    /// Compares how a closure ended with what the model expects.
    fn judge(&self, what: &str, result: std::thread::Result<()>, expect: Expect) {
        let problem = match (result, expect) {
            (Ok(()), Expect::Ok) => None,
            (Err(p), Expect::Boom) if is_boom(&*p) => None,
            (Err(p), Expect::Refused(text)) if panic_message(&*p).contains(text) => None,
            (Err(p), Expect::AnyRefusal) if !is_boom(&*p) => None,
            (Ok(()), expect) => Some(format!("returned, expected {expect:?}")),
            (Err(p), expect) => Some(format!(
                "panicked with {:?}, expected {expect:?}",
                panic_message(&*p)
            )),
        };
        if let Some(problem) = problem {
            self.fail(format!("{what}: {problem}"));
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    Ok,
    Boom,
    /// A panic whose message contains this.
    Refused(&'static str),
    /// Any panic but `Boom`.
    AnyRefusal,
}

fn expect_end(panic: bool) -> Expect {
    if panic { Expect::Boom } else { Expect::Ok }
}

const UNTRACKED_WRITE: &str = "refused";
const TS_UNTRACKED: &str = "not started by ctxlocal";
const TS_DEADLOCK: &str = "would deadlock";
const TS_GONE: &str = "sync thread is gone";
const WRITE_BACK_REFUSED: &str = "could not write its changes back";
const ASYNC_TO_SYNC_REFUSED: &str = "was called from async code";

/// Waits for registry entry `id`; if this future is dropped first, the entry goes back to the
/// registry so the end of the case still waits for it.
async fn await_entry(case: &Arc<Case>, id: u64) {
    struct Reinsert<'a> {
        case: &'a Case,
        id: u64,
        entry: Option<Entry>,
    }
    impl Drop for Reinsert<'_> {
        fn drop(&mut self) {
            if let Some(entry) = self.entry.take() {
                self.case.put_back(self.id, entry);
            }
        }
    }
    let Some(entry) = case.take(id) else {
        return;
    };
    let mut guard = Reinsert {
        case,
        id,
        entry: Some(entry),
    };
    let outcome = guard.entry.as_mut().expect("present").wait().await;
    guard.entry = None;
    if let Err(message) = outcome {
        case.fail(message);
    }
}

// ---------------------------------------------------------------------------------------------
// The interpreter
// ---------------------------------------------------------------------------------------------

type BoxFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

fn run_sync(case: &Arc<Case>, env: Env, ops: &[Op], frame: &mut Frame) {
    for op in ops {
        step_sync(case, env, op, frame);
        case.check(env, frame, &|| op.label());
    }
}

fn run_async<'a>(
    case: &'a Arc<Case>,
    env: Env,
    ops: &'a [Op],
    frame: &'a mut Frame,
) -> BoxFuture<'a> {
    Box::pin(async move {
        for op in ops {
            step_async(case, env, op, frame).await;
            case.check(env, frame, &|| op.label());
        }
    })
}

/// Operations that need no `.await`, and the sync forms of the others.
fn step_sync(case: &Arc<Case>, env: Env, op: &Op, frame: &mut Frame) {
    match op {
        Op::Set(f, v) => {
            if env.untracked {
                if v % 2 == 0 {
                    match real_try_set(case, *f, *v) {
                        Err(error) if error.is_untracked_task() => {}
                        other => case.fail(format!("untracked try_set {f:?}: {other:?}")),
                    }
                } else {
                    let r = catch_unwind(AssertUnwindSafe(|| real_set(case, *f, *v)));
                    case.judge("untracked set", r, Expect::Refused(UNTRACKED_WRITE));
                }
            } else {
                real_set(case, *f, *v);
                frame.write(*f, Some(*v));
            }
        }
        Op::Replace(f, v) => {
            if env.untracked {
                let r = catch_unwind(AssertUnwindSafe(|| {
                    real_replace(case, *f, *v);
                }));
                case.judge("untracked replace", r, Expect::Refused(UNTRACKED_WRITE));
            } else {
                let previous = real_replace(case, *f, *v);
                if previous != frame.vals[f.index()] {
                    case.fail(format!(
                        "Replace({f:?}) returned {previous:?}, the model says {:?}",
                        frame.vals[f.index()]
                    ));
                }
                frame.write(*f, Some(*v));
            }
        }
        Op::Take(f) => {
            let taken = real_take(*f);
            let want = visible(env, frame).vals[f.index()];
            if taken != want {
                case.fail(format!(
                    "Take({f:?}) returned {taken:?}, the model says {want:?}"
                ));
            }
            if want.is_some() {
                frame.write(*f, None);
            }
        }
        Op::Clear(s) => {
            real_clear(*s);
            if !env.untracked {
                frame.clear(*s);
            }
        }
        Op::SetStruct(s, v) => {
            if env.untracked {
                let r = catch_unwind(AssertUnwindSafe(|| real_set_struct(case, *s, *v)));
                case.judge("untracked value.set()", r, Expect::Refused(UNTRACKED_WRITE));
            } else {
                real_set_struct(case, *s, *v);
                let [a, b] = fields_of(*s);
                frame.write(a, Some(*v));
                frame.write(b, Some(*v + 1));
            }
        }
        Op::Yield | Op::AwaitChild => {}
        Op::AbortChild => {
            if let Some(id) = frame.children.pop() {
                case.abort(id);
            }
        }
        Op::Capture => {
            frame.captured = Some((Context::current(), visible(env, frame)));
        }
        Op::Update(f, upd, body) => update(case, env, frame, *f, *upd, body),
        Op::With(f, body) => with(case, env, frame, *f, body),
        Op::Spawn(how, body) => spawn(case, env, frame, *how, body),
        Op::SpawnUntracked(blocking, ops) => {
            let c = case.clone();
            let ops = ops.clone();
            let handle = if *blocking {
                tokio::task::spawn_blocking(move || {
                    let env = Env {
                        untracked: true,
                        may_block: true,
                        crate_poll: false,
                    };
                    run_sync(&c, env, &ops, &mut Frame::default());
                })
            } else {
                tokio::spawn(async move {
                    let env = Env {
                        untracked: true,
                        may_block: false,
                        crate_poll: false,
                    };
                    run_async(&c, env, &ops, &mut Frame::default()).await;
                })
            };
            let id = case.register(Pending::Task(handle), false, "untracked task");
            frame.children.push(id);
        }
        Op::SpawnBlocking(ops) => {
            let c = case.clone();
            let ops = ops.clone();
            let mut snap = visible(env, frame);
            snap.flow = snap.flow.for_child();
            let mut child = Frame::new(snap);
            let handle = ctxlocal::spawn_blocking(move || run_sync(&c, BLOCKING, &ops, &mut child));
            let id = case.register(Pending::Task(handle), false, "spawn_blocking");
            frame.children.push(id);
        }
        Op::Thread(carry, ops) => {
            // Joining blocks this thread: only where blocking is allowed (never a worker).
            if env.may_block {
                let (handle, _done) = start_thread(case, env, frame, *carry, ops);
                if let Err(panic) = handle.join() {
                    case.fail(format!("thread panicked: {}", panic_message(&*panic)));
                }
            }
        }
        Op::SyncToAsync(body, alongside) => {
            if env.may_block {
                // Sync code reaches async code through `async_to_sync`.
                let nested = Body {
                    ops: vec![Op::SyncToAsync(body.clone(), Vec::new())],
                    panic: false,
                };
                async_to_sync(case, env, frame, &nested);
            } else {
                async_to_sync_refused(case, env);
            }
            run_sync(case, env, alongside, frame);
        }
        Op::AsyncToSync(body) => {
            if env.may_block {
                async_to_sync(case, env, frame, body);
            } else {
                async_to_sync_refused(case, env);
            }
        }
        Op::SyncToAsyncTs(body, alongside) => {
            if env.may_block {
                // Sync code reaches it through `async_to_sync`, whose thread (this one) runs it.
                let nested = Body {
                    ops: vec![Op::SyncToAsyncTs(body.clone(), Vec::new())],
                    panic: false,
                };
                async_to_sync(case, env, frame, &nested);
            } else {
                async_to_sync_refused(case, env);
            }
            run_sync(case, env, alongside, frame);
        }
        Op::TsContext(body) => {
            if env.may_block {
                let nested = Body {
                    ops: vec![Op::TsContext(body.clone())],
                    panic: false,
                };
                async_to_sync(case, env, frame, &nested);
            } else {
                async_to_sync_refused(case, env);
            }
        }
        Op::Scope(how, body) => {
            let mut child = Frame::new(scope_snap(*how, visible(env, frame)));
            let inner = Env {
                untracked: false,
                ..env
            };
            let r = catch_unwind(AssertUnwindSafe(|| {
                real_sync_scope(case, *how, || {
                    run_sync(case, inner, &body.ops, &mut child);
                    if body.panic {
                        boom()
                    }
                })
            }));
            case.judge("sync scope", r, expect_end(body.panic));
        }
        Op::RunCaptured(body) => {
            let (ctx, vals) = captured(env, frame);
            let mut child = Frame::new(vals);
            let inner = Env {
                untracked: false,
                ..env
            };
            let r = catch_unwind(AssertUnwindSafe(|| {
                ctx.run(|| {
                    run_sync(case, inner, &body.ops, &mut child);
                    if body.panic {
                        boom()
                    }
                })
            }));
            case.judge("ctx.run", r, expect_end(body.panic));
        }
        Op::DropAfter(n, ops) => {
            // Polled by hand, with a waker that does nothing, then dropped.
            let mut fut = run_async(case, env, ops, frame);
            let mut cx = TaskCx::from_waker(Waker::noop());
            for _ in 0..*n {
                if fut.as_mut().poll(&mut cx).is_ready() {
                    break;
                }
            }
        }
    }
}

async fn step_async(case: &Arc<Case>, env: Env, op: &Op, frame: &mut Frame) {
    match op {
        Op::Yield => tokio::task::yield_now().await,
        Op::AwaitChild => {
            if let Some(id) = frame.children.pop() {
                await_entry(case, id).await;
            }
        }
        Op::Thread(carry, ops) => {
            let (handle, done) = start_thread(case, env, frame, *carry, ops);
            let id = case.register(Pending::Thread(done, Some(handle)), false, "thread");
            await_entry(case, id).await;
        }
        Op::SyncToAsync(body, alongside) => {
            sync_to_async(case, env, frame, body, alongside, false).await;
        }
        Op::SyncToAsyncTs(body, alongside) => {
            sync_to_async(case, env, frame, body, alongside, true).await;
        }
        Op::TsContext(body) => ts_context(case, env, frame, body).await,
        Op::Scope(how, body) => {
            let mut child = Frame::new(scope_snap(*how, visible(env, frame)));
            let fut = async {
                run_async(case, TASK, &body.ops, &mut child).await;
                if body.panic {
                    boom()
                }
            };
            let r = catch_unwind_future(real_scope(case, *how, fut)).await;
            case.judge("scope", r, expect_end(body.panic));
        }
        Op::RunCaptured(body) => {
            let (ctx, vals) = captured(env, frame);
            let mut child = Frame::new(vals);
            let fut = async {
                run_async(case, TASK, &body.ops, &mut child).await;
                if body.panic {
                    boom()
                }
            };
            let r = catch_unwind_future(ctx.scope(fut)).await;
            case.judge("ctx.scope", r, expect_end(body.panic));
        }
        Op::DropAfter(n, ops) => {
            let n = *n;
            let mut fut = run_async(case, env, ops, frame);
            poll_times(fut.as_mut(), n.into()).await;
        }
        _ => step_sync(case, env, op, frame),
    }
}

fn update(case: &Arc<Case>, env: Env, frame: &mut Frame, f: F, upd: Upd, body: &Body) {
    let mut seen = None;
    if env.untracked {
        let mut ran = false;
        let r = catch_unwind(AssertUnwindSafe(|| {
            real_update(case, f, upd, &mut seen, || ran = true)
        }));
        case.judge("untracked update", r, Expect::Refused(UNTRACKED_WRITE));
        if ran || seen.is_some() {
            case.fail(format!("untracked update_{f:?} ran its closure"));
        }
        return;
    }
    let old = frame.vals[f.index()];
    // While the closure runs, the field reads as unset.
    frame.write(f, None);
    let r = catch_unwind(AssertUnwindSafe(|| {
        real_update(case, f, upd, &mut seen, || {
            run_sync(case, env, &body.ops, frame);
            if body.panic {
                boom()
            }
        })
    }));
    // What the closure left is stored, over whatever it wrote to the field.
    frame.write(f, upd.model(f, old));
    case.judge("update closure", r, expect_end(body.panic));
    let given = if f == F::W {
        Some(old.unwrap_or(W_DEFAULT))
    } else {
        old
    };
    if seen != Some(given) {
        case.fail(format!(
            "update_{f:?}'s closure was given {seen:?}, the model says {given:?}"
        ));
    }
}

fn with(case: &Arc<Case>, env: Env, frame: &mut Frame, f: F, body: &Body) {
    let want = expected_read(f, &visible(env, frame).vals).1;
    let mut before = None;
    let mut after = None;
    let r = catch_unwind(AssertUnwindSafe(|| {
        real_with(f, |now| {
            before = Some(now());
            run_sync(case, env, &body.ops, frame);
            // The borrow is still valid and unchanged, whatever the closure wrote.
            after = Some(now());
            if body.panic {
                boom()
            }
        })
    }));
    case.judge("with closure", r, expect_end(body.panic));
    if before != Some(want) || after != Some(want) {
        case.fail(format!(
            "with_{f:?}'s borrow was {before:?} then {after:?}, the model says {want:?}"
        ));
    }
}

fn captured(env: Env, frame: &Frame) -> (Context, Snap) {
    match &frame.captured {
        Some((ctx, vals)) => (ctx.clone(), *vals),
        None => (Context::current(), visible(env, frame)),
    }
}

fn spawn(case: &Arc<Case>, env: Env, frame: &mut Frame, how: SpawnHow, body: &Body) {
    let (ctx, mut vals) = match how {
        SpawnHow::InCaptured => captured(env, frame),
        SpawnHow::Spawn | SpawnHow::InCurrent => (Context::empty(), visible(env, frame)),
    };
    vals.flow = vals.flow.for_child();
    let c = case.clone();
    let ops = body.ops.clone();
    let panic = body.panic;
    let mut child = Frame::new(vals);
    let fut = async move {
        run_async(&c, TASK, &ops, &mut child).await;
        if panic {
            boom()
        }
    };
    let handle = match how {
        SpawnHow::Spawn => ctxlocal::spawn(fut),
        SpawnHow::InCurrent => tokio::spawn(fut.in_current_context()),
        SpawnHow::InCaptured => tokio::spawn(fut.in_context(ctx)),
    };
    let id = case.register(Pending::Task(handle), panic, "spawned task");
    frame.children.push(id);
}

/// Starts a thread running `ops` (inside the runtime, so it can spawn and bridge).
fn start_thread(
    case: &Arc<Case>,
    env: Env,
    frame: &Frame,
    carry: bool,
    ops: &[Op],
) -> (std::thread::JoinHandle<()>, oneshot::Receiver<()>) {
    let (done_tx, done_rx) = oneshot::channel();
    let c = case.clone();
    let ops = ops.to_vec();
    let vals = if carry {
        visible(env, frame)
    } else {
        Snap::default()
    };
    let body = move || {
        let _runtime = c.handle.enter();
        let mut frame = Frame::new(vals);
        run_sync(&c, BLOCKING, &ops, &mut frame);
        drop(frame);
        let _ = done_tx.send(());
    };
    let handle = if carry {
        ctxlocal::thread::spawn(body)
    } else {
        std::thread::spawn(body)
    };
    (handle, done_rx)
}

fn async_to_sync(case: &Arc<Case>, env: Env, frame: &mut Frame, body: &Body) {
    let mut inner = Frame::new(visible(env, frame));
    // This thread runs the flow's thread-sensitive calls while it waits.
    let runner = RunnerM::Caller(case.next_runner());
    case.runners
        .lock()
        .unwrap()
        .1
        .insert(runner, std::thread::current().id());
    inner.flow = FlowM {
        runner,
        exact: true,
        in_call: false,
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        ctxlocal::async_to_sync(async {
            run_async(case, TASK, &body.ops, &mut inner).await;
            if body.panic {
                boom()
            }
        })
    }));
    let refused = write_back_refused(env, &inner);
    if !refused {
        frame.merge(&inner);
    }
    // The bridged code's own panic comes first; a refused write-back is then moot.
    let expect = if body.panic {
        Expect::Boom
    } else if refused {
        Expect::Refused(WRITE_BACK_REFUSED)
    } else {
        Expect::Ok
    };
    case.judge("async_to_sync", r, expect);
}

/// In untracked work, a bridge whose code wrote anything cannot write it back: it panics.
fn write_back_refused(env: Env, inner: &Frame) -> bool {
    env.untracked && inner.any_written()
}

/// `async_to_sync` where blocking is not allowed: it must panic without running anything.
fn async_to_sync_refused(case: &Arc<Case>, env: Env) {
    let mut ran = false;
    let r = catch_unwind(AssertUnwindSafe(|| {
        ctxlocal::async_to_sync(async { ran = true })
    }));
    let expect = if env.crate_poll {
        Expect::Refused(ASYNC_TO_SYNC_REFUSED)
    } else {
        Expect::AnyRefusal
    };
    case.judge("async_to_sync where blocking is not allowed", r, expect);
    if ran {
        case.fail("async_to_sync ran its future where blocking is not allowed".to_owned());
    }
}

/// What the model expects of a bridge call before it runs.
#[derive(Clone, Copy, Debug)]
enum CallExpect {
    /// It runs (on this runner's thread, if thread-sensitive and certain).
    Runs(Option<RunnerM>),
    /// It is refused with a panic whose message contains this, and never runs.
    Refused(&'static str),
    /// It runs, or is refused because its runner is gone or busy (a flow whose runner is not
    /// certain, see `FlowM::exact`).
    RunsOrRefused,
}

/// What a thread-sensitive call in `frame` must do, per rules TS1 and TS4.
fn ts_expect(env: Env, frame: &Frame) -> CallExpect {
    if env.untracked {
        CallExpect::Refused(TS_UNTRACKED)
    } else if !frame.flow.exact {
        CallExpect::RunsOrRefused
    } else if frame.flow.in_call {
        // Its runner runs the call this code is part of.
        CallExpect::Refused(TS_DEADLOCK)
    } else {
        CallExpect::Runs(Some(frame.flow.runner))
    }
}

/// `sync_to_async(closure)` (thread-sensitive if `ts`), with `alongside` in the caller while
/// the closure runs.
async fn sync_to_async(
    case: &Arc<Case>,
    env: Env,
    frame: &mut Frame,
    body: &Body,
    alongside: &[Op],
    ts: bool,
) {
    let expect = if ts {
        ts_expect(env, frame)
    } else {
        CallExpect::Runs(None)
    };
    let slot: Arc<Mutex<Option<(Frame, ThreadId)>>> = Arc::default();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let entry = case.register(Pending::Closure(done_rx), false, "sync_to_async closure");
    let closure = {
        let c = case.clone();
        let slot = slot.clone();
        let ops = body.ops.clone();
        let panic = body.panic;
        let mut inner = Frame::new(visible(env, frame));
        if ts {
            inner.flow.in_call = true;
        }
        move || {
            let _done = done_tx;
            run_sync(&c, BLOCKING, &ops, &mut inner);
            *slot.lock().unwrap() = Some((inner, std::thread::current().id()));
            if panic {
                boom()
            }
        }
    };
    let bridge = if ts {
        ctxlocal::sync_to_async(closure).thread_sensitive()
    } else {
        ctxlocal::sync_to_async(closure)
    };
    let mut fut = Box::pin(catch_unwind_future(bridge));
    let mut finished = false;
    if !alongside.is_empty() {
        // The first poll takes the snapshot and starts the closure; the caller then goes on
        // writing its own context while the closure runs.
        if let Some(r) = poll_once(&mut fut).await {
            // (Finished at once: the write-back happened before the caller's operations.)
            finish_sync_to_async(case, env, frame, &slot, body.panic, expect, r);
            finished = true;
        }
        run_sync(case, env, alongside, frame);
    }
    if !finished {
        let r = fut.await;
        finish_sync_to_async(case, env, frame, &slot, body.panic, expect, r);
    }
    drop(case.take(entry));
}

fn finish_sync_to_async(
    case: &Arc<Case>,
    env: Env,
    frame: &mut Frame,
    slot: &Mutex<Option<(Frame, ThreadId)>>,
    panic: bool,
    expect: CallExpect,
    r: std::thread::Result<()>,
) {
    let Some((inner, thread)) = slot.lock().unwrap().take() else {
        // The closure did not run (or did not finish): only a refusal explains that.
        match expect {
            CallExpect::Refused(text) => {
                case.refusals.fetch_add(1, Ordering::Relaxed);
                case.judge("refused sync_to_async", r, Expect::Refused(text))
            }
            CallExpect::RunsOrRefused => match &r {
                Err(p)
                    if [TS_DEADLOCK, TS_GONE]
                        .iter()
                        .any(|text| panic_message(&**p).contains(text)) =>
                {
                    case.refusals.fetch_add(1, Ordering::Relaxed);
                }
                _ => case.judge(
                    "sync_to_async (closure did not finish)",
                    r,
                    Expect::AnyRefusal,
                ),
            },
            CallExpect::Runs(_) => {
                case.judge("sync_to_async (closure did not finish)", r, Expect::Ok)
            }
        }
        return;
    };
    match expect {
        CallExpect::Refused(text) => {
            case.fail(format!("sync_to_async ran, expected a refusal ({text:?})"));
        }
        CallExpect::Runs(Some(runner)) => case.expect_thread(runner, thread),
        CallExpect::Runs(None) | CallExpect::RunsOrRefused => {}
    }
    let refused = write_back_refused(env, &inner);
    if !refused {
        frame.merge(&inner);
    }
    // The bridged code's own panic comes first; a refused write-back is then moot.
    let expect = if panic {
        Expect::Boom
    } else if refused {
        Expect::Refused(WRITE_BACK_REFUSED)
    } else {
        Expect::Ok
    };
    case.judge("sync_to_async", r, expect);
}

/// `thread_sensitive_context(future running body)`: a child scope whose flow gets a runner of
/// its own, unless the enclosing one is still open (a caller's or another context's).
async fn ts_context(case: &Arc<Case>, env: Env, frame: &Frame, body: &Body) {
    let mut snap = visible(env, frame);
    snap.flow = match snap.flow {
        flow if !flow.exact => flow,
        flow @ FlowM {
            runner: RunnerM::Caller(_) | RunnerM::Context(_),
            ..
        } => flow,
        FlowM { .. } => FlowM {
            runner: RunnerM::Context(case.next_runner()),
            exact: true,
            in_call: false,
        },
    };
    let mut child = Frame::new(snap);
    let fut = async {
        run_async(case, TASK, &body.ops, &mut child).await;
        if body.panic {
            boom()
        }
    };
    let r = catch_unwind_future(ctxlocal::thread_sensitive_context(fut)).await;
    case.judge("thread_sensitive_context", r, expect_end(body.panic));
}

// ---------------------------------------------------------------------------------------------
// Running a case
// ---------------------------------------------------------------------------------------------

/// What running one program found.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    /// Divergences from the model.
    errors: Vec<String>,
    /// Operations executed and checked.
    checks: u64,
    /// Thread-sensitive calls whose thread was checked, and refusals seen.
    thread_checks: u64,
    refusals: u64,
}

/// Runs `program` as a `ctxlocal::spawn`ed task on a fresh 2-worker runtime, waits for
/// everything it started, shuts the runtime down, and returns what it found.
fn run_program(program: &[Op]) -> Outcome {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("runtime");
    let counters = Counters::new();
    let case = Arc::new(Case::new(counters.clone(), runtime.handle().clone()));
    let program = program.to_vec();
    let finished = runtime.block_on({
        let case = case.clone();
        async move {
            let run = async {
                let top = {
                    let case = case.clone();
                    ctxlocal::spawn(async move {
                        run_async(&case, TASK, &program, &mut Frame::default()).await;
                    })
                };
                let id = case.register(Pending::Task(top), false, "top-level task");
                await_entry(&case, id).await;
                // Everything still running: detached children, closures of dropped bridges,
                // children's children.
                while let Some(id) = case.any_entry() {
                    await_entry(&case, id).await;
                }
            };
            // A deadlock detector, not a synchronisation: a passing case never waits for it.
            tokio::time::timeout(Duration::from_secs(60), run)
                .await
                .is_ok()
        }
    });
    let mut errors = std::mem::take(&mut *case.errors.lock().unwrap());
    if !finished {
        errors.push("the program did not finish within 60 s (deadlock?)".to_owned());
        runtime.shutdown_timeout(Duration::from_secs(1));
        return Outcome {
            errors,
            ..Outcome::default()
        };
    }
    let checks = case.checks.load(Ordering::Relaxed);
    let thread_checks = case.thread_checks.load(Ordering::Relaxed);
    let refusals = case.refusals.load(Ordering::Relaxed);
    drop(case);
    // Waits for the worker and blocking threads to exit.
    drop(runtime);
    let (created, dropped) = (counters.created(), counters.dropped());
    if created != dropped {
        errors.push(format!("{created} values created, {dropped} dropped"));
    }
    Outcome {
        errors,
        checks,
        thread_checks,
        refusals,
    }
}

// ---------------------------------------------------------------------------------------------
// Generating programs
// ---------------------------------------------------------------------------------------------

fn field() -> impl Strategy<Value = F> {
    prop_oneof![Just(F::X), Just(F::Y), Just(F::Z), Just(F::W)]
}

fn value() -> impl Strategy<Value = u64> {
    0u64..100
}

fn strukt() -> impl Strategy<Value = usize> {
    0usize..2
}

fn upd() -> impl Strategy<Value = Upd> {
    prop_oneof![
        value().prop_map(Upd::Put),
        (1u64..10).prop_map(Upd::Add),
        Just(Upd::Clear),
    ]
}

fn spawn_how() -> impl Strategy<Value = SpawnHow> {
    prop_oneof![
        2 => Just(SpawnHow::Spawn),
        1 => Just(SpawnHow::InCurrent),
        1 => Just(SpawnHow::InCaptured),
    ]
}

fn scope_how() -> impl Strategy<Value = ScopeHow> {
    prop_oneof![
        (field(), value()).prop_map(|(f, v)| ScopeHow::Field(f, v)),
        (strukt(), value()).prop_map(|(s, v)| ScopeHow::Struct(s, v)),
        Just(ScopeHow::Current),
    ]
}

fn op() -> BoxedStrategy<Op> {
    let leaf = prop_oneof![
        6 => (field(), value()).prop_map(|(f, v)| Op::Set(f, v)),
        2 => (field(), value()).prop_map(|(f, v)| Op::Replace(f, v)),
        3 => field().prop_map(Op::Take),
        1 => strukt().prop_map(Op::Clear),
        1 => (strukt(), value()).prop_map(|(s, v)| Op::SetStruct(s, v)),
        2 => Just(Op::Yield),
        2 => Just(Op::AwaitChild),
        1 => Just(Op::AbortChild),
        1 => Just(Op::Capture),
    ];
    leaf.prop_recursive(4, 48, 4, |inner| {
        let ops = vec(inner.clone(), 0..4);
        let body =
            (ops.clone(), prop::bool::weighted(0.15)).prop_map(|(ops, panic)| Body { ops, panic });
        prop_oneof![
            3 => (field(), upd(), body.clone()).prop_map(|(f, u, b)| Op::Update(f, u, b)),
            3 => (field(), body.clone()).prop_map(|(f, b)| Op::With(f, b)),
            4 => (spawn_how(), body.clone()).prop_map(|(h, b)| Op::Spawn(h, b)),
            1 => (any::<bool>(), ops.clone()).prop_map(|(b, o)| Op::SpawnUntracked(b, o)),
            1 => ops.clone().prop_map(Op::SpawnBlocking),
            1 => (any::<bool>(), ops.clone()).prop_map(|(c, o)| Op::Thread(c, o)),
            4 => (body.clone(), vec(inner.clone(), 0..3)).prop_map(|(b, a)| Op::SyncToAsync(b, a)),
            3 => (body.clone(), vec(inner, 0..3)).prop_map(|(b, a)| Op::SyncToAsyncTs(b, a)),
            2 => body.clone().prop_map(Op::TsContext),
            2 => body.clone().prop_map(Op::AsyncToSync),
            3 => (scope_how(), body.clone()).prop_map(|(h, b)| Op::Scope(h, b)),
            1 => body.prop_map(Op::RunCaptured),
            2 => (0u8..5, ops).prop_map(|(n, o)| Op::DropAfter(n, o)),
        ]
    })
    .boxed()
}

fn program() -> impl Strategy<Value = Vec<Op>> {
    vec(op(), 1..16)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn random_programs_match_the_reference_model() {
    quiet_expected_panics();
    let cases = env_count("CTXLOCAL_MODEL_CASES", 256) as u32;
    let config = Config {
        cases,
        // Regressions are kept as named tests below, not in a file.
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    let checks = AtomicU64::new(0);
    let thread_checks = AtomicU64::new(0);
    let refusals = AtomicU64::new(0);
    let result = runner.run(&program(), |program| {
        let outcome = run_program(&program);
        checks.fetch_add(outcome.checks, Ordering::Relaxed);
        thread_checks.fetch_add(outcome.thread_checks, Ordering::Relaxed);
        refusals.fetch_add(outcome.refusals, Ordering::Relaxed);
        if outcome.errors.is_empty() {
            Ok(())
        } else {
            Err(TestCaseError::fail(outcome.errors.join("\n")))
        }
    });
    match result {
        Ok(()) => {
            eprintln!(
                "model: {cases} random programs, {} operations checked ({} threads of \
                 thread-sensitive calls, {} refusals), 0 divergences ({:.1} s)",
                checks.load(Ordering::Relaxed),
                thread_checks.load(Ordering::Relaxed),
                refusals.load(Ordering::Relaxed),
                started.elapsed().as_secs_f64(),
            );
        }
        Err(TestError::Fail(reason, program)) => {
            panic!("divergence from the model: {reason}\nminimal program: {program:#?}")
        }
        Err(error) => panic!("{error}"),
    }
}

/// The model itself is checked on hand-written programs whose outcome is known, so that a model
/// that accepts everything cannot pass unnoticed.
#[test]
fn the_model_catches_a_wrong_expectation() {
    quiet_expected_panics();
    // Set x, then a child that checks its snapshot: correct, no divergence.
    let good = vec![
        Op::Set(F::X, 1),
        Op::Spawn(
            SpawnHow::Spawn,
            Body {
                ops: vec![Op::Set(F::X, 2)],
                panic: false,
            },
        ),
        Op::AwaitChild,
    ];
    let outcome = run_program(&good);
    assert_eq!(
        outcome,
        Outcome {
            checks: 4,
            ..Outcome::default()
        }
    );
    // A frame that lies (x set in the model only) is reported.
    let errors = {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let case = Arc::new(Case::new(Counters::new(), runtime.handle().clone()));
        let c = case.clone();
        runtime.block_on(async move {
            ctxlocal::spawn(async move {
                let mut frame = Frame::default();
                frame.vals[F::X.index()] = Some(5);
                c.check(TASK, &frame, &|| "lie".to_owned());
            })
            .await
            .unwrap()
        });
        std::mem::take(&mut *case.errors.lock().unwrap())
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    // A thread-sensitive call on the wrong thread is reported too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let case = Case::new(Counters::new(), runtime.handle().clone());
    let caller = RunnerM::Caller(case.next_runner());
    case.runners
        .lock()
        .unwrap()
        .1
        .insert(caller, std::thread::current().id());
    let elsewhere = std::thread::spawn(|| std::thread::current().id())
        .join()
        .unwrap();
    case.expect_thread(caller, elsewhere);
    assert_eq!(case.errors.lock().unwrap().len(), 1);
}

/// Every kind of operation, nested, in one fixed program: a smoke test that runs in every
/// build, whatever the random generator draws.
#[test]
fn a_program_with_every_operation_matches_the_model() {
    quiet_expected_panics();
    let body = |ops: Vec<Op>, panic: bool| Body { ops, panic };
    let leafs = vec![
        Op::Set(F::X, 1),
        Op::Replace(F::Y, 2),
        Op::Take(F::X),
        Op::Set(F::W, 3),
        Op::Clear(1),
        Op::SetStruct(1, 4),
        Op::Capture,
        Op::Yield,
    ];
    let mut program = leafs.clone();
    program.extend([
        Op::Update(F::X, Upd::Put(9), body(leafs.clone(), false)),
        Op::Update(F::W, Upd::Add(1), body(leafs.clone(), true)),
        Op::With(F::Z, body(leafs.clone(), true)),
        Op::Spawn(SpawnHow::Spawn, body(leafs.clone(), false)),
        Op::Spawn(SpawnHow::InCaptured, body(leafs.clone(), true)),
        Op::AbortChild,
        Op::Spawn(SpawnHow::InCurrent, body(leafs.clone(), false)),
        Op::AwaitChild,
        Op::SpawnUntracked(false, leafs.clone()),
        Op::SpawnUntracked(true, leafs.clone()),
        Op::SpawnBlocking(leafs.clone()),
        Op::Thread(true, leafs.clone()),
        Op::Thread(false, leafs.clone()),
        Op::SyncToAsync(
            body(
                vec![
                    Op::Set(F::X, 20),
                    Op::AsyncToSync(body(vec![Op::Set(F::Z, 21), Op::Yield], true)),
                    Op::SyncToAsync(body(vec![Op::Take(F::Y)], false), vec![Op::Set(F::W, 1)]),
                ],
                false,
            ),
            vec![Op::Set(F::W, 30), Op::Set(F::Y, 31)],
        ),
        Op::SyncToAsync(body(leafs.clone(), true), Vec::new()),
        Op::AsyncToSync(body(leafs.clone(), false)),
        Op::Scope(ScopeHow::Field(F::Y, 40), body(leafs.clone(), false)),
        Op::Scope(ScopeHow::Struct(0, 41), body(leafs.clone(), true)),
        Op::Scope(ScopeHow::Current, body(leafs.clone(), false)),
        Op::RunCaptured(body(leafs.clone(), false)),
        Op::With(
            F::X,
            body(
                vec![
                    Op::Scope(ScopeHow::Field(F::X, 50), body(leafs.clone(), false)),
                    Op::RunCaptured(body(leafs.clone(), true)),
                    Op::DropAfter(2, leafs.clone()),
                ],
                false,
            ),
        ),
        Op::DropAfter(3, leafs.clone()),
        Op::DropAfter(
            1,
            vec![Op::SyncToAsync(body(leafs.clone(), false), Vec::new())],
        ),
        // Thread-sensitive: on the process-wide thread, back on a caller's thread inside
        // `async_to_sync`, refused inside its own call's code, on a context's thread.
        Op::SyncToAsyncTs(
            body(
                vec![
                    Op::Set(F::X, 60),
                    Op::AsyncToSync(body(
                        vec![Op::SyncToAsyncTs(body(leafs.clone(), false), Vec::new())],
                        false,
                    )),
                    Op::DropAfter(
                        2,
                        vec![Op::SyncToAsyncTs(body(leafs.clone(), false), Vec::new())],
                    ),
                    Op::SyncToAsyncTs(body(vec![Op::Take(F::Y)], false), Vec::new()),
                ],
                false,
            ),
            vec![Op::Set(F::W, 61)],
        ),
        Op::SyncToAsyncTs(body(leafs.clone(), true), Vec::new()),
        Op::TsContext(body(
            vec![
                Op::SyncToAsyncTs(body(leafs.clone(), false), vec![Op::Set(F::Z, 70)]),
                Op::Spawn(
                    SpawnHow::Spawn,
                    body(
                        vec![Op::SyncToAsyncTs(body(leafs.clone(), false), Vec::new())],
                        false,
                    ),
                ),
                Op::AwaitChild,
                Op::TsContext(body(
                    vec![Op::SyncToAsyncTs(body(leafs.clone(), false), Vec::new())],
                    false,
                )),
            ],
            true,
        )),
        Op::SpawnUntracked(
            false,
            vec![Op::SyncToAsyncTs(body(leafs.clone(), false), Vec::new())],
        ),
    ]);
    let outcome = run_program(&program);
    assert!(outcome.errors.is_empty(), "{:#?}", outcome.errors);
    assert!(
        outcome.checks > 200,
        "only {} operations ran",
        outcome.checks
    );
    // Every thread-sensitive call above that must run had its thread checked (two on the
    // process-wide thread, one on a caller's, two on a context's, one nested in a context),
    // and the two that must be refused were (inside a call's own code, in a plain task).
    assert!(outcome.thread_checks >= 6, "{outcome:?}");
    assert_eq!(outcome.refusals, 2, "{outcome:?}");
}

// ---------------------------------------------------------------------------------------------
// Write-back regressions, as plain tests (minimal programs the model found before the fix)
// ---------------------------------------------------------------------------------------------

/// Runs `bridged` through `sync_to_async` and `caller` in the caller's context while it runs
/// (the closure waits for the caller's writes, so the order is fixed).
async fn bridge_alongside(bridged: impl FnOnce() + Send + 'static, caller: impl FnOnce()) {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let mut bridge = Box::pin(ctxlocal::sync_to_async(move || {
        wait.recv().unwrap();
        bridged();
    }));
    assert!(poll_once(&mut bridge).await.is_none(), "the closure waits");
    caller();
    go.send(()).unwrap();
    bridge.await;
}

/// The per-struct write-back works when the bridged code's last write leaves a value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_writes_back_only_the_structs_it_wrote() {
    let counters = Counters::new();
    ctxlocal::spawn({
        let counters = counters.clone();
        async move {
            let c = counters.clone();
            bridge_alongside(
                move || {
                    A::set_x(c.make(1));
                    B::take_w();
                },
                || {
                    A::set_y(counters.make(2));
                    B::set_w(3);
                },
            )
            .await;
            // A was written by the closure: its copy (x = 1, y unset) replaces the caller's.
            assert_eq!(A::x().map(|c| c.id), Some(1));
            assert_eq!(A::y().map(|c| c.id), None);
            // B was not (taking an unset field writes nothing): the caller's write stays.
            assert_eq!(B::w(), 3);
        }
    })
    .await
    .unwrap();
    assert_eq!(counters.created(), counters.dropped());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_struct_set_then_cleared_by_a_bridge_is_written_back() {
    let counters = Counters::new();
    ctxlocal::spawn({
        let counters = counters.clone();
        async move {
            let c = counters.clone();
            bridge_alongside(
                move || {
                    A::set_x(c.make(1));
                    A::clear();
                },
                || A::set_y(counters.make(2)),
            )
            .await;
            // The closure wrote A last (cleared it): its A replaces the caller's.
            assert_eq!(A::y().map(|c| c.id), None, "the closure's clear() was lost");
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_of_nothing_in_a_bridge_is_not_written_back() {
    let counters = Counters::new();
    ctxlocal::spawn({
        let counters = counters.clone();
        async move {
            A::set_x(counters.make(1));
            A::take_x(); // nothing visible in A now (its entry stays, empty)
            let c = counters.clone();
            bridge_alongside(A::clear, move || A::set_y(c.make(2))).await;
            // The closure changed nothing visible in A: the caller's write stays.
            assert_eq!(A::y().map(|c| c.id), Some(2), "the caller's write was lost");
        }
    })
    .await
    .unwrap();
}
