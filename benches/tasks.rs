//! Per-poll cost of the context wrapper, and spawning a task, against tokio.
//!
//! Groups (`cargo bench -p ctxlocal-benches --bench tasks`):
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

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;
#[path = "support/req.rs"]
mod req;

use anchors::TL_ID;
use harness::{Pending, RUNTIMES, runtime, time_awaits};
use req::{Req, context_with_values};

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
    for (rt_name, multi_thread) in RUNTIMES {
        let rt = runtime(multi_thread);
        let mut group = c.benchmark_group(format!("spawn/{rt_name}"));
        group.bench_function("ctxlocal::spawn + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| async {
                    ctxlocal::spawn(async { black_box(1u8) }).await.unwrap()
                })
            })
        });
        group.bench_function("tokio::spawn + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| async {
                    tokio::spawn(async { black_box(1u8) }).await.unwrap()
                })
            })
        });
        group.bench_function("tokio::spawn(task_local scope) + await", |b| {
            b.iter_custom(|iters| {
                time_awaits(&rt, &ctx, iters, |_| async {
                    tokio::spawn(TL_ID.scope(7, async { black_box(1u8) }))
                        .await
                        .unwrap()
                })
            })
        });
        group.finish();
    }
}

criterion_group!(benches, polls, spawns);
criterion_main!(benches);
