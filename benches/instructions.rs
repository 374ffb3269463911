//! Instructions per operation, counted by valgrind's callgrind: a deterministic complement to
//! the criterion timings, which on a small, shared machine move by tens of percent between
//! runs for operations of a few nanoseconds.
//!
//! `cargo bench -p ctxlocal-benches --bench instructions` re-runs this binary under
//! `valgrind --tool=callgrind`, then reads `callgrind_annotate --inclusive=yes` and prints, for
//! every operation, the instructions executed per call. Each operation is an
//! `#[inline(never)]` function (`op_*`) called `CALLS` times; the count is the function's
//! inclusive cost divided by `CALLS`, so it includes a call, a return and a `black_box` (about
//! 5 instructions, the same for every row), and no loop or timer overhead. Values an operation
//! returns (a snapshot, a cloned `String`) are dropped by the caller, outside the count.
//! Without valgrind on `PATH` it says so and exits successfully.
//!
//! The operations are those of `access.rs`, `tasks.rs` (one poll; spawn + await) and
//! `scaling.rs`, in the same places: "task" runs inside `Context::run` (see `access.rs`),
//! "thread" in the thread's root context. tokio's `task_local!` keys are declared in this crate
//! (`support/anchors.rs`), tokio's fastest case, except in the rows that say "key in another
//! crate", whose keys are declared in `ctxlocal-bench-anchor` (`benches/anchor-crate`).
//! Besides, with their own loops (see each section):
//!
//! - `ctxlocal::spawn` + await against `tokio::spawn` + await on a current-thread runtime,
//!   per spawn (`instructions/spawns.rs`);
//! - one HTTP request in process, no network, through `ctxlocal::tower::ScopeLayer` against
//!   the same handler without it, as a tower `service_fn` and as an axum `Router`
//!   (`instructions/requests.rs`).
//!
//! After the table of operations it prints the figures of DESIGN.md section 6 that have an
//! instruction count, as ratios (or differences) of rows of this one run.

use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context as TaskCx, Poll, Waker};
use std::hint::black_box;
use std::process::Command;

use ctxlocal::{Context, async_local};
use ctxlocal_bench_anchor as other_crate;

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;
#[path = "support/shapes.rs"]
mod shapes;

#[path = "instructions/figures.rs"]
mod figures;
#[path = "instructions/requests.rs"]
mod requests;
#[path = "instructions/spawns.rs"]
mod spawns;

use anchors::*;
use harness::{Pending, build_context};
use shapes::SHAPES;

const CALLS: usize = 100_000;
const CHILD_ARG: &str = "--callgrind-child";

#[async_local]
struct Req {
    id: u64,
    name: String,
    #[local(default)]
    hits: u64,
}

/// Where an operation runs (see `child`).
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// The baseline: no value read or written.
    Anywhere,
    /// Inside `Context::run` of a context with every `Req` field set (see `access.rs`).
    Task,
    /// In the thread's root context, with every `Req` field set.
    Thread,
    /// Inside tokio `sync_scope`s of `TL_ID` and `TL_NAME`, the keys of this crate and those
    /// of `other_crate`.
    TokioScope,
    /// The `thread_local!` cells, `REF_NAME` holding `NAME`.
    ThreadLocal,
    /// With an opentelemetry `Context` holding an `OtelId` attached.
    Otel,
}

/// A row of the table: the operation's function, where it runs, and its label, in which
/// `{place}` stands for "task" or "thread".
struct Op {
    symbol: &'static str,
    label: &'static str,
    place: Place,
    /// Calls the function `CALLS` times.
    run: fn(),
}

impl Op {
    fn label(&self) -> String {
        let place = match self.place {
            Place::Task => "task",
            Place::Thread => "thread",
            _ => "",
        };
        self.label.replace("{place}", place)
    }
}

/// Declares `#[inline(never)] fn $name() -> $ty { $body }`. The body starts with a
/// `black_box` of the function's name, a marker that costs the same in every function and
/// keeps the compiler from merging two operations that compile to the same code (which would
/// merge their counts); `op_baseline` measures the marker plus call and return.
macro_rules! op_fn {
    ($vis:vis $name:ident -> $ty:ty = $body:expr) => {
        #[inline(never)]
        $vis fn $name() -> $ty {
            black_box(stringify!($name));
            $body
        }
    };
}

