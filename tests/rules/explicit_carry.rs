//! Rule D9: `ctxlocal::thread::spawn`, `ctxlocal::spawn_blocking`, and `Context::current()` with
//! `ctx.run(f)` / `ctx.scope(fut)` carry a snapshot, with no write-back.

use crate::support;

use ctxlocal::{Context, async_local};
use support::one_blocking_thread_runtime;

#[async_local]
struct Local {
    value: u64,
}

#[test]
fn thread_spawn_carries_a_snapshot_without_write_back() {
    Local::set_value(1);
    let seen = ctxlocal::thread::spawn(|| {
        let inherited = Local::value();
        Local::set_value(2);
        (inherited, Local::value())
    })
    .join()
    .unwrap();
    assert_eq!(seen, (Some(1), Some(2)));
    assert_eq!(Local::value(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_carries_a_snapshot_without_write_back() {
    Local::set_value(3);
    let seen = ctxlocal::spawn_blocking(|| {
        let inherited = Local::value();
        Local::set_value(4);
        inherited
    })
    .await
    .unwrap();
    assert_eq!(seen, Some(3));
    assert_eq!(Local::value(), Some(3));
}

#[test]
fn spawn_blocking_leaves_nothing_on_the_reused_blocking_thread() {
    // One blocking thread, so every job below runs on the same, reused OS thread.
    one_blocking_thread_runtime().block_on(async {
        Local::set_value(5);
        let first = ctxlocal::spawn_blocking(|| {
            Local::set_value(6);
            std::thread::current().id()
        })
        .await
        .unwrap();
        let (second, seen_from_parent) =
            ctxlocal::spawn_blocking(|| (std::thread::current().id(), Local::value()))
                .await
                .unwrap();
        let (third, seen_from_empty) = Context::empty()
            .scope(async {
                ctxlocal::spawn_blocking(|| (std::thread::current().id(), Local::value())).await
            })
            .await
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(first, third);
        assert_eq!(seen_from_parent, Some(5));
        assert_eq!(seen_from_empty, None);
    });
}

#[test]
fn context_run_sees_the_snapshot_and_keeps_its_writes_to_itself() {
    Local::set_value(7);
    let ctx = Context::current();
    Local::set_value(8);
    let inside = ctx.run(|| {
        let seen = Local::value();
        Local::set_value(9);
        (seen, Local::value())
    });
    assert_eq!(inside, (Some(7), Some(9)));
    // Neither the caller nor the snapshot changed.
    assert_eq!(Local::value(), Some(8));
    assert_eq!(ctx.run(Local::value), Some(7));
}

#[test]
fn context_run_restores_the_callers_context_after_a_panic() {
    Local::set_value(10);
    let ctx = Context::empty();
    let result = std::panic::catch_unwind(|| {
        ctx.run(|| {
            Local::set_value(11);
            panic!("boom");
        })
    });
    assert!(result.is_err());
    assert_eq!(Local::value(), Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_scope_runs_a_future_in_the_snapshot() {
    Local::set_value(12);
    let ctx = Context::current();
    Local::set_value(13);
    let seen = ctx
        .scope(async {
            let before = Local::value();
            tokio::task::yield_now().await;
            Local::set_value(14);
            tokio::task::yield_now().await;
            (before, Local::value())
        })
        .await;
    assert_eq!(seen, (Some(12), Some(14)));
    assert_eq!(Local::value(), Some(13));
}

#[test]
fn nested_runs_restore_each_level() {
    Local::set_value(1);
    let a = Context::current();
    Local::set_value(2);
    let b = Context::current();
    Local::set_value(3);
    let seen = a.run(|| {
        let in_a = Local::value();
        let in_b = b.run(|| {
            Local::set_value(20);
            Local::value()
        });
        (in_a, in_b, Local::value())
    });
    assert_eq!(seen, (Some(1), Some(20), Some(1)));
    assert_eq!(Local::value(), Some(3));
}
