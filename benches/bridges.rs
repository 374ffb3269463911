//! The sync/async bridges against the raw tokio calls they wrap.
//!
//! Groups (`cargo bench -p ctxlocal-benches --bench bridges`):
//!
//! - `sync_to_async/<runtime>`: `ctxlocal::sync_to_async(f).await` (with and without a write in
//!   `f`, which makes the write-back merge do work), `ctxlocal::spawn_blocking(f).await` (a
//!   snapshot, no write-back), and raw `tokio::task::spawn_blocking(f).await`. Awaited from a
//!   task that carries a context with values, on a current-thread and on a multi-thread
//!   (2 workers) runtime.
//! - `async_to_sync`: `ctxlocal::async_to_sync(fut)` from a plain thread (no runtime: it uses
//!   the per-thread runtime it creates once), with and without a write in `fut`, and with a
//!   thread-sensitive call in `fut` (which the calling thread runs itself, rule TS1 a),
//!   against raw `Runtime::block_on(fut)` on a current-thread runtime built once.
//! - `thread_sensitive/<runtime>`: the thread-sensitive round trip
//!   (`sync_to_async(f).thread_sensitive().await`, on the process-wide sync thread and on a
//!   context's own thread) next to the blocking-pool round trip; a whole
//!   `thread_sensitive_context` with one call (its thread is started and told to exit) and
//!   with none.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Builder;

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;
#[path = "support/req.rs"]
mod req;

use ctxlocal::ContextExt;
use harness::{RUNTIMES, runtime, time_awaits};
use req::{Req, context_with_values, set_values};

fn sync_to_async(c: &mut Criterion) {
    let ctx = context_with_values();
    for (rt_name, multi_thread) in RUNTIMES {
        let rt = runtime(multi_thread);
        let mut group = c.benchmark_group(format!("sync_to_async/{rt_name}"));
        group.bench_function("ctxlocal::sync_to_async + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| {
                    ctxlocal::sync_to_async(|| black_box(1u8))
                })
            })
        });
        group.bench_function("ctxlocal::sync_to_async (writes 1 field) + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |i| {
                    ctxlocal::sync_to_async(move || Req::set_id(i))
                })
            })
        });
        group.bench_function("ctxlocal::spawn_blocking + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| async {
                    ctxlocal::spawn_blocking(|| black_box(1u8)).await.unwrap()
                })
            })
        });
        group.bench_function("tokio::task::spawn_blocking + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| async {
                    tokio::task::spawn_blocking(|| black_box(1u8))
                        .await
                        .unwrap()
                })
            })
        });
        group.finish();
    }
}

fn async_to_sync(c: &mut Criterion) {
    // The bench thread is a plain thread: its root context holds the values.
    set_values();
    let raw = Builder::new_current_thread().enable_all().build().unwrap();

    let mut group = c.benchmark_group("async_to_sync");
    group.bench_function("ctxlocal::async_to_sync (plain thread)", |b| {
        b.iter(|| ctxlocal::async_to_sync(async { black_box(1u8) }))
    });
    group.bench_function("ctxlocal::async_to_sync (writes 1 field)", |b| {
        b.iter(|| ctxlocal::async_to_sync(async { Req::set_id(black_box(8)) }))
    });
    group.bench_function(
        "ctxlocal::async_to_sync(sync_to_async(f).thread_sensitive()) (plain thread)",
        |b| {
            b.iter(|| {
                ctxlocal::async_to_sync(async {
                    ctxlocal::sync_to_async(|| black_box(1u8))
                        .thread_sensitive()
                        .await
                })
            })
        },
    );
    group.bench_function("tokio Runtime::block_on (current_thread)", |b| {
        b.iter(|| raw.block_on(async { black_box(1u8) }))
    });
    group.finish();
}

fn thread_sensitive(c: &mut Criterion) {
    let ctx = context_with_values();
    for (rt_name, multi_thread) in RUNTIMES {
        let rt = runtime(multi_thread);
        let mut group = c.benchmark_group(format!("thread_sensitive/{rt_name}"));
        group.bench_function("sync_to_async(f) + await (blocking pool)", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| {
                    ctxlocal::sync_to_async(|| black_box(1u8))
                })
            })
        });
        group.bench_function(
            "sync_to_async(f).thread_sensitive() + await (process-wide thread)",
            |b| {
                b.iter_custom(|iters| {
                    time_awaits(&rt, &ctx, iters, |_| {
                        ctxlocal::sync_to_async(|| black_box(1u8)).thread_sensitive()
                    })
                })
            },
        );
        group.bench_function(
            "sync_to_async(f).thread_sensitive() + await (a context's thread)",
            |b| b.iter_custom(|iters| time_calls_in_a_context(&rt, &ctx, iters)),
        );
        group.bench_function("thread_sensitive_context with one call + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| {
                    ctxlocal::thread_sensitive_context(
                        ctxlocal::sync_to_async(|| black_box(1u8)).thread_sensitive(),
                    )
                })
            })
        });
        group.bench_function("thread_sensitive_context without calls + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| {
                    ctxlocal::thread_sensitive_context(async { black_box(1u8) })
                })
            })
        });
        group.finish();
    }
}

/// Times `iters` thread-sensitive calls made inside one `thread_sensitive_context` (its thread
/// started by a first call outside the timed loop), in a task that carries `ctx`.
fn time_calls_in_a_context(
    rt: &tokio::runtime::Runtime,
    ctx: &ctxlocal::Context,
    iters: u64,
) -> std::time::Duration {
    let task = ctxlocal::thread_sensitive_context(async move {
        ctxlocal::sync_to_async(|| ()).thread_sensitive().await;
        let start = std::time::Instant::now();
        for _ in 0..iters {
            black_box(
                ctxlocal::sync_to_async(|| black_box(1u8))
                    .thread_sensitive()
                    .await,
            );
        }
        start.elapsed()
    })
    .in_context(ctx.clone());
    rt.block_on(async move { tokio::spawn(task).await.expect("bench task") })
}

criterion_group!(benches, sync_to_async, async_to_sync, thread_sensitive);
criterion_main!(benches);