/// Declares a function (`op_fn!`) per operation and `OPS`, their rows in table order. Groups
/// are `Place { operation; ... }`. An operation written `$name / $thread` is a ctxlocal one,
/// measured in the task context and again in the thread's root context: one body, two
/// functions (so two symbols and two rows), `$name` in `Place::Task` and `$thread` in
/// `Place::Thread`. Within a group the task rows come first, then the thread rows.
///
/// The `$thread` functions are declared in the module `thread_ops`: moving them next to the
/// others changes how the crate is split into codegen units, and with it what the optimiser
/// inlines into them (up to 24 more instructions per call on some rows, when tried).
macro_rules! ops {
    ($($place:ident {
        $($name:ident $(/ $thread:ident)? -> $ty:ty = $body:expr, $label:literal;)*
    })*) => {
        $($(op_fn!($name -> $ty = $body);)*)*

        /// The thread-context twins of the ctxlocal operations.
        mod thread_ops {
            use super::*;

            $($($(op_fn!(pub(super) $thread -> $ty = $body);)?)*)*
        }

        const OPS: &[Op] = &[$(
            $(Op {
                symbol: stringify!($name),
                label: $label,
                place: Place::$place,
                run: || repeat($name),
            },)*
            $($(Op {
                symbol: stringify!($thread),
                label: $label,
                place: Place::Thread,
                run: || repeat(thread_ops::$thread),
            },)?)*
        )*];
    };
}

