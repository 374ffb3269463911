//! Thread-sensitive bridges (rules TS1-TS5): `sync_to_async(f).thread_sensitive()` runs `f` on
//! its flow's sync thread — the thread blocked in an enclosing `async_to_sync`, else the thread
//! of an enclosing `thread_sensitive_context`, else one process-wide thread — one call at a
//! time, in order, with the context carried as by the pool bridge; a call that could never run
//! is refused with a panic instead of hanging, and a context's thread drops what it holds when
//! the context ends.
//!
//! Multi-threaded runtimes throughout; concurrency is arranged with channels and barriers, and
//! every test that could hang if the rules were broken runs under `finishes_within`.

use crate::support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::ThreadId;

use ctxlocal::{SyncToAsync, async_local, async_to_sync, sync_to_async, thread_sensitive_context};
use support::{
    DropReport, catch_unwind_future, finishes_within, here, in_task, on_plain_thread,
    panic_message, poll_once, two_worker_runtime,
};

#[async_local]
struct Req {
    id: u64,
    note: String,
}

/// A thread-confined handle, like a database connection: set on one thread, seen only there.
#[async_local(thread_critical)]
struct Conn {
    name: String,
}

fn thread_name() -> Option<String> {
    std::thread::current().name().map(str::to_owned)
}

/// `sync_to_async(f).thread_sensitive()`.
fn ts<F, R>(f: F) -> SyncToAsync<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    sync_to_async(f).thread_sensitive()
}

// ---- TS1: which thread ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_without_bridge_or_context_every_call_runs_on_the_one_process_wide_sync_thread() {
    let caller = here();
    let first = in_task(async { ts(|| (here(), thread_name())).await }).await;
    let second = in_task(async { ts(|| (here(), thread_name())).await }).await;
    let from_plain_thread = on_plain_thread(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(ts(here))
    });
    assert_eq!(first.0, second.0);
    assert_eq!(first.0, from_plain_thread);
    assert_ne!(first.0, caller);
    assert_eq!(first.1.as_deref(), Some("ctxlocal-sync"));
}

