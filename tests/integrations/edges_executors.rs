//! Rule E4: tasks born outside `ctxlocal::spawn` inherit too, through the spawning helpers:
//! `spawn_with` on executors other than tokio (a `futures` `LocalPool` and `ThreadPool`),
//! `JoinSetExt` for tokio's `JoinSet`, and `hyper::ContextExecutor` for the tasks hyper starts
//! itself (a client's connections).
#![cfg(all(feature = "tokio", feature = "hyper"))]

use crate::support;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskCx, Poll};

use ctxlocal::hyper::ContextExecutor;
use ctxlocal::{Context, JoinSetExt, async_local};
use futures::executor::{LocalPool, ThreadPool, block_on};
use futures::task::{LocalSpawnExt, SpawnExt};
use support::{PendingOnce, Rng, random_yields};

#[async_local]
struct Request {
    id: u64,
    /// Written by each task: must never be seen by another.
    scribble: u64,
}

fn request(id: u64) -> Context {
    Context::empty().with(Request { id, scribble: 0 })
}

/// Yields to any executor between 0 and `max` times (a future pending once, waking itself).
async fn yields(rng: &mut Rng, max: u64) {
    for _ in 0..rng.below(max + 1) {
        PendingOnce::new().await;
    }
}

/// A task body: what it saw before and after yielding, having written its own scribble.
async fn task(n: u64) -> (u64, Option<u64>, u64, Option<u64>, u64) {
    let mut rng = Rng::new(n);
    let before = (Request::id(), Request::scribble().unwrap_or(u64::MAX));
    Request::set_scribble(n);
    yields(&mut rng, 5).await;
    (
        n,
        before.0,
        before.1,
        Request::id(),
        Request::scribble().unwrap(),
    )
}

fn assert_own(seen: (u64, Option<u64>, u64, Option<u64>, u64)) {
    let (n, id_before, scribble_before, id_after, scribble_after) = seen;
    assert_eq!(id_before, Some(n), "task {n}");
    assert_eq!(scribble_before, 0, "task {n}: saw another task's write");
    assert_eq!(id_after, Some(n), "task {n}");
    assert_eq!(scribble_after, n, "task {n}: its write was overwritten");
}

#[test]
fn tasks_on_a_futures_local_pool_spawned_with_spawn_with_each_see_their_own_snapshot() {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let results = Arc::new(Mutex::new(Vec::new()));
    for n in 0..300 {
        let results = results.clone();
        request(n).run(|| {
            ctxlocal::spawn_with(|task| spawner.spawn_local(task), async move {
                let seen = task(n).await;
                results.lock().unwrap().push(seen);
            })
            .unwrap()
        });
    }
    // All 300 tasks interleave on this one thread.
    pool.run();
    let results = results.lock().unwrap();
    assert_eq!(results.len(), 300);
    results.iter().copied().for_each(assert_own);
    // Nothing stayed in the polling thread's root context.
    assert_eq!((Request::id(), Request::scribble()), (None, None));
}

#[test]
fn plain_tasks_on_a_futures_local_pool_share_the_polling_threads_root_context() {
    // What the issue reported, and what `spawn_with` avoids: ctxlocal cannot see another
    // executor's tasks, so plain ones all use the thread's root context (rule D8).
    support::on_plain_thread(|| {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        let seen = Arc::new(Mutex::new(None));
        spawner
            .spawn_local(async { Request::set_scribble(1) })
            .unwrap();
        let report = seen.clone();
        spawner
            .spawn_local(async move { *report.lock().unwrap() = Request::scribble() })
            .unwrap();
        pool.run();
        assert_eq!(*seen.lock().unwrap(), Some(1));
    });
}