ops! {
    Anywhere {
        op_baseline -> () = (), "baseline: call + marker + return (included in every row)";
    }
    Task {
        op_read_u64_with / op_thread_read_u64_with -> u64 =
            Req::with_id(|v| v.copied().unwrap_or(0)), "read u64: ctxlocal {place} `with_id`";
        op_read_u64_get / op_thread_read_u64_get -> u64 =
            Req::id().unwrap_or(0), "read u64: ctxlocal {place} `id()` (clone)";
    }
    TokioScope {
        op_tokio_u64_get -> u64 = TL_ID.get(), "read u64: tokio task_local `get`";
        op_tokio_u64_try_with -> u64 =
            TL_ID.try_with(|v| *v).unwrap_or(0),
            "read u64: tokio task_local `try_with` (key in this crate)";
        op_tokio_u64_try_with_other_crate -> u64 =
            other_crate::TL_ID.try_with(|v| *v).unwrap_or(0),
            "read u64: tokio task_local `try_with` (key in another crate)";
        op_tokio_u64_with -> u64 = TL_ID.with(|v| *v), "read u64: tokio task_local `with`";
    }
    ThreadLocal {
        op_tl_cell_get -> u64 = CELL_ID.get(), "read u64: thread_local `Cell::get`";
        op_tl_refcell_borrow_u64 -> u64 =
            REF_ID.with_borrow(|v| *v), "read u64: thread_local `RefCell` borrow";
    }
    Otel {
        op_otel_current_get -> u64 =
            opentelemetry::Context::current().get::<OtelId>().map_or(0, |v| v.0),
            "read u64: opentelemetry `Context::current().get`";
        op_otel_map_current -> u64 =
            opentelemetry::Context::map_current(|cx| cx.get::<OtelId>().map_or(0, |v| v.0)),
            "read u64: opentelemetry `map_current`";
    }
    Task {
        op_read_string_with / op_thread_read_string_with -> usize =
            Req::with_name(|v| v.map_or(0, String::len)),
            "read String: ctxlocal {place} `with_name` (borrow)";
        op_read_string_get / op_thread_read_string_get -> Option<String> =
            Req::name(), "read String: ctxlocal {place} `name()` (clone)";
    }
    TokioScope {
        op_tokio_string_get -> String =
            TL_NAME.get(), "read String: tokio task_local `get` (clone)";
        op_tokio_string_try_with -> usize =
            TL_NAME.try_with(String::len).unwrap_or(0),
            "read String: tokio task_local `try_with` (key in this crate)";
        op_tokio_string_try_with_other_crate -> usize =
            other_crate::TL_NAME.try_with(String::len).unwrap_or(0),
            "read String: tokio task_local `try_with` (key in another crate)";
        op_tokio_string_with -> usize =
            TL_NAME.with(String::len), "read String: tokio task_local `with`";
    }
    ThreadLocal {
        op_tl_refcell_borrow_string -> usize =
            REF_NAME.with_borrow(String::len), "read String: thread_local `RefCell` borrow";
        op_tl_refcell_clone_string -> String =
            REF_NAME.with_borrow(String::clone), "read String: thread_local `RefCell` clone";
    }
    Task {
        op_set_u64 / op_thread_set_u64 -> () =
            Req::set_id(black_box(8)), "write u64: ctxlocal {place} `set_id`";
    }
    Task {
        op_update_u64 / op_thread_update_u64 -> () =
            Req::update_id(|v| *v.get_or_insert(0) += black_box(1)),
            "write u64: ctxlocal {place} `update_id`";
    }
    Task {
        op_update_u64_default / op_thread_update_u64_default -> () =
            Req::update_hits(|v| *v += black_box(1)),
            "write u64: ctxlocal {place} `update_hits` (default field)";
    }
    ThreadLocal {
        op_tl_cell_set -> () = CELL_ID.set(black_box(8)), "write u64: thread_local `Cell::set`";
        op_tl_refcell_set_u64 -> () =
            REF_ID.with_borrow_mut(|v| *v = black_box(8)), "write u64: thread_local `RefCell` set";
        op_tl_refcell_update_u64 -> () =
            REF_ID.with_borrow_mut(|v| *v += black_box(1)),
            "write u64: thread_local `RefCell` update";
    }
    Task {
        op_set_string / op_thread_set_string -> () =
            Req::set_name(black_box(NAME).to_owned()), "write String: ctxlocal {place} `set_name`";
    }
    ThreadLocal {
        op_tl_refcell_set_string -> () =
            REF_NAME.with_borrow_mut(|v| *v = black_box(NAME).to_owned()),
            "write String: thread_local `RefCell` set";
    }
    Task {
        op_sync_scope_id_read -> u64 =
            Req::sync_scope_id(black_box(9), || Req::with_id(|v| v.copied().unwrap_or(0))),
            "scoped override: ctxlocal {place} `sync_scope_id(v, || with_id(..))`";
        op_sync_scope_id_read_shared -> u64 = {
            // A context a snapshot shares (a task just spawned, `Context::run` of a kept
            // `Context`): the override is built as a copy. The snapshot is counted too.
            let snapshot = Context::current();
            let read = Req::sync_scope_id(black_box(9), || Req::with_id(|v| v.copied().unwrap_or(0)));
            drop(black_box(snapshot));
            read
        },
            "scoped override: ctxlocal {place} `sync_scope_id(..)` in a context a snapshot shares (`Context::current()` + drop included)";
    }
    Anywhere {
        op_tokio_sync_scope_read -> u64 =
            TL_ID.sync_scope(black_box(9), || TL_ID.try_with(|v| *v).unwrap_or(0)),
            "scoped override: tokio `TL_ID.sync_scope(v, || TL_ID.try_with(..))` (key in this crate)";
    }
    Task {
        op_snapshot / op_thread_snapshot -> Context =
            Context::current(), "`Context::current()` ({place})";
    }
    Thread {
        op_async_to_sync -> u8 =
            ctxlocal::async_to_sync(async { black_box(1u8) }),
            "`async_to_sync` from a plain thread (its values set)";
        op_async_to_sync_thread_sensitive -> u8 =
            ctxlocal::async_to_sync(async {
                ctxlocal::sync_to_async(|| black_box(1u8)).thread_sensitive().await
            }),
            "`async_to_sync` of a thread-sensitive call (run by the calling thread)";
    }
    Anywhere {
        op_block_on -> u8 =
            RAW_RUNTIME.with(|rt| rt.block_on(async { black_box(1u8) })),
            "tokio `Runtime::block_on` (current_thread, built once)";
    }
}

thread_local! {
    /// The anchor of `async_to_sync`: a current-thread runtime built once.
    static RAW_RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().build().expect("runtime");
}

#[inline(never)]
fn op_poll_bare(f: Pin<&mut Pending>, cx: &mut TaskCx<'_>) -> Poll<()> {
    black_box("op_poll_bare");
    f.poll(cx)
}

