//! The sync/async bridges against the raw tokio calls they wrap.
//!
//! Groups (`cargo bench --bench bridges`):
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
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ctxlocal::{Context, async_local};
use tokio::runtime::Builder;

#[path = "support/harness.rs"]
mod harness;

use harness::{in_task, runtime};

#[async_local]
struct Req {
    id: u64,
    name: String,
}

fn context_with_values() -> Context {
    Context::empty().run(|| {
        Req::set_id(7);
        Req::set_name("0b7c6a1e-5f7d-4a3e-9c2d-1f2e3d4c5b6a".to_owned());
        Context::current()
    })
}

fn sync_to_async(c: &mut Criterion) {
    let ctx = context_with_values();
    for (name, multi_thread) in [
        ("sync_to_async/current_thread", false),
        ("sync_to_async/multi_thread", true),
    ] {
        let rt = runtime(multi_thread);
        let mut group = c.benchmark_group(name);
        group.bench_function("ctxlocal::sync_to_async + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(ctxlocal::sync_to_async(|| black_box(1u8)).await);
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("ctxlocal::sync_to_async (writes 1 field) + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for i in 0..iters {
                        ctxlocal::sync_to_async(move || Req::set_id(i)).await;
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("ctxlocal::spawn_blocking + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(ctxlocal::spawn_blocking(|| black_box(1u8)).await.unwrap());
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("tokio::task::spawn_blocking + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(
                            tokio::task::spawn_blocking(|| black_box(1u8))
                                .await
                                .unwrap(),
                        );
                    }
                    start.elapsed()
                })
            })
        });
        group.finish();
    }
}

fn async_to_sync(c: &mut Criterion) {
    // The bench thread is a plain thread: its root context holds the values.
    Req::set_id(7);
    Req::set_name("0b7c6a1e-5f7d-4a3e-9c2d-1f2e3d4c5b6a".to_owned());
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
