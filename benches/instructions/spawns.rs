//! Instructions per `ctxlocal::spawn` + await against `tokio::spawn` + await, on a
//! current-thread runtime (a module of `benches/instructions.rs`; run with
//! `cargo bench -p ctxlocal-benches --bench instructions`).
//!
//! As `tasks.rs` times them, the children are spawned and awaited one after the other from a
//! task that carries a context with values, so that `ctxlocal::spawn` really snapshots
//! something. A spawn and its await are not one call: the runtime polls the child and wakes
//! the parent between the parent's polls. So each `op_spawn_loop_*` function does all of it
//! inside the call: it spawns the looping task, runs the runtime with `Runtime::block_on`
//! until the task has awaited `SPAWNS` children, and returns. A row subtracts the cost of
//! `op_spawn_loop_empty` (the same, awaiting no child) and divides by the children: what is
//! left is one spawn + await, the scheduler's work for it included.

use core::future::Future;
use std::hint::black_box;

use ctxlocal::{Context, ContextExt};
use tokio::runtime::Runtime;

use super::anchors::TL_ID;

/// Children awaited per call of an `op_spawn_loop_*` function.
pub const SPAWNS: usize = 100;
/// Calls of each `op_spawn_loop_*` function.
pub const LOOPS: usize = super::CALLS / SPAWNS;

/// The functions whose rows are per spawn: (symbol, label).
pub const ROWS: [(&str, &str); 3] = [
    (
        "op_spawn_loop_ctxlocal",
        "spawn + await (current_thread): `ctxlocal::spawn`, per child",
    ),
    (
        "op_spawn_loop_tokio",
        "spawn + await (current_thread): `tokio::spawn`, per child",
    ),
    (
        "op_spawn_loop_tokio_task_local",
        "spawn + await (current_thread): `tokio::spawn(TL_ID.scope(..))`, per child",
    ),
];

/// The function whose cost the `ROWS` subtract, and its label (a row per call).
pub const OVERHEAD: (&str, &str) = (
    "op_spawn_loop_empty",
    "spawn loop overhead: `block_on` of a task carrying a context, no child (subtracted from the rows above)",
);

/// Runs `Runtime::block_on` of a task that carries `ctx` and awaits `children` children made
/// by `child`.
fn spawn_loop<F, Fut>(rt: &Runtime, ctx: &Context, children: usize, child: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = u8> + Send,
{
    let task = async move {
        for _ in 0..children {
            black_box(child().await);
        }
    }
    .in_context(ctx.clone());
    rt.block_on(async move { tokio::spawn(task).await.expect("spawn loop") });
}

async fn ctxlocal_child() -> u8 {
    ctxlocal::spawn(async { black_box(1u8) })
        .await
        .expect("child")
}

async fn tokio_child() -> u8 {
    tokio::spawn(async { black_box(1u8) }).await.expect("child")
}

async fn tokio_task_local_child() -> u8 {
    tokio::spawn(TL_ID.scope(7, async { black_box(1u8) }))
        .await
        .expect("child")
}

#[inline(never)]
fn op_spawn_loop_empty(rt: &Runtime, ctx: &Context) {
    black_box("op_spawn_loop_empty");
    spawn_loop(rt, ctx, black_box(0), tokio_child);
}

#[inline(never)]
fn op_spawn_loop_ctxlocal(rt: &Runtime, ctx: &Context) {
    black_box("op_spawn_loop_ctxlocal");
    spawn_loop(rt, ctx, black_box(SPAWNS), ctxlocal_child);
}

#[inline(never)]
fn op_spawn_loop_tokio(rt: &Runtime, ctx: &Context) {
    black_box("op_spawn_loop_tokio");
    spawn_loop(rt, ctx, black_box(SPAWNS), tokio_child);
}

#[inline(never)]
fn op_spawn_loop_tokio_task_local(rt: &Runtime, ctx: &Context) {
    black_box("op_spawn_loop_tokio_task_local");
    spawn_loop(rt, ctx, black_box(SPAWNS), tokio_task_local_child);
}

/// Calls every `op_spawn_loop_*` function `LOOPS` times, on one current-thread runtime, with
/// `ctx` in the looping task.
pub fn run(ctx: &Context) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let ops: [fn(&Runtime, &Context); 4] = [
        op_spawn_loop_empty,
        op_spawn_loop_ctxlocal,
        op_spawn_loop_tokio,
        op_spawn_loop_tokio_task_local,
    ];
    for op in ops {
        for _ in 0..LOOPS {
            op(&rt, ctx);
        }
    }
}