#[test]
fn tasks_on_a_futures_thread_pool_spawned_with_spawn_with_inherit_and_leave_nothing() {
    let pool = ThreadPool::builder().pool_size(4).create().unwrap();
    let handles: Vec<_> = (0..300)
        .map(|n| {
            request(n)
                .run(|| ctxlocal::spawn_with(|task| pool.spawn_with_handle(task), task(n)).unwrap())
        })
        .collect();
    for handle in handles {
        assert_own(block_on(handle));
    }
    // Plain tasks on the same threads afterwards: nothing was left behind.
    let leftovers: Vec<_> = (0..100)
        .map(|_| {
            pool.spawn_with_handle(async { (Request::id(), Request::scribble()) })
                .unwrap()
        })
        .collect();
    for leftover in leftovers {
        assert_eq!(block_on(leftover), (None, None));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn join_set_tasks_spawned_in_current_context_inherit_a_snapshot() {
    let mut set = tokio::task::JoinSet::new();
    let spawner = ctxlocal::spawn(async move {
        for n in 0..500 {
            // The spawner's value changes between spawns: each task has the one of its spawn.
            Request::set_id(n);
            Request::set_scribble(0);
            if n % 5 == 0 {
                set.spawn_blocking_in_current_context(move || {
                    let before = (Request::id(), Request::scribble().unwrap());
                    Request::set_scribble(n);
                    (
                        n,
                        before.0,
                        before.1,
                        Request::id(),
                        Request::scribble().unwrap(),
                    )
                });
            } else {
                set.spawn_in_current_context(async move {
                    let mut rng = Rng::new(n);
                    random_yields(&mut rng, 3).await;
                    task(n).await
                });
            }
        }
        let results = set.join_all().await;
        (results, Request::id(), Request::scribble())
    });
    let (results, id, scribble) = spawner.await.unwrap();
    assert_eq!(results.len(), 500);
    results.into_iter().for_each(assert_own);
    // The tasks' writes did not reach the spawner.
    assert_eq!((id, scribble), (Some(499), Some(0)));
}

#[tokio::test(flavor = "current_thread")]
async fn join_set_local_tasks_inherit_a_snapshot() {
    let local = tokio::task::LocalSet::new();
    let results = local
        .run_until(async {
            let mut set = tokio::task::JoinSet::new();
            for n in 0..100 {
                request(n).run(|| set.spawn_local_in_current_context(task(n)));
            }
            set.join_all().await
        })
        .await;
    assert_eq!(results.len(), 100);
    results.into_iter().for_each(assert_own);
}

// === hyper ===

/// A connection that records, on its first write, the request id its polling code sees: the
/// connection is driven by the task hyper's client starts through its executor.
struct Recording {
    io: hyper_util::rt::TokioIo<tokio::net::TcpStream>,
    seen: Arc<Mutex<Vec<Option<u64>>>>,
    recorded: bool,
}

impl hyper::rt::Read for Recording {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskCx<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Recording {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskCx<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if !self.recorded {
            self.recorded = true;
            self.seen.lock().unwrap().push(Request::id());
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl hyper_util::client::legacy::connect::Connection for Recording {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        hyper_util::client::legacy::connect::Connected::new()
    }
}

/// A server that answers every request with 200 and an empty body.
async fn server() -> SocketAddr {
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Sends one request per id, concurrently, each from its own ctxlocal task with that id set,
/// through a client on `executor` whose connections are never reused; returns what the
/// connections saw.
async fn connections_see<E>(executor: E, ids: std::ops::Range<u64>) -> Vec<Option<u64>>
where
    E: hyper::rt::Executor<Pin<Box<dyn Future<Output = ()> + Send>>>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let addr = server().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let connector = {
        let seen = seen.clone();
        tower::service_fn(move |_: http::Uri| {
            let seen = seen.clone();
            Box::pin(async move {
                let stream = tokio::net::TcpStream::connect(addr).await?;
                Ok::<_, io::Error>(Recording {
                    io: hyper_util::rt::TokioIo::new(stream),
                    seen,
                    recorded: false,
                })
            })
        })
    };
    let client = hyper_util::client::legacy::Client::builder(executor)
        .pool_max_idle_per_host(0)
        .build::<_, http_body_util::Empty<bytes::Bytes>>(connector);
    let requests: Vec<_> = ids
        .map(|n| {
            let client = client.clone();
            ctxlocal::spawn(async move {
                Request::set_id(n);
                let uri: http::Uri = format!("http://{addr}/").parse().unwrap();
                let response = client.get(uri).await.unwrap();
                assert_eq!(response.status(), 200);
            })
        })
        .collect();
    for request in requests {
        request.await.unwrap();
    }
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hyper_client_connections_run_in_the_context_of_the_request_that_opened_them() {
    let seen = connections_see(ContextExecutor::tokio(), 0..50).await;
    assert_eq!(seen, (0..50).map(Some).collect::<Vec<_>>());
    // Any executor can be wrapped: here hyper-util's own.
    let wrapped = ContextExecutor::new(hyper_util::rt::TokioExecutor::new());
    let seen = connections_see(wrapped, 100..110).await;
    assert_eq!(seen, (100..110).map(Some).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_client_connections_carry_nothing_with_a_plain_executor() {
    // For contrast: hyper-util's executor starts plain tokio tasks (rule D8).
    let seen = connections_see(hyper_util::rt::TokioExecutor::new(), 0..10).await;
    assert_eq!(seen, vec![None; 10]);
}
