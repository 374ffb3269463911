//! Helpers shared by the benches: the runtimes the async benches run on, a timed loop of
//! awaits inside a task that carries a context, a loop timed right after fresh snapshots, a
//! context built from an empty one, and a future that never completes.

#![allow(dead_code)] // each bench uses part of it

use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ctxlocal::{Context, ContextExt};
use tokio::runtime::{Builder, Runtime};

/// The runtimes the async benches run on, as `(name, multi_thread)` for [`runtime`]; the name
/// is the last part of the benchmark group's name.
pub const RUNTIMES: [(&str, bool); 2] = [("current_thread", false), ("multi_thread", true)];

/// A current-thread runtime, or a multi-thread one with two workers (the machine's cores).
pub fn runtime(multi_thread: bool) -> Runtime {
    let mut builder = if multi_thread {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    } else {
        Builder::new_current_thread()
    };
    builder.build().expect("runtime")
}

/// Times `iters` awaits of `op(i)` (`i` in `0..iters`; each output goes to `black_box`) in a
/// loop that runs inside a task spawned on `rt` that carries `ctx`, and returns the time the
/// loop took. On the multi-thread runtime this puts the loop on a worker thread, where a spawn
/// lands in the worker's local queue, as it does for a request handler.
pub fn time_awaits<Op, Fut>(rt: &Runtime, ctx: &Context, iters: u64, op: Op) -> Duration
where
    Op: Fn(u64) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
{
    let task = async move {
        let start = Instant::now();
        for i in 0..iters {
            black_box(op(i).await);
        }
        start.elapsed()
    }
    .in_context(ctx.clone());
    rt.block_on(async move { tokio::spawn(task).await.expect("bench task") })
}

/// Times `per_iter` run `iters` times, each right after a fresh `Context::current()`
/// snapshot, and drops the snapshots outside the timed region (in chunks), so that the number
/// is "snapshot + what `per_iter` costs right after it", not the freeing of old contexts.
pub fn iter_after_snapshot(iters: u64, mut per_iter: impl FnMut(u64)) -> Duration {
    const CHUNK: u64 = 1024;
    let mut kept: Vec<Context> = Vec::with_capacity(CHUNK as usize);
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = CHUNK.min(iters - done);
        let start = Instant::now();
        for i in 0..n {
            kept.push(Context::current());
            per_iter(black_box(i));
        }
        total += start.elapsed();
        kept.clear();
        done += n;
    }
    total
}

/// The context that `fill` writes, starting from an empty one (as a task would carry it).
pub fn build_context(fill: impl FnOnce()) -> Context {
    Context::empty().run(|| {
        fill();
        Context::current()
    })
}

/// Never completes; every poll returns `Pending`.
pub struct Pending;

impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut TaskCx<'_>) -> Poll<()> {
        Poll::Pending
    }
}
