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
//!   the per-thread runtime it creates once), with and without a write in `fut`, against raw
//!   `Runtime::block_on(fut)` on a current-thread runtime built once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Builder;

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;
#[path = "support/req.rs"]
mod req;

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
    group.bench_function("tokio Runtime::block_on (current_thread)", |b| {
        b.iter(|| raw.block_on(async { black_box(1u8) }))
    });
    group.finish();
}

criterion_group!(benches, sync_to_async, async_to_sync);
criterion_main!(benches);
