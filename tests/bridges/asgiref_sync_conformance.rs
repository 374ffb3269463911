//! Conformance with the thread-sensitive tests of asgiref 3.13's `tests/test_sync.py` (and the
//! thread-critical test of `tests/test_local.py` that needs thread-sensitive calls): the same
//! scenarios, the same assertions, on `sync_to_async(f).thread_sensitive()` (rules TS1-TS5).
//!
//! How Python maps to Rust throughout:
//!
//! - asgiref's `sync_to_async` is thread-sensitive by default; here that is
//!   `sync_to_async(f).thread_sensitive()` (`ts(f)` below), and `thread_sensitive=False` is
//!   plain `sync_to_async(f)`. `ThreadSensitiveContext()` is `thread_sensitive_context(fut)`.
//! - `threading.current_thread()` is `std::thread::current().id()` (`here()`); a result dict
//!   is the value a closure returns.
//! - `asyncio.create_task` / `ensure_future` is `ctxlocal::spawn`; a pytest-asyncio test is a
//!   `ctxlocal::spawn`ed task on a multi-threaded runtime; a sync test runs on a fresh plain
//!   thread (its "main thread"), under a deadlock watchdog (`finishes_within`).
//! - asgiref's `async_to_sync` runs its coroutine on an event loop in another thread (or the
//!   main loop's thread) while the calling thread waits in a `CurrentThreadExecutor`;
//!   `ctxlocal::async_to_sync` polls its future on the calling thread itself, and between polls
//!   that thread runs the thread-sensitive calls queued for it. The thread a *sync* function
//!   runs on is the same in both; the thread *async* code runs on may differ (noted below).
//! - Sleeps that order events in Python are channels here.
//!
//! | asgiref test | Rust test | notes |
//! |---|---|---|
//! | `test_thread_sensitive_outside_sync` | `thread_sensitive_outside_sync` | |
//! | `test_thread_sensitive_outside_async` | `thread_sensitive_outside_async` | both calls run on the process-wide sync thread |
//! | `test_thread_sensitive_with_context_matches` | `thread_sensitive_with_context_matches` | |
//! | `test_thread_sensitive_nested_context` | `thread_sensitive_nested_context` | |
//! | `test_thread_sensitive_context_without_sync_work` | `thread_sensitive_context_without_sync_work` | |
//! | `test_thread_sensitive_context_exit_does_not_block_event_loop` | `thread_sensitive_context_exit_does_not_block_the_runtime` | no subprocess needed: a hang fails the watchdog. Also checks that the parked call finishes afterwards and its thread then drops what it held on it (TS5) |
//! | `test_thread_sensitive_context_exit_does_not_starve_default_executor` | `thread_sensitive_context_exit_does_not_starve_the_blocking_pool` | a runtime with two blocking threads; a context's exit takes none |
//! | `test_thread_sensitive_double_nested_sync` | `thread_sensitive_double_nested_sync` | |
//! | `test_thread_sensitive_double_nested_async` | `thread_sensitive_double_nested_async` | asgiref runs level 4 (async) on the main event loop's thread; ctxlocal polls it on the thread blocked in level 3's `async_to_sync`, the process-wide sync thread that runs level 3, and the test asserts that |
//! | `test_thread_sensitive_disabled` | `thread_sensitive_disabled` | |
//! | `test_sync_to_async_deadlock_ignored_with_exception` | `sync_to_async_deadlock_ignored_with_exception` | a panicking call, twice: each panic resumes in the caller, nothing is refused |
//! | `test_sync_to_async_deadlock_raises` (asgiref 3.4-3.7) | `sync_to_async_deadlock_raises_only_without_async_to_sync` | asgiref 3.8 made that scenario work (the view's `async_to_sync` thread runs the task's call), and so does ctxlocal: the test asserts it runs. Its deadlocking variant, the view driving the async code with a runtime of its own instead of `async_to_sync`, is refused with a panic (TS4), as asgiref raised `RuntimeError` |
//! | `test_sync_to_async_with_blocker_thread_sensitive` | — | an `xfail` in asgiref: a call waits for an event that only a later call on the same sync thread sets, which must wait behind it. The same holds here (one call at a time, TS2; the refusal of TS4 covers calls of one flow, these are two flows). Not ported: a stuck process-wide sync thread would stall the rest of the suite |
//! | `test_sync_to_async_with_blocker_non_thread_sensitive` | `sync_to_async_with_blocker_non_thread_sensitive` | |
//! | `test_sync_to_async_within_create_task` | `sync_to_async_within_create_task` | `asyncio.wait_for` is `tokio::time::timeout` |
//! | `test_nested_task` | `nested_task` | the task's call runs after the inner `async_to_sync` returned: it goes to the enclosing one's thread |
//! | `test_nested_task_later` | `nested_task_later` | `loop.call_later` is a task that waits for a signal sent once the sync call returned |
//! | `test_double_nested_task` | `double_nested_task` | |
//! | `test_two_nested_tasks_with_asyncio_run` | — | not portable as is: the calls wait for an event that the `async_to_sync` future sets, while that future can only be polled by the thread that runs the calls (ctxlocal's `async_to_sync` polls its future on the calling thread, asgiref on another one). The same program with the waiting calls on the blocking pool is `two_nested_tasks_with_waiting_calls_on_the_pool` |
//! | `test_async_single_thread_context_*` (5 tests) | — | `AsyncSingleThreadContext` chooses the thread of `async_to_sync`'s event loop; ctxlocal has no such choice: the future always runs on the calling thread, so consecutive calls trivially share it (`thread_sensitive_outside_sync` shows it), and their writes flow back (rule D6, `tests/bridges/bridges.rs`) |
//! | `test_sync_to_async_uses_executor` | — | no `executor` argument: plain `sync_to_async` uses tokio's blocking pool, a thread-sensitive call the flow's sync thread |
//! | `test_inner_shield_*`, `test_multiprocessing`, argument-passing tests | — | not about thread sensitivity (asyncio shielding, fork, Python call signatures) |
//! | `test_local.py`: `test_thread_critical_local_not_context_dependent_in_sync_thread` | `thread_critical_local_not_context_dependent_in_sync_thread` | both halves now: the thread-critical value set by the thread-sensitive call on the outer sync thread is seen there afterwards; the default-mode one, set in a created task, is not |

