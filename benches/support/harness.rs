//! Timing helpers shared by the criterion benches: the runtimes the async benches run on, a
//! way to run a timed loop inside a task that carries a context, and a loop timed right after
//! fresh snapshots.

#![allow(dead_code)] // each bench uses part of it

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use ctxlocal::{Context, FutureExt};
use tokio::runtime::{Builder, Runtime};

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

/// Runs `body(iters)` inside a task spawned on `rt` that carries `ctx`, and returns the time
/// it measured. On the multi-thread runtime this puts the loop on a worker thread, where a
/// spawn lands in the worker's local queue, as it does for a request handler.
pub fn in_task<B, Fut>(rt: &Runtime, ctx: &Context, iters: u64, body: B) -> Duration
where
    B: FnOnce(u64) -> Fut + Send + 'static,
    Fut: Future<Output = Duration> + Send + 'static,
{
    let task = async move { body(iters).await }.in_context(ctx.clone());
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
