//! Cancellation (RELIABILITY.md, guarantee C1): a future dropped at any await point, by manual
//! polling, `tokio::select!`, a timeout or `JoinHandle::abort`, leaves every context as the
//! rules say:
//!
//! - code awaited inline in a task shares the task's context (D2), so exactly the writes made
//!   before the drop point remain;
//! - a scoped or carried future (`scope_*`, `value.scope`, `ctx.scope`, `in_current_context`,
//!   `in_context`) has a context of its own: the caller's is unchanged whatever the drop point,
//!   the future's `Drop` code still sees the future's own context, and its values are dropped
//!   with it;
//! - a `sync_to_async` future dropped before its closure finishes discards the closure's
//!   writes (the closure itself runs to completion); dropped before its first poll, the
//!   closure never runs;
//! - an aborted task's values are dropped, and its parent is unchanged.

use crate::support;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use ctxlocal::{Context, ContextExt, async_local};
use support::{Counted, Counters, PendingOnce, on_fresh_thread, poll_once, poll_times};

#[async_local]
struct Local {
    n: u64,
    value: Counted,
}

/// Await points in the futures below.
const POINTS: u64 = 4;

/// Writes `n = 1, 2, .., POINTS` (and a counted value each time), with an await point after
/// each write.
async fn writer(counters: Arc<Counters>) {
    for k in 1..=POINTS {
        Local::set_n(k);
        Local::set_value(counters.make(k));
        PendingOnce::new().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_future_dropped_at_every_await_point_keeps_exactly_the_writes_before_it() {
    for cut in 0..=POINTS + 1 {
        let counters = Counters::new();
        let c = counters.clone();
        let (n, value) = ctxlocal::spawn(async move {
            Local::set_n(0);
            {
                let future = pin!(writer(c));
                let finished = poll_times(future, cut).await.is_some();
                assert_eq!(finished, cut > POINTS);
            }
            (Local::n(), Local::with_value(|v| v.map(|v| v.id)))
        })
        .await
        .unwrap();
        // Poll `k` ran the `k`th write (and stopped at the await point after it).
        let written = cut.min(POINTS);
        assert_eq!(n, Some(written), "cut after {cut} polls");
        assert_eq!(value, (written > 0).then_some(written));
        assert_eq!(counters.created(), counters.dropped());
    }
}

/// Reports the context it sees when it is dropped.
struct ReportOnDrop(mpsc::Sender<Option<u64>>);

impl Drop for ReportOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Local::n());
    }
}

#[derive(Clone, Copy, Debug)]
enum Carry {
    ScopeField,
    ScopeStruct,
    ContextScope,
    InCurrentContext,
    InEmptyContext,
}

const CARRIES: [Carry; 5] = [
    Carry::ScopeField,
    Carry::ScopeStruct,
    Carry::ContextScope,
    Carry::InCurrentContext,
    Carry::InEmptyContext,
];

