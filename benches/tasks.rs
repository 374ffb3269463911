//! Per-poll cost of the context wrapper, and spawning a task, against tokio.
//!
//! Groups (`cargo bench --bench tasks`):
//!
//! - `poll/empty`: one poll of a future that returns `Pending` at once, bare, wrapped in
//!   ctxlocal's `WithContext` (`Context::scope`, with values in the context), and wrapped in
//!   tokio's `TaskLocalFuture` (`task_local!` `scope`). The future is polled by hand with a
//!   no-op waker, so the number is the wrapper plus one call, with no executor in it.
//! - `poll/read`: the same, where each poll also reads one `u64` from its context (ctxlocal
//!   `with_*`, tokio `try_with`).
//! - `spawn/current_thread`, `spawn/multi_thread`: `ctxlocal::spawn(async {}).await` against
//!   `tokio::spawn(async {}).await`, the loop running inside a task that carries a context with
//!   values (so the ctxlocal child really snapshots something), on a current-thread runtime and
//!   on a multi-thread runtime with 2 workers.

use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context as TaskCx, Poll, Waker};
use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ctxlocal::{Context, async_local};

#[path = "support/harness.rs"]
mod harness;

use harness::{in_task, runtime};

#[async_local]
struct Req {
    id: u64,
    name: String,
}

tokio::task_local! {
    static TL_ID: u64;
}

fn context_with_values() -> Context {
    Context::empty().run(|| {
        Req::set_id(7);
        Req::set_name("0b7c6a1e-5f7d-4a3e-9c2d-1f2e3d4c5b6a".to_owned());
        Context::current()
    })
}

/// Never completes; every poll returns `Pending`.
struct Pending;

impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut TaskCx<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Never completes; every poll reads a value with `read` first.
struct ReadThenPending<F>(F);

impl<F: Fn() -> u64 + Unpin> Future for ReadThenPending<F> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut TaskCx<'_>) -> Poll<()> {
        black_box((self.0)());
        Poll::Pending
    }
}

fn bench_polls<F: Future>(b: &mut criterion::Bencher<'_>, future: F) {
    let mut future = pin!(future);
    let mut cx = TaskCx::from_waker(Waker::noop());
    b.iter(|| black_box(future.as_mut().poll(&mut cx)));
}

fn polls(c: &mut Criterion) {
    let ctx = context_with_values();

    let mut group = c.benchmark_group("poll/empty");
    group.bench_function("bare future", |b| bench_polls(b, Pending));
    group.bench_function("ctxlocal WithContext", |b| {
        bench_polls(b, ctx.scope(Pending))
    });
    group.bench_function("tokio TaskLocalFuture", |b| {
        bench_polls(b, TL_ID.scope(7, Pending))
    });
    group.finish();

    let mut group = c.benchmark_group("poll/read");
    group.bench_function("ctxlocal WithContext + with_id", |b| {
        bench_polls(
            b,
            ctx.scope(ReadThenPending(|| {
                Req::with_id(|v| v.copied().unwrap_or(0))
            })),
        )
    });
    group.bench_function("tokio TaskLocalFuture + try_with", |b| {
        bench_polls(
            b,
            TL_ID.scope(7, ReadThenPending(|| TL_ID.try_with(|v| *v).unwrap_or(0))),
        )
    });
    group.finish();
}

fn spawns(c: &mut Criterion) {
    let ctx = context_with_values();
    for (name, multi_thread) in [
        ("spawn/current_thread", false),
        ("spawn/multi_thread", true),
    ] {
        let rt = runtime(multi_thread);
        let mut group = c.benchmark_group(name);
        group.bench_function("ctxlocal::spawn + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        ctxlocal::spawn(async { black_box(1u8) }).await.unwrap();
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("tokio::spawn + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        tokio::spawn(async { black_box(1u8) }).await.unwrap();
                    }
                    start.elapsed()
                })
            })
        });
        group.bench_function("tokio::spawn(task_local scope) + await", |b| {
            b.iter_custom(|iters| {
                in_task(&rt, &ctx, iters, |iters| async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        tokio::spawn(TL_ID.scope(7, async { black_box(1u8) }))
                            .await
                            .unwrap();
                    }
                    start.elapsed()
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, polls, spawns);
criterion_main!(benches);
