//! Rule D8: work the crate did not start carries nothing. A plain tokio task (or
//! `spawn_blocking` closure) sees an empty context and may not write, so nothing it does is
//! ever seen by another task on its worker thread. A plain OS thread writes its own root
//! context, like `threading.local`.

use crate::support;

use std::sync::Arc;
use std::sync::mpsc;

use ctxlocal::{Context, ContextExt, async_local, async_to_sync, sync_to_async};
use tokio::sync::oneshot;

#[async_local]
struct Local {
    value: u64,
    #[local(default = 3)]
    retries: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_tokio_task_sees_an_empty_context() {
    Local::set_value(1);
    let seen = tokio::spawn(async {
        (
            Local::value(),
            Local::is_value_set(),
            Local::retries(),
            Context::current().is_empty(),
        )
    })
    .await
    .unwrap();
    assert_eq!(seen, (None, false, 3, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_in_plain_tokio_task_panics_with_a_message_that_says_what_to_do() {
    let panic = tokio::spawn(async { Local::set_value(2) })
        .await
        .unwrap_err()
        .into_panic();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("Local::set_value"), "{message}");
    assert!(message.contains("ctxlocal::spawn"), "{message}");
    assert!(message.contains(".in_current_context()"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_set_in_plain_tokio_task_returns_an_error() {
    let (result, after) = tokio::spawn(async { (Local::try_set_value(2), Local::value()) })
        .await
        .unwrap();
    let error = result.unwrap_err();
    assert!(error.is_untracked_task());
    assert!(!error.is_thread_exiting());
    assert!(error.to_string().contains("ctxlocal::spawn"));
    assert_eq!(after, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_writer_is_refused_in_a_plain_tokio_task() {
    async fn refused(f: fn()) -> bool {
        tokio::spawn(async move { f() }).await.is_err()
    }
    assert!(refused(|| Local::set_value(1)).await);
    assert!(
        refused(|| {
            let _ = Local::replace_value(1);
        })
        .await
    );
    assert!(refused(|| Local::update_value(|v| *v = Some(1))).await);
    assert!(refused(|| Local::update_retries(|r| *r += 1)).await);
    assert!(
        refused(|| Local {
            value: 1,
            retries: 1
        }
        .set())
        .await
    );
    // Taking or clearing what is not visible needs no write, so it is not an error.
    assert!(!refused(|| assert_eq!(Local::take_value(), None)).await);
    assert!(!refused(Local::clear).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_spawn_blocking_sees_nothing_and_may_not_write() {
    Local::set_value(9);
    let (seen, refused) = tokio::task::spawn_blocking(|| (Local::value(), Local::try_set_value(1)))
        .await
        .unwrap();
    assert_eq!(seen, None);
    assert!(refused.unwrap_err().is_untracked_task());
}

#[tokio::test(flavor = "current_thread")]
async fn plain_task_on_the_block_on_thread_does_not_see_that_threads_root_context() {
    // On a current-thread runtime every task runs on the thread that holds the root context
    // written here; an untracked task must still see nothing of it.
    Local::set_value(77);
    let seen = tokio::spawn(async { Local::value() }).await.unwrap();
    assert_eq!(seen, None);
    assert_eq!(Local::value(), Some(77));
}

#[tokio::test(flavor = "current_thread")]
async fn nothing_an_untracked_task_tries_is_seen_by_a_tracked_task_on_the_same_thread() {
    let tracked = ctxlocal::spawn(async {
        Local::set_value(1);
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        Local::value()
    });
    let untracked = tokio::spawn(async {
        let _ = Local::try_set_value(666);
        tokio::task::yield_now().await;
        Local::value()
    });
    assert_eq!(tracked.await.unwrap(), Some(1));
    assert_eq!(untracked.await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrapping_an_untracked_task_makes_it_writable() {
    let seen = tokio::spawn(
        async {
            Local::set_value(3);
            Local::value()
        }
        .in_current_context(),
    )
    .await
    .unwrap();
    assert_eq!(seen, Some(3));
    // And ctxlocal::spawn from inside an untracked task starts a tracked (empty) child.
    let nested = tokio::spawn(async {
        ctxlocal::spawn(async {
            Local::set_value(4);
            Local::value()
        })
        .await
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(nested, Some(4));
}

#[test]
fn plain_os_thread_writes_its_own_root_context() {
    let seen = std::thread::spawn(|| {
        assert_eq!(Local::value(), None);
        Local::set_value(5);
        Local::value()
    })
    .join()
    .unwrap();
    assert_eq!(seen, Some(5));
}

type Job = Box<dyn FnOnce() + Send>;

/// A one-thread "pool": jobs run one after another on the same reused thread.
fn one_thread_pool() -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Job>();
    let worker = std::thread::spawn(move || {
        for job in rx {
            job();
        }
    });
    (tx, worker)
}

#[test]
fn a_reused_pool_thread_shows_a_later_job_what_an_earlier_job_left_like_threading_local() {
    let (pool, worker) = one_thread_pool();
    let (seen_tx, seen_rx) = mpsc::channel();
    pool.send(Box::new(|| Local::set_value(1))).unwrap();
    pool.send(Box::new(move || seen_tx.send(Local::value()).unwrap()))
        .unwrap();
    assert_eq!(seen_rx.recv().unwrap(), Some(1));
    drop(pool);
    worker.join().unwrap();
}

#[test]
fn jobs_run_inside_context_run_leave_nothing_on_the_pool_thread() {
    let (pool, worker) = one_thread_pool();
    let (seen_tx, seen_rx) = mpsc::channel();
    Local::set_value(10);
    let ctx = Arc::new(Context::current());
    {
        let ctx = ctx.clone();
        let seen_tx = seen_tx.clone();
        pool.send(Box::new(move || {
            ctx.run(|| {
                seen_tx.send(Local::value()).unwrap();
                Local::set_value(11);
                Local::set_retries(9);
            })
        }))
        .unwrap();
    }
    {
        let seen_tx = seen_tx.clone();
        pool.send(Box::new(move || {
            seen_tx.send(Local::value()).unwrap();
            seen_tx.send(Some(u64::from(Local::retries()))).unwrap();
        }))
        .unwrap();
    }
    pool.send(Box::new(move || {
        ctx.run(|| seen_tx.send(Local::value()).unwrap())
    }))
    .unwrap();
    // First job saw the carried value; the bare job afterwards sees nothing it wrote; a
    // later carried job sees the snapshot, not the first job's write.
    assert_eq!(seen_rx.recv().unwrap(), Some(10));
    assert_eq!(seen_rx.recv().unwrap(), None);
    assert_eq!(seen_rx.recv().unwrap(), Some(3));
    assert_eq!(seen_rx.recv().unwrap(), Some(10));
    drop(pool);
    worker.join().unwrap();
}

// === Untracked tokio tasks polled inside a crate frame (rule D8, wherever they are polled) ===

/// What a plain tokio task saw and whether its write went through.
type Observed = (Option<u64>, bool);

/// A plain tokio task that waits for `go`, then reports what it sees and whether it may write.
fn spawn_observer(go: oneshot::Receiver<()>, report: oneshot::Sender<Observed>) {
    tokio::spawn(async move {
        let _ = go.await;
        let _ = report.send((Local::value(), Local::try_set_value(666).is_ok()));
    });
}

#[test]
fn plain_task_left_pending_by_one_async_to_sync_call_sees_nothing_in_the_next_call() {
    support::on_plain_thread(|| {
        let (go, wait) = oneshot::channel();
        let (report, observed) = oneshot::channel();
        // The first call leaves a plain task pending on this thread's `async_to_sync` runtime.
        Local::sync_scope_value(1, || async_to_sync(async { spawn_observer(wait, report) }));
        // It runs during the second call, inside that call's frame.
        let (observed, after) = Local::sync_scope_value(2, || {
            async_to_sync(async {
                go.send(()).unwrap();
                (observed.await.unwrap(), Local::value())
            })
        });
        assert_eq!(observed, (None, false));
        assert_eq!(after, Some(2));
    });
}

#[test]
fn plain_task_on_a_runtime_reused_across_sync_scopes_sees_nothing() {
    support::on_plain_thread(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (go, wait) = oneshot::channel();
        let (report, observed) = oneshot::channel();
        Local::sync_scope_value(1, || rt.block_on(async { spawn_observer(wait, report) }));
        let (observed, after) = Local::sync_scope_value(2, || {
            rt.block_on(async {
                go.send(()).unwrap();
                (observed.await.unwrap(), Local::value())
            })
        });
        assert_eq!(observed, (None, false));
        // The `block_on` future itself runs inline in the scope, and sees it.
        assert_eq!(after, Some(2));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_spawn_local_in_a_local_set_inside_a_wrapped_future_sees_nothing() {
    let (child, parent) = async {
        Local::set_value(1);
        tokio::task::LocalSet::new()
            .run_until(async {
                let child = tokio::task::spawn_local(async {
                    (Local::value(), Local::try_set_value(666).is_ok())
                })
                .await
                .unwrap();
                (child, Local::value())
            })
            .await
    }
    .in_current_context()
    .await;
    assert_eq!(child, (None, false));
    assert_eq!(parent, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_task_on_a_runtime_driven_inside_sync_to_async_writes_nothing_back() {
    let (observed, inline, after) = support::in_task(async {
        Local::set_value(1);
        let (observed, inline) = sync_to_async(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(async {
                let observed =
                    tokio::spawn(async { (Local::value(), Local::try_set_value(666).is_ok()) })
                        .await
                        .unwrap();
                (observed, Local::value())
            })
        })
        .await;
        (observed, inline, Local::value())
    })
    .await;
    assert_eq!(observed, (None, false));
    assert_eq!(inline, Some(1));
    assert_eq!(after, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_task_inside_a_crate_frame_sees_no_thread_critical_values() {
    let observed = async {
        Critical::set_value(1);
        tokio::task::LocalSet::new()
            .run_until(async {
                tokio::task::spawn_local(async {
                    (Critical::value(), Critical::try_set_value(666).is_ok())
                })
                .await
                .unwrap()
            })
            .await
    }
    .in_current_context()
    .await;
    assert_eq!(observed, (None, false));
}

#[async_local(thread_critical)]
struct Critical {
    value: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusal_message_points_framework_tasks_to_scope_layer() {
    let panic = tokio::spawn(async { Local::set_value(2) })
        .await
        .unwrap_err()
        .into_panic();
    let message = support::panic_message(&*panic);
    assert!(message.contains("ScopeLayer"), "{message}");
    assert!(message.contains("from_fn"), "{message}");
    assert!(message.contains("value.scope(next.run(req))"), "{message}");
}