/// `future` in a context of its own, made the way `carry` says.
fn carried<F: Future>(
    carry: Carry,
    counters: &Arc<Counters>,
    future: F,
) -> ctxlocal::WithContext<F> {
    match carry {
        Carry::ScopeField => Local::scope_n(100, future),
        Carry::ScopeStruct => Local {
            n: 100,
            value: counters.make(100),
        }
        .scope(future),
        Carry::ContextScope => Context::current().scope(future),
        Carry::InCurrentContext => future.in_current_context(),
        Carry::InEmptyContext => future.in_context(Context::empty()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carried_future_dropped_at_every_await_point_leaves_the_caller_unchanged() {
    for carry in CARRIES {
        for cut in 0..=POINTS + 1 {
            let counters = Counters::new();
            let c = counters.clone();
            let (tx, rx) = mpsc::channel();
            let after = ctxlocal::spawn(async move {
                Local::set_n(1);
                Local::set_value(c.make(1));
                {
                    let guard = ReportOnDrop(tx);
                    let c2 = c.clone();
                    let future = pin!(carried(carry, &c, async move {
                        let _guard = guard;
                        writer(c2).await;
                    }));
                    poll_times(future, cut).await;
                    // Between polls, and after the drop, the caller's context is current.
                    assert_eq!(Local::n(), Some(1));
                }
                (Local::n(), Local::with_value(|v| v.map(|v| v.id)))
            })
            .await
            .unwrap();
            assert_eq!(
                after,
                (Some(1), Some(1)),
                "{carry:?}, cut after {cut} polls"
            );
            // The future's Drop code ran inside the future's own context.
            let seen_on_drop = rx.recv().unwrap();
            let before_any_write = match carry {
                Carry::ScopeField | Carry::ScopeStruct => Some(100),
                Carry::ContextScope | Carry::InCurrentContext => Some(1),
                Carry::InEmptyContext => None,
            };
            let expected = if cut == 0 {
                before_any_write
            } else {
                Some(cut.min(POINTS))
            };
            assert_eq!(seen_on_drop, expected, "{carry:?}, cut after {cut} polls");
            assert_eq!(
                counters.created(),
                counters.dropped(),
                "{carry:?}, cut {cut}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_cancels_a_scope_at_each_await_point() {
    for cut in 0..POINTS {
        let counters = Counters::new();
        let c = counters.clone();
        let after = ctxlocal::spawn(async move {
            Local::set_n(1);
            let (reached_tx, reached_rx) = tokio::sync::oneshot::channel::<()>();
            let mut reached_tx = Some(reached_tx);
            let scoped = Local::scope_n(100, async {
                for k in 1..=POINTS {
                    Local::set_value(c.make(k));
                    Local::set_n(100 + k);
                    if k == cut + 1 {
                        let _ = reached_tx.take().unwrap().send(());
                    }
                    PendingOnce::new().await;
                }
                std::future::pending::<()>().await;
            });
            tokio::select! {
                biased;
                _ = reached_rx => {}
                _ = scoped => unreachable!("the scoped future never finishes"),
            }
            (Local::n(), Local::is_value_set())
        })
        .await
        .unwrap();
        assert_eq!(after, (Some(1), false), "cancelled at await point {cut}");
        assert_eq!(counters.created(), counters.dropped());
    }
}

/// How the test below drops a `sync_to_async` future while its closure runs.
#[derive(Clone, Copy, Debug)]
enum DropBridge {
    /// `tokio::time::timeout` polls it once (starting the closure), then gives up and drops it.
    Timeout,
    /// `tokio::select!` polls it once, then drops it as soon as the closure reports it started.
    SelectOnceStarted,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_dropped_while_its_closure_runs_discards_the_closures_writes() {
    for how in [DropBridge::Timeout, DropBridge::SelectOnceStarted] {
        let counters = Counters::new();
        ctxlocal::spawn(async move {
            Local::set_n(1);
            let (started_tx, started_rx) = tokio::sync::oneshot::channel();
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let (done_tx, done_rx) = tokio::sync::oneshot::channel();
            let bridge = ctxlocal::sync_to_async(move || {
                let _ = started_tx.send(Local::n());
                release_rx.recv().unwrap();
                Local::set_n(2);
                Local::set_value(counters.make(2));
                let _ = done_tx.send((Local::n(), Local::with_value(|v| v.map(|v| v.id))));
            });
            let seen_at_start = match how {
                DropBridge::Timeout => {
                    let timed_out = tokio::time::timeout(Duration::ZERO, bridge).await;
                    assert!(timed_out.is_err());
                    started_rx.await.unwrap()
                }
                DropBridge::SelectOnceStarted => tokio::select! {
                    biased;
                    seen = started_rx => seen.unwrap(),
                    _ = bridge => unreachable!("the closure waits for its release"),
                },
            };
            // The bridge is gone; the closure started in a continuation of the caller's context.
            assert_eq!(seen_at_start, Some(1), "{how:?}");
            release_tx.send(()).unwrap();
            // The closure ran to completion, writing both fields in its own context...
            assert_eq!(done_rx.await.unwrap(), (Some(2), Some(2)), "{how:?}");
            // ...and none of its writes came back.
            assert_eq!(Local::n(), Some(1), "{how:?}");
            assert!(!Local::is_value_set(), "{how:?}");
        })
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_dropped_before_its_first_poll_never_runs_its_closure() {
    ctxlocal::spawn(async {
        Local::set_n(1);
        let (ran_tx, ran_rx) = mpsc::channel::<bool>();
        // Reports `false` when the closure is dropped, `true` when it ran.
        struct Report(mpsc::Sender<bool>, bool);
        impl Drop for Report {
            fn drop(&mut self) {
                let _ = self.0.send(self.1);
            }
        }
        let mut report = Report(ran_tx, false);
        let bridge = ctxlocal::sync_to_async(move || {
            report.1 = true;
            Local::set_n(2);
            drop(report);
        });
        drop(bridge);
        // The closure (and what it captured) was destroyed right here, with the future, without
        // running: handed to the blocking pool, it would have reported later, or `true`.
        assert_eq!(ran_rx.try_recv(), Ok(false));
        assert_eq!(Local::n(), Some(1));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_future_with_a_bridge_dropped_at_every_await_point() {
    use std::sync::atomic::{AtomicU64, Ordering};
    // set 1; await (stage 1); sync_to_async(set 2) (stage 2); set 3; await (stage 3); set 4
    // (stage 4, done). Dropped at each stage: exactly the writes before it stay, and a bridge
    // that had not completed writes nothing back.
    for target in 0..=4u64 {
        let after = ctxlocal::spawn(async move {
            Local::set_n(0);
            let stage = AtomicU64::new(0);
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
            {
                let mut future = pin!(async {
                    Local::set_n(1);
                    stage.store(1, Ordering::SeqCst);
                    PendingOnce::new().await;
                    stage.store(2, Ordering::SeqCst);
                    ctxlocal::sync_to_async(move || {
                        release_rx.recv().unwrap();
                        Local::set_n(2);
                        let _ = done_tx.send(());
                    })
                    .await;
                    assert_eq!(Local::n(), Some(2));
                    Local::set_n(3);
                    stage.store(3, Ordering::SeqCst);
                    PendingOnce::new().await;
                    Local::set_n(4);
                    stage.store(4, Ordering::SeqCst);
                });
                if target > 2 {
                    // The closure may finish as soon as it starts.
                    release_tx.send(()).unwrap();
                }
                while stage.load(Ordering::SeqCst) < target {
                    let done = if target == 2 && stage.load(Ordering::SeqCst) == 1 {
                        // The poll that starts the bridge; it cannot complete yet.
                        poll_once(&mut future.as_mut()).await
                    } else {
                        // One poll, then the future's wake-up.
                        poll_times(future.as_mut(), 1).await
                    };
                    if done.is_some() {
                        break;
                    }
                }
            }
            if target == 2 {
                // Dropped while the closure waits: it still runs to completion afterwards.
                release_tx.send(()).unwrap();
                done_rx.recv().await.unwrap();
            }
            Local::n()
        })
        .await
        .unwrap();
        let expected = match target {
            0 => 0,
            1 | 2 => 1, // stage 2: dropped before the bridge completed
            3 => 3,
            _ => 4,
        };
        assert_eq!(after, Some(expected), "dropped at stage {target}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aborted_task_drops_its_values_at_every_await_point() {
    for cut in 0..POINTS {
        let counters = Counters::new();
        Local::set_n(1);
        let (reached_tx, mut reached_rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let (go_tx, go_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let child = ctxlocal::spawn({
            let counters = counters.clone();
            async move {
                let mut go_rx = go_rx;
                let _guard = ReportOnDrop(dropped_tx);
                for k in 1..=POINTS {
                    Local::set_n(100 + k);
                    Local::set_value(counters.make(k));
                    reached_tx.send(k).unwrap();
                    go_rx.recv().await.unwrap();
                }
            }
        });
        for k in 1..=cut + 1 {
            assert_eq!(reached_rx.recv().await, Some(k));
            if k <= cut {
                go_tx.send(()).unwrap();
            }
        }
        // The child is at its await point number `cut`.
        child.abort();
        assert!(child.await.unwrap_err().is_cancelled());
        assert_eq!(dropped_rx.recv().unwrap(), Some(100 + cut + 1));
        assert_eq!(counters.created(), counters.dropped(), "cut {cut}");
        assert_eq!(Local::n(), Some(1));
    }
}

#[test]
fn carried_futures_polled_by_hand_and_dropped_out_of_order_restore_the_thread() {
    use std::task::{Context as TaskCx, Waker};
    let counters = on_fresh_thread(|counters| {
        Local::set_n(1);
        let mut cx = TaskCx::from_waker(Waker::noop());
        let c = counters.clone();
        let mut a = Box::pin(Local::scope_n(10, async move {
            for k in 0..3 {
                assert_eq!(Local::n(), Some(10 + k));
                Local::set_n(11 + k);
                Local::set_value(c.make(k));
                PendingOnce::new().await;
            }
        }));
        let mut b = Box::pin(
            async {
                for k in 0..3 {
                    assert_eq!(Local::n(), Some(20 + k));
                    Local::set_n(21 + k);
                    PendingOnce::new().await;
                }
            }
            .in_context(Local::sync_scope_n(20, Context::current)),
        );
        for _ in 0..2 {
            assert!(a.as_mut().poll(&mut cx).is_pending());
            assert_eq!(Local::n(), Some(1));
            assert!(b.as_mut().poll(&mut cx).is_pending());
            assert_eq!(Local::n(), Some(1));
        }
        drop(a);
        assert_eq!(Local::n(), Some(1));
        assert!(b.as_mut().poll(&mut cx).is_pending());
        drop(b);
        assert_eq!(Local::n(), Some(1));
        assert!(!Local::is_value_set());
    });
    assert_eq!(counters.created(), counters.dropped());
}
