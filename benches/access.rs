//! Field reads and writes, side by side with the anchors (see BENCHMARKS.md).
//!
//! Groups (`cargo bench -p ctxlocal-benches --bench access`):
//!
//! - `read/u64`, `read/String`: ctxlocal by borrow (`with_*`) and by clone, in a task context
//!   and in a plain thread, against `tokio::task_local!` (`get`, `try_with`, `with`),
//!   `std::thread_local!` (`Cell`, `RefCell`) and `opentelemetry::Context`
//!   (`Context::current()` + `get`, `Context::map_current`) holding the same types. tokio's
//!   keys are declared in this crate (`support/anchors.rs`), its fastest case, except in the
//!   rows `tokio task_local/try_with (key in another crate)`, whose keys are declared in the
//!   crate `ctxlocal-bench-anchor` (`benches/anchor-crate`), as a library would declare them;
//! - `write/u64`, `write/String`: `set_*` and `update_*` (a plain field and a field with a
//!   default, which take different code paths), the first write after a snapshot
//!   (copy-on-write), against `thread_local!` `Cell::set` / `RefCell` assignment and update;
//! - `scope/u64`: a scoped override around a closure: `sync_scope_*`, tokio's `sync_scope`,
//!   opentelemetry's `current_with_value(..).attach()`.
//!
//! "In a task context" means: the measured code runs with a context installed by a crate guard,
//! exactly as it does inside a poll of a crate-wrapped task. We install it with
//! `Context::run` around the whole criterion loop rather than polling a `WithContext` per
//! iteration: a read or write takes the same path under both guards (only whether a guard is
//! installed matters to them: the low half of `State::frames` in `local-runtime/src/thread_state/`),
//! and this keeps the poll and the runtime out of the number. The per-poll cost of the wrapper is measured separately in
//! `benches/tasks.rs`. "In a plain thread" means the bench's main thread with no guard: the
//! thread's root context, where every access also checks `tokio::task::try_id()` (rule D8).
//! The tokio anchor is measured inside `sync_scope`, the way a value is reachable without a
//! runtime; `task_local!` reads do not depend on whether a runtime is running.
//!
//! Every read returns a plain integer (`unwrap_or(0)`) to `black_box`, never an `Option<u64>`:
//! a 16-byte value passed through `black_box` is written as two 8-byte stores and read back
//! with one 16-byte load, a store-forwarding stall that added about 6 ns to whichever row
//! returned one (it made tokio's `try_with` look 9x slower than its `with`).

use std::hint::black_box;

use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use ctxlocal::async_local;
use ctxlocal_bench_anchor as other_crate;

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;

use anchors::*;
use harness::{build_context, iter_after_snapshot};

#[async_local]
struct Req {
    id: u64,
    name: String,
    #[local(default)]
    hits: u64,
    #[local(default)]
    label: String,
}

/// Sets every `Req` field in the current context.
fn set_req() {
    Req::set_id(7);
    Req::set_name(NAME.to_owned());
    Req::set_hits(1);
    Req::set_label(NAME.to_owned());
}

fn read_u64_ctxlocal(group: &mut BenchmarkGroup<'_, WallTime>, place: &str) {
    group.bench_function(format!("ctxlocal/{place}/with"), |b| {
        b.iter(|| black_box(Req::with_id(|v| v.copied().unwrap_or(0))))
    });
    group.bench_function(format!("ctxlocal/{place}/get (clone)"), |b| {
        b.iter(|| black_box(Req::id().unwrap_or(0)))
    });
}

fn read_string_ctxlocal(group: &mut BenchmarkGroup<'_, WallTime>, place: &str) {
    group.bench_function(format!("ctxlocal/{place}/with"), |b| {
        b.iter(|| black_box(Req::with_name(|v| v.map_or(0, String::len))))
    });
    group.bench_function(format!("ctxlocal/{place}/get (clone)"), |b| {
        b.iter(|| black_box(Req::name()))
    });
}