#[inline(never)]
fn op_poll_with_context(
    f: Pin<&mut ctxlocal::WithContext<Pending>>,
    cx: &mut TaskCx<'_>,
) -> Poll<()> {
    black_box("op_poll_with_context");
    f.poll(cx)
}

#[inline(never)]
fn op_poll_task_local_future(
    f: Pin<&mut tokio::task::futures::TaskLocalFuture<u64, Pending>>,
    cx: &mut TaskCx<'_>,
) -> Poll<()> {
    black_box("op_poll_task_local_future");
    f.poll(cx)
}

/// The rows of the `op_poll_*` functions above: (symbol, label).
const POLL_ROWS: [(&str, &str); 3] = [
    ("op_poll_bare", "one poll: bare future"),
    ("op_poll_with_context", "one poll: ctxlocal `WithContext`"),
    (
        "op_poll_task_local_future",
        "one poll: tokio `TaskLocalFuture`",
    ),
];

fn repeat<R>(op: fn() -> R) {
    for _ in 0..CALLS {
        black_box(op());
    }
}

fn set_req() {
    Req::set_id(7);
    Req::set_name(NAME.to_owned());
    Req::set_hits(1);
}

/// Every operation, `CALLS` times each; what callgrind counts.
fn child() {
    let run = |place: Place| {
        for op in OPS.iter().filter(|op| op.place == place) {
            (op.run)();
        }
    };
    run(Place::Anywhere);
    let task = build_context(set_req);
    task.run(|| run(Place::Task));
    set_req();
    run(Place::Thread);
    TL_ID.sync_scope(7, || {
        TL_NAME.sync_scope(NAME.to_owned(), || {
            other_crate::TL_ID.sync_scope(7, || {
                other_crate::TL_NAME.sync_scope(NAME.to_owned(), || run(Place::TokioScope))
            })
        })
    });
    REF_NAME.set(NAME.to_owned());
    run(Place::ThreadLocal);
    {
        let _otel = opentelemetry::Context::new().with_value(OtelId(7)).attach();
        run(Place::Otel);
    }

    // Snapshot and first write per context shape: one function per shape, generated below.
    scaling_ops::run();

    // Spawn + await, in a task that carries the values of `Req` (`instructions/spawns.rs`).
    spawns::run(&task);

    // One request in process, on a thread of its own (`instructions/requests.rs`).
    requests::run();

    // One poll.
    let mut cx = TaskCx::from_waker(Waker::noop());
    let mut bare = pin!(Pending);
    let mut wrapped = pin!(task.scope(Pending));
    let mut tokio_wrapped = pin!(TL_ID.scope(7, Pending));
    for _ in 0..CALLS {
        let _ = black_box(op_poll_bare(bare.as_mut(), &mut cx));
    }
    for _ in 0..CALLS {
        let _ = black_box(op_poll_with_context(wrapped.as_mut(), &mut cx));
    }
    for _ in 0..CALLS {
        let _ = black_box(op_poll_task_local_future(tokio_wrapped.as_mut(), &mut cx));
    }
}

/// `Context::current()` and snapshot + first write, per shape of `SHAPES`, each shape with its
/// own pair of symbols (`op_shape<i>_snapshot`, `op_shape<i>_first_write`).
mod scaling_ops {
    use super::*;

    macro_rules! per_shape {
        ($($index:literal $snapshot:ident $first_write:ident;)*) => {
            $(
                #[inline(never)]
                fn $snapshot() -> Context {
                    black_box(stringify!($snapshot));
                    Context::current()
                }

                #[inline(never)]
                fn $first_write() -> Context {
                    black_box(stringify!($first_write));
                    let snapshot = Context::current();
                    (SHAPES[$index].write)(black_box(2));
                    snapshot
                }
            )*

            pub(super) fn run() {
                $(
                    SHAPES[$index].context().run(|| {
                        repeat($snapshot);
                        repeat($first_write);
                    });
                )*
            }
        };
    }

    per_shape! {
        0 op_shape0_snapshot op_shape0_first_write;
        1 op_shape1_snapshot op_shape1_first_write;
        2 op_shape2_snapshot op_shape2_first_write;
        3 op_shape3_snapshot op_shape3_first_write;
        4 op_shape4_snapshot op_shape4_first_write;
        5 op_shape5_snapshot op_shape5_first_write;
        6 op_shape6_snapshot op_shape6_first_write;
    }
}