use crate::support;

use std::sync::mpsc;

use ctxlocal::{SyncToAsync, async_local, async_to_sync, sync_to_async, thread_sensitive_context};
use support::{
    DropReport, catch_unwind_future, finishes_within, here, in_task, on_plain_thread,
    panic_message, two_worker_runtime,
};

/// asgiref's default `sync_to_async(f)`: thread-sensitive.
fn ts<F, R>(f: F) -> SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    sync_to_async(f).thread_sensitive()
}

/// A sync test: runs on a fresh plain thread, its "main thread", under a watchdog.
fn sync_test<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    finishes_within(60, what, move || on_plain_thread(f))
}

#[test]
fn thread_sensitive_outside_sync() {
    sync_test("thread_sensitive_outside_sync", || {
        let main = here();
        // Middle async function.
        let (thread, thread2) = async_to_sync(async {
            // Inner sync functions.
            let thread = ts(here).await;
            let thread2 = ctxlocal::spawn(ts(here)).await.unwrap();
            (thread, thread2)
        });
        assert_eq!(thread, main);
        assert_eq!(thread2, main);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_outside_async() {
    in_task(async {
        let main = here();
        // Outer sync function, calling the middle async function, awaiting the inner one.
        let outer = ctxlocal::spawn(ts(|| async_to_sync(async { ts(here).await })));
        let inner = ctxlocal::spawn(ts(here));
        let (result_1, result_2) = (outer.await.unwrap(), inner.await.unwrap());
        // Not in the main thread, but in the same thread.
        assert_ne!(result_1, main);
        assert_eq!(result_1, result_2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_with_context_matches() {
    in_task(async {
        let main = here();
        let (result_1, result_2) = thread_sensitive_context(async {
            // Run it (in supposed parallel!).
            let first = ctxlocal::spawn(ts(here));
            let second = ctxlocal::spawn(ts(here));
            (first.await.unwrap(), second.await.unwrap())
        })
        .await;
        assert_ne!(result_1, main);
        assert_eq!(result_1, result_2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_nested_context() {
    in_task(async {
        let main = here();
        let (result_1, result_2) = thread_sensitive_context(async {
            let first = ts(here).await;
            let second = thread_sensitive_context(ts(here)).await;
            (first, second)
        })
        .await;
        assert_ne!(result_1, main);
        assert_eq!(result_1, result_2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_context_without_sync_work() {
    in_task(thread_sensitive_context(async {})).await;
}

#[async_local(thread_critical)]
struct Held {
    report: DropReport,
}

#[test]
fn thread_sensitive_context_exit_does_not_block_the_runtime() {
    finishes_within(60, "exiting a context with a parked call", || {
        let runtime = two_worker_runtime();
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let call_thread = runtime.block_on(in_task(async move {
            let (started_tx, started_rx) = tokio::sync::oneshot::channel();
            thread_sensitive_context(async move {
                let task = ctxlocal::spawn(ts(move || {
                    Held::set_report(DropReport(dropped_tx));
                    started_tx.send(here()).unwrap();
                    // Parked in `async_to_sync` (asgiref: `await asyncio.sleep(0.2)`), on the
                    // runtime of the task that awaits the call.
                    async_to_sync(async { release_rx.await.unwrap() });
                }));
                let call_thread = started_rx.await.unwrap();
                task.abort();
                assert!(task.await.unwrap_err().is_cancelled());
                call_thread
            })
            .await
            // The context has exited, and the runtime goes on.
        }));
        assert_eq!(runtime.block_on(async { 40 + 2 }), 42);
        release_tx.send(()).unwrap();
        // The parked call finished; its thread then exited, dropping what it held there.
        assert_eq!(dropped_rx.recv().unwrap(), call_thread);
    });
}

#[test]
fn thread_sensitive_context_exit_does_not_starve_the_blocking_pool() {
    finishes_within(60, "two context exits with parked calls", || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (release_tx, release_rx) = tokio::sync::watch::channel(false);
        let (finished_tx, finished_rx) = mpsc::channel::<()>();
        let request = move |n: u32| {
            let (mut release_rx, finished_tx) = (release_rx.clone(), finished_tx.clone());
            in_task(thread_sensitive_context(async move {
                let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
                let task = ctxlocal::spawn(ts(move || {
                    started_tx.send(()).unwrap();
                    async_to_sync(async move {
                        release_rx.wait_for(|go| *go).await.unwrap();
                        // Needs a blocking-pool thread, after both contexts exited.
                        sync_to_async(move || n).await
                    });
                    finished_tx.send(()).unwrap();
                }));
                started_rx.await.unwrap();
                task.abort();
                let _ = task.await;
            }))
        };
        runtime.block_on(async { tokio::join!(request(1), request(2)) });
        release_tx.send(true).unwrap();
        finished_rx.recv().unwrap();
        finished_rx.recv().unwrap();
    });
}

#[test]
fn thread_sensitive_double_nested_sync() {
    sync_test("thread_sensitive_double_nested_sync", || {
        let main = here();
        // Async level 1 -> sync level 2 -> async level 3 -> sync level 4.
        let thread = async_to_sync(async { ts(|| async_to_sync(async { ts(here).await })).await });
        assert_eq!(thread, main);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_sensitive_double_nested_async() {
    in_task(async {
        // Sync level 1 -> async level 2 -> sync level 3 -> async level 4.
        let (level_1, level_3, level_4) = ts(|| {
            let level_1 = here();
            let (level_3, level_4) =
                async_to_sync(async { ts(|| (here(), async_to_sync(async { here() }))).await });
            (level_1, level_3, level_4)
        })
        .await;
        // Sync levels on one thread; ctxlocal polls level 4 on the thread blocked in it.
        assert_eq!(level_1, level_3);
        assert_eq!(level_4, level_3);
    })
    .await;
}

#[test]
fn thread_sensitive_disabled() {
    sync_test("thread_sensitive_disabled", || {
        let main = here();
        let thread = async_to_sync(async { sync_to_async(here).await });
        assert_ne!(thread, main);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_deadlock_ignored_with_exception() {
    support::quiet_expected_panics();
    in_task(async {
        for _ in 0..2 {
            let view = catch_unwind_future(ts(|| support::boom())).await;
            assert!(support::is_boom(&*view.unwrap_err()));
        }
    })
    .await;
}

#[test]
fn sync_to_async_deadlock_raises_only_without_async_to_sync() {
    support::quiet_expected_panics();
    finishes_within(60, "sync_to_async_deadlock_raises", || {
        let runtime = two_worker_runtime();
        runtime.block_on(in_task(async {
            // The view drives the async code with `async_to_sync`: the task's call runs on the
            // view's thread while it waits.
            let view = ts(|| {
                let db_write = async_to_sync(async {
                    ctxlocal::spawn(async { ts(here).await }).await.unwrap()
                });
                (here(), db_write)
            });
            let (view_thread, db_write_thread) = view.await;
            assert_eq!(db_write_thread, view_thread);

            // The view drives it with a runtime of its own: the call could only run on the
            // thread that is busy running the view. Refused, not hung.
            let view = ts(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    let task = ctxlocal::spawn(async { ts(|| ()).await });
                    panic_message(&*task.await.unwrap_err().into_panic())
                })
            });
            let message = view.await;
            assert!(message.contains("would deadlock"), "{message}");
        }));
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_with_blocker_non_thread_sensitive() {
    in_task(async {
        let (event_tx, event_rx) = mpsc::channel::<()>();
        // The event setter, as a task.
        let trigger = ctxlocal::spawn(ts(move || event_tx.send(()).unwrap()));
        // The waiter, on the blocking pool: it does not hold the sync thread.
        let waited = sync_to_async(move || {
            event_rx.recv().unwrap();
            42
        })
        .await;
        assert_eq!(waited, 42);
        trigger.await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_to_async_within_create_task() {
    in_task(async {
        let main = here();
        let (sync_thread, task_thread) = thread_sensitive_context(ts(move || {
            // Sync middleware, in the context's thread.
            let sync_thread = here();
            assert_ne!(sync_thread, main);
            // Async view, awaiting a sync task with a timeout around it.
            let task_thread = async_to_sync(async {
                tokio::time::timeout(std::time::Duration::from_secs(60), ts(here))
                    .await
                    .unwrap()
            });
            (sync_thread, task_thread)
        }))
        .await;
        assert_eq!(task_thread, sync_thread);
    })
    .await;
}

// The Python coroutines return tasks, to be awaited after the bridge returned.
#[allow(clippy::async_yields_async)]
#[test]
fn nested_task() {
    sync_test("nested_task", || {
        let main = here();
        let thread = async_to_sync(async {
            // inner: returns a task whose call runs after inner's `async_to_sync` returned.
            let task = ts(|| async_to_sync(async { ctxlocal::spawn(ts(here)) })).await;
            task.await.unwrap()
        });
        assert_eq!(thread, main);
    });
}

// The Python coroutines return tasks, to be awaited after the bridge returned.
#[allow(clippy::async_yields_async)]
#[test]
fn nested_task_later() {
    sync_test("nested_task_later", || {
        let main = here();
        let thread = async_to_sync(async {
            let (later_tx, later_rx) = tokio::sync::oneshot::channel::<()>();
            // inner: schedules `later`, which creates the task once signalled.
            let fut = ts(|| {
                async_to_sync(async {
                    let (task_tx, task_rx) = tokio::sync::oneshot::channel();
                    ctxlocal::spawn(async move {
                        later_rx.await.unwrap();
                        let _ = task_tx.send(ctxlocal::spawn(ts(here)));
                    });
                    task_rx
                })
            })
            .await;
            later_tx.send(()).unwrap();
            let task = fut.await.unwrap();
            task.await.unwrap()
        });
        assert_eq!(thread, main);
    });
}

// The Python coroutines return tasks, to be awaited after the bridge returned.
#[allow(clippy::async_yields_async)]
#[test]
fn double_nested_task() {
    sync_test("double_nested_task", || {
        let main = here();
        let thread = async_to_sync(async {
            // outer: a task that calls inner through the bridges; inner: a task with a call.
            let outer_task = ts(|| {
                async_to_sync(async {
                    ctxlocal::spawn(ts(|| async_to_sync(async { ctxlocal::spawn(ts(here)) })))
                })
            })
            .await;
            let inner_task = outer_task.await.unwrap();
            inner_task.await.unwrap()
        });
        assert_eq!(thread, main);
    });
}

#[test]
fn two_nested_tasks_with_waiting_calls_on_the_pool() {
    finishes_within(60, "two_nested_tasks_with_asyncio_run", || {
        two_worker_runtime().block_on(in_task(async {
            let (task0, task1) = ts(|| {
                async_to_sync(async {
                    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(3));
                    let (event_tx, event_rx) = tokio::sync::watch::channel(false);
                    let inner = |barrier: std::sync::Arc<tokio::sync::Barrier>| {
                        let mut event_rx = event_rx.clone();
                        ctxlocal::spawn(async move {
                            let task = ctxlocal::spawn(async move {
                                event_rx.wait_for(|set| *set).await.unwrap();
                                sync_to_async(|| ()).await
                            });
                            barrier.wait().await;
                            task.await.unwrap();
                        })
                    };
                    let task0 = inner(barrier.clone());
                    let task1 = inner(barrier.clone());
                    barrier.wait().await;
                    event_tx.send(true).unwrap();
                    (task0, task1)
                })
            })
            .await;
            task0.await.unwrap();
            task1.await.unwrap();
        }));
    });
}

#[test]
fn thread_critical_local_not_context_dependent_in_sync_thread() {
    #[async_local(thread_critical)]
    struct Tc {
        test_value: &'static str,
    }
    #[async_local]
    struct NotTc {
        test_value: &'static str,
    }
    sync_test(
        "thread_critical_local_not_context_dependent_in_sync_thread",
        || {
            let test_thread = here();
            async_to_sync(async move {
                ctxlocal::spawn(ts(move || {
                    // The thread-sensitive call runs on the original sync thread.
                    assert_eq!(here(), test_thread);
                    Tc::set_test_value("_123_");
                    NotTc::set_test_value("_456_");
                }))
                .await
                .unwrap();
            });
            // Set in sync code on this thread: visible here.
            assert_eq!(Tc::test_value(), Some("_123_"));
            // Set in a created task's context: not written back up the stack.
            assert_eq!(NotTc::test_value(), None);
        },
    );
}