fn reads(c: &mut Criterion) {
    let task = build_context(set_req); // as a task would carry it
    set_req(); // the bench thread's root context, for the "thread" variants
    REF_NAME.set(NAME.to_owned());
    CELL_ID.set(7);
    REF_ID.set(7);
    let otel = opentelemetry::Context::new()
        .with_value(OtelId(7))
        .with_value(OtelName(NAME.to_owned()))
        .attach();

    let mut group = c.benchmark_group("read/u64");
    task.run(|| read_u64_ctxlocal(&mut group, "task"));
    read_u64_ctxlocal(&mut group, "thread");
    TL_ID.sync_scope(7, || {
        group.bench_function("tokio task_local/get", |b| {
            b.iter(|| black_box(TL_ID.get()))
        });
        group.bench_function("tokio task_local/try_with (key in this crate)", |b| {
            b.iter(|| black_box(TL_ID.try_with(|v| *v).unwrap_or(0)))
        });
        group.bench_function("tokio task_local/with", |b| {
            b.iter(|| black_box(TL_ID.with(|v| *v)))
        });
    });
    other_crate::TL_ID.sync_scope(7, || {
        group.bench_function("tokio task_local/try_with (key in another crate)", |b| {
            b.iter(|| black_box(other_crate::TL_ID.try_with(|v| *v).unwrap_or(0)))
        });
    });
    group.bench_function("thread_local/Cell get", |b| {
        b.iter(|| black_box(CELL_ID.get()))
    });
    group.bench_function("thread_local/RefCell borrow", |b| {
        b.iter(|| black_box(REF_ID.with_borrow(|v| *v)))
    });
    group.bench_function("opentelemetry/current+get", |b| {
        b.iter(|| {
            black_box(
                opentelemetry::Context::current()
                    .get::<OtelId>()
                    .map_or(0, |v| v.0),
            )
        })
    });
    group.bench_function("opentelemetry/map_current", |b| {
        b.iter(|| {
            black_box(opentelemetry::Context::map_current(|cx| {
                cx.get::<OtelId>().map_or(0, |v| v.0)
            }))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("read/String");
    task.run(|| read_string_ctxlocal(&mut group, "task"));
    read_string_ctxlocal(&mut group, "thread");
    TL_NAME.sync_scope(NAME.to_owned(), || {
        group.bench_function("tokio task_local/get (clone)", |b| {
            b.iter(|| black_box(TL_NAME.get()))
        });
        group.bench_function("tokio task_local/try_with (key in this crate)", |b| {
            b.iter(|| black_box(TL_NAME.try_with(String::len).unwrap_or(0)))
        });
        group.bench_function("tokio task_local/with", |b| {
            b.iter(|| black_box(TL_NAME.with(String::len)))
        });
    });
    other_crate::TL_NAME.sync_scope(NAME.to_owned(), || {
        group.bench_function("tokio task_local/try_with (key in another crate)", |b| {
            b.iter(|| black_box(other_crate::TL_NAME.try_with(String::len).unwrap_or(0)))
        });
    });
    group.bench_function("thread_local/RefCell borrow", |b| {
        b.iter(|| black_box(REF_NAME.with_borrow(String::len)))
    });
    group.bench_function("thread_local/RefCell clone", |b| {
        b.iter(|| black_box(REF_NAME.with_borrow(String::clone)))
    });
    group.bench_function("opentelemetry/current+get", |b| {
        b.iter(|| {
            black_box(
                opentelemetry::Context::current()
                    .get::<OtelName>()
                    .map_or(0, |v| v.0.len()),
            )
        })
    });
    group.bench_function("opentelemetry/map_current", |b| {
        b.iter(|| {
            black_box(opentelemetry::Context::map_current(|cx| {
                cx.get::<OtelName>().map_or(0, |v| v.0.len())
            }))
        })
    });
    group.bench_function("opentelemetry/map_current (clone)", |b| {
        b.iter(|| {
            black_box(opentelemetry::Context::map_current(|cx| {
                cx.get::<OtelName>().map(|v| v.0.clone())
            }))
        })
    });
    group.finish();
    drop(otel);
}

fn write_u64_ctxlocal(group: &mut BenchmarkGroup<'_, WallTime>, place: &str) {
    group.bench_function(format!("ctxlocal/{place}/set"), |b| {
        b.iter(|| Req::set_id(black_box(8)))
    });
    group.bench_function(format!("ctxlocal/{place}/update"), |b| {
        b.iter(|| Req::update_id(|v| *v.get_or_insert(0) += black_box(1)))
    });
    group.bench_function(format!("ctxlocal/{place}/update (default field)"), |b| {
        b.iter(|| Req::update_hits(|v| *v += black_box(1)))
    });
}

fn write_string_ctxlocal(group: &mut BenchmarkGroup<'_, WallTime>, place: &str) {
    group.bench_function(format!("ctxlocal/{place}/set"), |b| {
        b.iter(|| Req::set_name(black_box(NAME).to_owned()))
    });
    group.bench_function(format!("ctxlocal/{place}/update"), |b| {
        b.iter(|| {
            Req::update_name(|v| {
                let s = v.get_or_insert_with(String::new);
                s.push(black_box('x'));
                s.pop();
            })
        })
    });
    group.bench_function(format!("ctxlocal/{place}/update (default field)"), |b| {
        b.iter(|| {
            Req::update_label(|s| {
                s.push(black_box('x'));
                s.pop();
            })
        })
    });
}

fn writes(c: &mut Criterion) {
    let task = build_context(set_req);
    set_req();

    let mut group = c.benchmark_group("write/u64");
    task.run(|| {
        write_u64_ctxlocal(&mut group, "task");
        group.bench_function("ctxlocal/task/snapshot only (Context::current)", |b| {
            b.iter_custom(|iters| iter_after_snapshot(iters, |_| ()))
        });
        group.bench_function("ctxlocal/task/snapshot + first set (copy-on-write)", |b| {
            b.iter_custom(|iters| iter_after_snapshot(iters, Req::set_id))
        });
    });
    write_u64_ctxlocal(&mut group, "thread");
    group.bench_function("thread_local/Cell set", |b| {
        b.iter(|| CELL_ID.set(black_box(8)))
    });
    group.bench_function("thread_local/RefCell set", |b| {
        b.iter(|| REF_ID.with_borrow_mut(|v| *v = black_box(8)))
    });
    group.bench_function("thread_local/RefCell update", |b| {
        b.iter(|| REF_ID.with_borrow_mut(|v| *v += black_box(1)))
    });
    group.finish();

    let mut group = c.benchmark_group("write/String");
    task.run(|| {
        write_string_ctxlocal(&mut group, "task");
        group.bench_function("ctxlocal/task/snapshot + first set (copy-on-write)", |b| {
            b.iter_custom(|iters| {
                iter_after_snapshot(iters, |_| Req::set_name(black_box(NAME).to_owned()))
            })
        });
    });
    write_string_ctxlocal(&mut group, "thread");
    group.bench_function("thread_local/RefCell set", |b| {
        b.iter(|| REF_NAME.with_borrow_mut(|v| *v = black_box(NAME).to_owned()))
    });
    group.bench_function("thread_local/RefCell update", |b| {
        b.iter(|| {
            REF_NAME.with_borrow_mut(|s| {
                s.push(black_box('x'));
                s.pop();
            })
        })
    });
    group.finish();

    // Scoped overrides: set for the duration of a closure, then restore.
    let mut group = c.benchmark_group("scope/u64");
    task.run(|| {
        // `task` keeps its table: inside `run` it is shared until the first write, as in a
        // task just spawned. The override is then built as a copy.
        group.bench_function("ctxlocal/task/sync_scope_id + read (context shared)", |b| {
            b.iter(|| {
                Req::sync_scope_id(black_box(9), || {
                    black_box(Req::with_id(|v| v.copied().unwrap_or(0)))
                })
            })
        });
        // A write gives the running code a table of its own, as a task has once it wrote (or
        // when nothing snapshotted its context): the override is made in place.
        Req::set_id(1);
        group.bench_function("ctxlocal/task/sync_scope_id + read", |b| {
            b.iter(|| {
                Req::sync_scope_id(black_box(9), || {
                    black_box(Req::with_id(|v| v.copied().unwrap_or(0)))
                })
            })
        });
    });
    group.bench_function("tokio task_local/sync_scope + read", |b| {
        b.iter(|| {
            TL_ID.sync_scope(black_box(9), || {
                black_box(TL_ID.try_with(|v| *v).unwrap_or(0))
            })
        })
    });
    group.bench_function("opentelemetry/current_with_value.attach + read", |b| {
        b.iter(|| {
            let _guard = opentelemetry::Context::current_with_value(OtelId(black_box(9))).attach();
            black_box(opentelemetry::Context::map_current(|cx| {
                cx.get::<OtelId>().map_or(0, |v| v.0)
            }))
        })
    });
    group.finish();
}

criterion_group!(benches, reads, writes);
criterion_main!(benches);