/// A line of the table: an `op_*` function's inclusive cost, per operation.
struct Row {
    symbol: String,
    label: String,
    /// Times the function was called.
    calls: usize,
    /// Operations per call: the cost is divided by `calls * ops_per_call`.
    ops_per_call: usize,
    /// A function called as many times whose cost is subtracted first (a loop's overhead).
    minus: Option<&'static str>,
}

impl Row {
    /// A function that does one operation per call, called `calls` times.
    fn single(symbol: &str, label: String, calls: usize) -> Row {
        Row {
            symbol: symbol.to_owned(),
            label,
            calls,
            ops_per_call: 1,
            minus: None,
        }
    }

    /// Instructions per operation, from the inclusive costs per symbol.
    fn per_op(&self, counts: &[(String, u64)]) -> Option<f64> {
        let total = |symbol: &str| {
            counts
                .iter()
                .find(|(name, _)| name == symbol)
                .map(|&(_, total)| total as f64)
        };
        let minus = match self.minus {
            Some(symbol) => total(symbol)?,
            None => 0.0,
        };
        Some((total(&self.symbol)? - minus) / (self.calls * self.ops_per_call) as f64)
    }
}

/// The table's rows, in print order.
fn rows() -> Vec<Row> {
    let mut rows: Vec<Row> = OPS
        .iter()
        .map(|op| Row::single(op.symbol, op.label(), CALLS))
        .collect();
    rows.extend(POLL_ROWS.map(|(s, l)| Row::single(s, l.to_owned(), CALLS)));
    for (i, shape) in SHAPES.iter().enumerate() {
        rows.push(Row::single(
            &format!("op_shape{i}_snapshot"),
            format!("scaling `{}`: `Context::current()`", shape.name),
            CALLS,
        ));
        rows.push(Row::single(
            &format!("op_shape{i}_first_write"),
            format!("scaling `{}`: snapshot + first write", shape.name),
            CALLS,
        ));
    }
    rows.extend(spawns::ROWS.map(|(symbol, label)| Row {
        ops_per_call: spawns::SPAWNS,
        minus: Some(spawns::OVERHEAD.0),
        ..Row::single(symbol, label.to_owned(), spawns::LOOPS)
    }));
    let (symbol, label) = spawns::OVERHEAD;
    rows.push(Row::single(symbol, label.to_owned(), spawns::LOOPS));
    rows.extend(
        requests::ROWS
            .map(|(symbol, label)| Row::single(symbol, label.to_owned(), requests::REQUESTS)),
    );
    rows
}

/// Inclusive instruction counts per `op_*` symbol, from `callgrind_annotate` output.
fn parse_annotate(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(at) = line.find("::op_") else {
            continue;
        };
        let Some(count) = line.split_whitespace().next() else {
            continue;
        };
        let Ok(count) = count.replace(',', "").parse::<u64>() else {
            continue;
        };
        let name: String = line[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.push((name, count));
    }
    out
}

fn main() {
    if std::env::args().any(|a| a == CHILD_ARG) {
        child();
        return;
    }
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("instructions: valgrind not found on PATH; nothing measured");
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let out_file = std::env::temp_dir().join(format!("ctxlocal-callgrind.{}", std::process::id()));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg(&exe)
        .arg(CHILD_ARG)
        .status()
        .expect("run valgrind");
    assert!(status.success(), "valgrind run failed: {status}");
    let annotate = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100"])
        .arg(&out_file)
        .output()
        .expect("run callgrind_annotate");
    let _ = std::fs::remove_file(&out_file);
    let counts = parse_annotate(&String::from_utf8_lossy(&annotate.stdout));

    let rows = rows();
    println!("\n| operation | instructions per call |");
    println!("|---|---|");
    for row in &rows {
        match row.per_op(&counts) {
            Some(count) => println!("| {} | {count:.1} |", row.label),
            None => println!("| {} | (not found: `{}`) |", row.label, row.symbol),
        }
    }
    figures::print(|symbol| {
        rows.iter()
            .find(|row| row.symbol == symbol)
            .and_then(|row| row.per_op(&counts))
    });
}