#[test]
fn ts1_inside_async_to_sync_calls_run_on_the_thread_blocked_in_it() {
    finishes_within(60, "calls inside async_to_sync", || {
        on_plain_thread(|| {
            let outer = here();
            Conn::set_name("outer thread's".into());
            let (direct, spawned, conn) = async_to_sync(async {
                let direct = ts(here).await;
                // A task spawned with the crate carries the flow (asyncio.create_task).
                let spawned = ctxlocal::spawn(async { ts(here).await }).await.unwrap();
                let conn = ts(Conn::name).await;
                (direct, spawned, conn)
            });
            assert_eq!(direct, outer);
            assert_eq!(spawned, outer);
            // On the outer thread, in its sync namespace: its thread-critical values.
            assert_eq!(conn.as_deref(), Some("outer thread's"));
        })
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_tasks_spawned_inside_async_to_sync_on_worker_threads_send_their_calls_to_its_thread() {
    let (blocked_thread, seen) = in_task(async {
        sync_to_async(|| {
            // A blocking-pool thread, blocked in `async_to_sync`; the tasks below run on the
            // runtime's workers and send their calls back here.
            let blocked_thread = here();
            let seen = async_to_sync(async {
                let tasks: Vec<_> = (0..8)
                    .map(|i| {
                        ctxlocal::spawn(async move {
                            for _ in 0..i % 3 {
                                tokio::task::yield_now().await;
                            }
                            let worker = here();
                            (worker, ts(here).await)
                        })
                    })
                    .collect();
                let mut seen = Vec::new();
                for task in tasks {
                    seen.push(task.await.unwrap());
                }
                seen
            });
            (blocked_thread, seen)
        })
        .await
    })
    .await;
    for (worker, ran_on) in seen {
        assert_ne!(worker, blocked_thread);
        assert_eq!(ran_on, blocked_thread);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_each_context_has_one_thread_of_its_own_for_all_its_calls() {
    let request = |n: u64| {
        in_task(thread_sensitive_context(async move {
            let first = ts(here).await;
            tokio::task::yield_now().await;
            let child = ctxlocal::spawn(async { ts(|| (here(), thread_name())).await })
                .await
                .unwrap();
            let last = ts(here).await;
            (n, first, child, last)
        }))
    };
    let (a, b) = tokio::join!(request(1), request(2));
    for (_, first, child, last) in [&a, &b] {
        assert_eq!(first, &child.0);
        assert_eq!(first, last);
        assert_eq!(child.1.as_deref(), Some("ctxlocal-sync-context"));
    }
    assert_ne!(a.1, b.1, "two contexts share a thread");
    let global = ts(here).await;
    assert_ne!(a.1, global);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_a_nested_context_keeps_the_outer_contexts_thread() {
    let (outer, inner) = in_task(thread_sensitive_context(async {
        let outer = ts(here).await;
        let inner = thread_sensitive_context(async { ts(here).await }).await;
        (outer, inner)
    }))
    .await;
    assert_eq!(outer, inner);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_async_to_sync_inside_a_context_takes_precedence_over_the_context() {
    let (context_thread, pool_thread, inner) = in_task(thread_sensitive_context(async {
        let context_thread = ts(here).await;
        let (pool_thread, inner) = sync_to_async(|| {
            let pool_thread = here();
            // Blocked here, this pool thread runs the calls, also those of a context opened
            // inside (it keeps the enclosing thread, like asgiref's re-entrant contexts).
            let inner = async_to_sync(thread_sensitive_context(async { ts(here).await }));
            (pool_thread, inner)
        })
        .await;
        (context_thread, pool_thread, inner)
    }))
    .await;
    assert_eq!(inner, pool_thread);
    assert_ne!(inner, context_thread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_without_thread_sensitive_calls_still_run_on_the_blocking_pool() {
    let (context_thread, pooled) = in_task(thread_sensitive_context(async {
        (ts(here).await, sync_to_async(thread_name).await)
    }))
    .await;
    assert_ne!(Some(context_thread), None);
    assert_ne!(pooled.as_deref(), Some("ctxlocal-sync-context"));
    assert_ne!(pooled.as_deref(), Some("ctxlocal-sync"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts1_a_call_on_a_sync_thread_of_its_own_runs_inside_the_awaiting_tasks_runtime() {
    let awaiting = tokio::runtime::Handle::current().id();
    let (runtime, spawned) = in_task(thread_sensitive_context(async {
        ts(|| {
            let runtime = tokio::runtime::Handle::current().id();
            // A task spawned inside `async_to_sync` keeps running after it returned.
            let task = async_to_sync(async { Some(tokio::spawn(async { 7 })) });
            (runtime, task)
        })
        .await
    }))
    .await;
    assert_eq!(runtime, awaiting);
    assert_eq!(spawned.unwrap().await.unwrap(), 7);
}

// ---- TS2: one at a time, in order ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts2_calls_of_a_flow_run_one_at_a_time_in_submission_order() {
    const CALLS: usize = 24;
    let order = in_task(thread_sensitive_context(async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let active = Arc::new(AtomicBool::new(false));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let mut calls: Vec<_> = (0..CALLS)
            .map(|i| {
                let (order, active, release_rx) =
                    (order.clone(), active.clone(), release_rx.clone());
                Box::pin(ts(move || {
                    assert!(!active.swap(true, Ordering::SeqCst), "two calls at once");
                    if i == 0 {
                        // The first call holds the thread until every call is queued.
                        release_rx.lock().unwrap().recv().unwrap();
                    }
                    order.lock().unwrap().push(i);
                    active.store(false, Ordering::SeqCst);
                }))
            })
            .collect();
        // Each first poll submits its call, in this order.
        for call in &mut calls {
            assert!(poll_once(call).await.is_none());
        }
        release_tx.send(()).unwrap();
        for call in calls {
            call.await;
        }
        Arc::try_unwrap(order).unwrap().into_inner().unwrap()
    }))
    .await;
    assert_eq!(order, (0..CALLS).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts2_a_thread_critical_handle_opened_in_one_call_is_used_by_the_next_across_awaits() {
    let seen = in_task(thread_sensitive_context(async {
        ts(|| Conn::set_name("opened in call 1".into())).await;
        tokio::task::yield_now().await;
        let from_child = ctxlocal::spawn(async { ts(Conn::name).await })
            .await
            .unwrap();
        tokio::task::yield_now().await;
        let from_call_3 = ts(Conn::name).await;
        // The pool bridge runs elsewhere and does not see it.
        let from_pool = sync_to_async(Conn::name).await;
        (from_child, from_call_3, from_pool)
    }))
    .await;
    assert_eq!(seen.0.as_deref(), Some("opened in call 1"));
    assert_eq!(seen.1.as_deref(), Some("opened in call 1"));
    assert_eq!(seen.2, None);
}

// ---- TS3: the context, as D5 ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts3_a_call_sees_the_callers_values_and_its_writes_and_takes_flow_back() {
    in_task(thread_sensitive_context(async {
        Req::set_id(1);
        Req::set_note("before".into());
        let seen = ts(|| {
            let seen = (Req::id(), Req::note());
            Req::set_id(2);
            Req::take_note();
            seen
        })
        .await;
        assert_eq!(seen, (Some(1), Some("before".into())));
        assert_eq!(Req::id(), Some(2));
        assert_eq!(Req::note(), None);
    }))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts3_a_panicking_call_writes_back_then_resumes_its_panic_in_the_caller() {
    support::quiet_expected_panics();
    in_task(async {
        Req::set_id(1);
        let result = catch_unwind_future(ts(|| {
            Req::set_id(5);
            support::boom()
        }))
        .await;
        assert!(support::is_boom(&*result.unwrap_err()));
        assert_eq!(Req::id(), Some(5));
        // The sync thread survived and runs the next call.
        assert_eq!(ts(Req::id).await, Some(5));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts3_a_call_dropped_before_it_starts_never_runs_and_the_queue_moves_on() {
    let ran = in_task(thread_sensitive_context(async {
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let ran = Arc::new(AtomicUsize::new(0));
        let mut blocker = Box::pin(ts(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        }));
        assert!(poll_once(&mut blocker).await.is_none());
        started_rx.recv().unwrap();
        let counted = ran.clone();
        let mut dropped = Box::pin(ts(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Req::set_id(99);
        }));
        // Queued behind the blocker, then dropped.
        assert!(poll_once(&mut dropped).await.is_none());
        drop(dropped);
        release_tx.send(()).unwrap();
        blocker.await;
        let after = ts(Req::id).await;
        (ran.load(Ordering::SeqCst), after, Req::id())
    }))
    .await;
    assert_eq!(ran, (0, None, None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts3_a_call_dropped_while_it_runs_finishes_but_its_writes_are_discarded() {
    in_task(thread_sensitive_context(async {
        Req::set_id(1);
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (finished_tx, finished_rx) = mpsc::channel::<()>();
        let mut call = Box::pin(ts(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            Req::set_id(2);
            Conn::set_name("kept on the thread".into());
            finished_tx.send(()).unwrap();
        }));
        assert!(poll_once(&mut call).await.is_none());
        started_rx.recv().unwrap();
        drop(call);
        release_tx.send(()).unwrap();
        finished_rx.recv().unwrap();
        assert_eq!(Req::id(), Some(1));
        // The thread itself ran it to completion: its thread-critical write is there.
        assert_eq!(ts(Conn::name).await.as_deref(), Some("kept on the thread"));
    }))
    .await;
}

// ---- TS4: refused, never hung ---------------------------------------------------------------------

/// Runs `inner` inside a thread-sensitive call of a fresh context, on a plain thread with its
/// own runtime, and returns the panic message of the inner call (or "no panic").
fn refusal_inside_a_call(inner: impl FnOnce() -> String + Send + 'static) -> String {
    support::quiet_expected_panics();
    finishes_within(60, "a call that would deadlock", || {
        let runtime = two_worker_runtime();
        runtime.block_on(in_task(thread_sensitive_context(async move {
            let message = ts(inner).await;
            // The thread is free again afterwards.
            assert_eq!(ts(|| 7).await, 7);
            message
        })))
    })
}

fn assert_deadlock_refusal(message: &str) {
    assert!(message.contains("would deadlock"), "{message}");
    assert!(message.contains("ctxlocal::async_to_sync"), "{message}");
}

#[test]
fn ts4_a_call_polled_by_a_runtime_blocked_inside_a_call_of_its_flow_is_refused() {
    let message = refusal_inside_a_call(|| {
        // A runtime of its own on the sync thread, instead of `async_to_sync`.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let refused = runtime.block_on(catch_unwind_future(ts(|| ())));
        panic_message(&*refused.unwrap_err())
    });
    assert_deadlock_refusal(&message);
}

#[test]
fn ts4_a_call_made_on_another_thread_that_a_call_of_its_flow_waits_for_is_refused() {
    let message = refusal_inside_a_call(|| {
        // Workers of a runtime of its own poll the call, which carries the flow.
        let runtime = two_worker_runtime();
        let refused = runtime
            .block_on(async { ctxlocal::spawn(ts(|| ())).await })
            .unwrap_err()
            .into_panic();
        panic_message(&*refused)
    });
    assert_deadlock_refusal(&message);
}

#[test]
fn ts4_a_call_from_a_thread_spawned_and_joined_inside_a_call_of_its_flow_is_refused() {
    let message = refusal_inside_a_call(|| {
        let thread = ctxlocal::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime.block_on(catch_unwind_future(ts(|| ())))
        });
        panic_message(&*thread.join().unwrap().unwrap_err())
    });
    assert_deadlock_refusal(&message);
}

#[test]
fn ts4_the_same_call_through_async_to_sync_runs_on_the_calls_own_thread() {
    let (outer, inner) = finishes_within(60, "async_to_sync inside a call", || {
        two_worker_runtime().block_on(in_task(thread_sensitive_context(async {
            ts(|| (here(), async_to_sync(async { ts(here).await }))).await
        })))
    });
    assert_eq!(outer, inner);
}

#[test]
fn ts4_a_call_from_a_task_that_outlived_its_context_is_refused() {
    support::quiet_expected_panics();
    let message = finishes_within(60, "a call after the context ended", || {
        two_worker_runtime().block_on(in_task(async {
            let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
            let straggler = thread_sensitive_context(async move {
                ts(|| ()).await;
                // Spawned inside the context, awaited after it ended.
                let handle = ctxlocal::spawn(async move {
                    go_rx.await.unwrap();
                    catch_unwind_future(ts(|| ())).await
                });
                Some(handle)
            })
            .await;
            go_tx.send(()).unwrap();
            let straggler = straggler.unwrap().await.unwrap();
            panic_message(&*straggler.unwrap_err())
        }))
    });
    assert!(message.contains("sync thread is gone"), "{message}");
    assert!(
        message.contains("thread_sensitive_context` of its own"),
        "{message}"
    );
}

#[test]
fn ts4_a_call_from_a_task_that_outlived_async_to_sync_goes_to_the_enclosing_sync_thread() {
    let (context_thread, straggler) = finishes_within(60, "a call after async_to_sync", || {
        let runtime = two_worker_runtime();
        runtime.block_on(in_task(thread_sensitive_context(async move {
            let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
            let (context_thread, straggler) = ts(move || {
                // Spawned on the workers inside `async_to_sync` (the call runs inside the
                // awaiting task's runtime), awaited after it returned.
                let straggler = async_to_sync(async move {
                    let handle = ctxlocal::spawn(async move {
                        go_rx.await.unwrap();
                        ts(here).await
                    });
                    Some(handle)
                });
                (here(), straggler)
            })
            .await;
            go_tx.send(()).unwrap();
            (context_thread, straggler.unwrap().await.unwrap())
        })))
    });
    assert_eq!(straggler, context_thread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts4_a_call_in_a_plain_tokio_task_is_refused_with_what_to_do() {
    support::quiet_expected_panics();
    let refused = tokio::spawn(ts(|| ())).await.unwrap_err().into_panic();
    let message = panic_message(&*refused);
    assert!(message.contains("not started by ctxlocal"), "{message}");
    assert!(message.contains("ctxlocal::spawn"), "{message}");
    assert!(message.contains("ScopeLayer"), "{message}");
}

// ---- TS5: a context's thread drops what it holds when the context ends -----------------------

#[async_local(thread_critical)]
struct Held {
    report: DropReport,
}

#[test]
fn ts5_a_contexts_thread_critical_values_are_dropped_on_its_thread_when_it_ends() {
    finishes_within(60, "a context's values dropped", || {
        let runtime = two_worker_runtime();
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let context_thread = runtime.block_on(in_task(thread_sensitive_context(async move {
            ts(move || {
                Held::set_report(DropReport(dropped_tx));
                here()
            })
            .await
        })));
        // The context ended: its thread exits and drops the value there.
        assert_eq!(dropped_rx.recv().unwrap(), context_thread);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts5_nothing_made_in_one_context_is_seen_by_another() {
    let first = in_task(thread_sensitive_context(async {
        ts(|| Conn::set_name("first request's".into())).await;
        ts(Conn::name).await
    }))
    .await;
    let second = in_task(thread_sensitive_context(async { ts(Conn::name).await })).await;
    assert_eq!(first.as_deref(), Some("first request's"));
    assert_eq!(second, None);
}

#[test]
fn ts5_a_context_dropped_while_a_call_runs_lets_it_finish_then_frees_its_thread() {
    finishes_within(60, "a dropped context", || {
        let runtime = two_worker_runtime();
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let context = thread_sensitive_context(async move {
            ts(move || {
                Held::set_report(DropReport(dropped_tx));
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                here()
            })
            .await
        });
        let task = runtime.spawn(ctxlocal::Context::empty().scope(context));
        started_rx.recv().unwrap();
        task.abort();
        let _ = runtime.block_on(task);
        release_tx.send(()).unwrap();
        // The call finished, then its thread exited and dropped the value there.
        let dropped_on = dropped_rx.recv().unwrap();
        assert_ne!(dropped_on, here());
    });
}

// ---- TS6: a thread of its own for each request of a service -----------------------------------

/// A request's record of where its calls ran, and whether the first one found its
/// thread-critical connection unset.
#[derive(Debug)]
struct RequestCalls {
    threads: Vec<ThreadId>,
    found_earlier_connection: bool,
    connection_at_the_end: Option<String>,
}

/// A service behind `ScopeLayer::new(..).thread_sensitive()` whose handler makes three
/// thread-sensitive calls with random yields between them, keeping its connection in a
/// thread-critical field.
fn thread_sensitive_service() -> impl tower::Service<
    http::Request<()>,
    Response = http::Response<ctxlocal::WithContext<RequestCalls>>,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone {
    use ctxlocal::tower::ScopeLayer;

    tower::ServiceBuilder::new()
        .layer(
            ScopeLayer::new(|request: &http::Request<()>| Req {
                id: request.uri().path()[1..].parse().unwrap(),
                note: String::new(),
            })
            .thread_sensitive(),
        )
        .service_fn(|_: http::Request<()>| async {
            let id = Req::id().unwrap();
            let mut rng = support::Rng::new(id);
            let (first, found_earlier_connection) = ts(move || {
                let found = Conn::is_name_set();
                Conn::set_name(format!("request {id}"));
                (here(), found)
            })
            .await;
            support::random_yields(&mut rng, 4).await;
            let second = ts(here).await;
            support::random_yields(&mut rng, 4).await;
            let (third, connection_at_the_end) = ts(|| (here(), Conn::name())).await;
            let calls = RequestCalls {
                threads: vec![first, second, third],
                found_earlier_connection,
                connection_at_the_end,
            };
            Ok(http::Response::new(calls))
        })
}

fn request(id: u64) -> http::Request<()> {
    http::Request::get(format!("/{id}")).body(()).unwrap()
}

#[test]
fn ts6_each_request_of_a_thread_sensitive_layer_makes_all_its_calls_on_one_thread_of_its_own() {
    use tower::ServiceExt;

    const REQUESTS: u64 = 48;
    let runtime = two_worker_runtime();
    let all = finishes_within(120, "thread-sensitive requests", move || {
        runtime.block_on(async {
            let service = thread_sensitive_service();
            let tasks: Vec<_> = (0..REQUESTS)
                .map(|id| tokio::spawn(service.clone().oneshot(request(id))))
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.push(task.await.unwrap().unwrap().into_body().into_inner());
            }
            all
        })
    });
    let global = futures::executor::block_on(ts(here));
    for (id, calls) in all.iter().enumerate() {
        let first = calls.threads[0];
        assert!(calls.threads.iter().all(|&t| t == first), "{id}: {calls:?}");
        assert_ne!(
            first, global,
            "request {id} ran on the process-wide sync thread"
        );
        // A thread reused by a later request was cleaned up first (TS5).
        assert!(!calls.found_earlier_connection, "request {id}: {calls:?}");
        assert_eq!(
            calls.connection_at_the_end.as_deref(),
            Some(format!("request {id}").as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts6_without_thread_sensitive_a_layers_requests_share_the_process_wide_sync_thread() {
    use ctxlocal::tower::ScopeLayer;
    use tower::ServiceExt;

    let service = tower::ServiceBuilder::new()
        .layer(ScopeLayer::init(|_: &http::Request<()>| {}))
        .service_fn(|_: http::Request<()>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(ts(here).await))
        });
    let (a, b) = tokio::join!(
        in_task(service.clone().oneshot(request(1))),
        in_task(service.oneshot(request(2)))
    );
    let global = ts(here).await;
    assert_eq!(a.unwrap().into_body().into_inner(), global);
    assert_eq!(b.unwrap().into_body().into_inner(), global);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts6_a_response_body_and_a_task_the_request_left_running_call_on_the_requests_thread() {
    use bytes::Bytes;
    use ctxlocal::tower::ScopeLayer;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let (late_tx, late_rx) = tokio::sync::oneshot::channel();
    let late_tx = Arc::new(Mutex::new(Some(late_tx)));
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let go_rx = Arc::new(Mutex::new(Some(go_rx)));
    let service = tower::ServiceBuilder::new()
        .layer(ScopeLayer::init(|_: &http::Request<()>| {}).thread_sensitive())
        .service_fn(move |_: http::Request<()>| {
            let late_tx = late_tx.lock().unwrap().take().unwrap();
            let go_rx = go_rx.lock().unwrap().take().unwrap();
            async move {
                let handler = ts(here).await;
                // A task that outlives the handler and makes its call after the response.
                ctxlocal::spawn(async move {
                    go_rx.await.unwrap();
                    late_tx.send(ts(here).await).unwrap();
                });
                // A streamed body whose frame is made by a thread-sensitive call.
                let stream = futures::stream::once(async {
                    let thread = ts(here).await;
                    Ok::<_, std::convert::Infallible>(http_body::Frame::data(Bytes::from(format!(
                        "{thread:?}"
                    ))))
                });
                let body = http_body_util::StreamBody::new(stream);
                let response = http::Response::builder()
                    .header("x-handler-thread", format!("{handler:?}"))
                    .body(body)
                    .unwrap();
                Ok::<_, std::convert::Infallible>(response)
            }
        });
    let response = in_task(service.oneshot(request(1))).await.unwrap();
    let handler = response.headers()["x-handler-thread"]
        .to_str()
        .unwrap()
        .to_owned();
    // The server polls the body after the handler returned, outside the request's task.
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(String::from_utf8(body.to_vec()).unwrap(), handler);
    go_tx.send(()).unwrap();
    assert_eq!(format!("{:?}", late_rx.await.unwrap()), handler);
}

#[test]
fn ts6_a_requests_thread_critical_values_are_dropped_on_its_thread_once_its_response_is_gone() {
    use ctxlocal::tower::ScopeLayer;
    use tower::ServiceExt;

    finishes_within(60, "a request's values dropped", || {
        let runtime = two_worker_runtime();
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let dropped_tx = Arc::new(Mutex::new(Some(dropped_tx)));
        let service = tower::ServiceBuilder::new()
            .layer(ScopeLayer::init(|_: &http::Request<()>| {}).thread_sensitive())
            .service_fn(move |_: http::Request<()>| {
                let dropped_tx = dropped_tx.lock().unwrap().take().unwrap();
                async move {
                    let thread = ts(move || {
                        Held::set_report(DropReport(dropped_tx));
                        here()
                    })
                    .await;
                    Ok::<_, std::convert::Infallible>(http::Response::new(thread))
                }
            });
        let response = runtime
            .block_on(in_task(service.oneshot(request(1))))
            .unwrap();
        let request_thread = *response.body().get_ref();
        // The body still holds the request's context: its thread keeps the value.
        assert!(dropped_rx.try_recv().is_err());
        drop(response);
        assert_eq!(dropped_rx.recv().unwrap(), request_thread);
    });
}
