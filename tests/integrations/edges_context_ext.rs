//! Rule E1: `ContextExt` wraps any future, stream, sink or HTTP body; every poll of the wrapped
//! value, and its drop, runs in the carried context, wherever and by whomever it is polled.
//!
//! The wrapped values here are driven by plain `tokio::spawn` tasks, which carry no context of
//! their own (rule D8): whatever they see came through the wrapper.
#![cfg(all(feature = "futures", feature = "tower", feature = "tokio"))]

use crate::support;

use std::convert::Infallible;
use std::pin::pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use ctxlocal::{Context, ContextExt, async_local};
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, StreamBody};
use support::{Rng, random_yields};

#[async_local]
struct Request {
    id: u64,
    #[local(default)]
    progress: u32,
}

/// A stream of `items` items, each made when polled (after random yields), reporting the
/// request it sees and how far the stream's own writes got.
fn lazy_items(seed: u64, items: u32) -> impl futures::Stream<Item = (Option<u64>, u32)> {
    futures::stream::unfold((0, Rng::new(seed)), move |(n, mut rng)| async move {
        if n == items {
            return None;
        }
        random_yields(&mut rng, 3).await;
        let progress = Request::progress();
        Request::set_progress(progress + 1);
        Some(((Request::id(), progress), (n + 1, rng)))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_item_of_a_wrapped_stream_sees_its_context_wherever_it_is_polled() {
    let streams: Vec<_> = (0..200u64)
        .map(|id| {
            Context::empty()
                .with(Request { id, progress: 0 })
                .run(|| lazy_items(id, 10).in_current_context())
        })
        .collect();
    // Polled by plain tokio tasks, interleaved on four workers.
    let handles: Vec<_> = streams
        .into_iter()
        .map(|stream| tokio::spawn(stream.collect::<Vec<_>>()))
        .collect();
    for (id, handle) in (0..).zip(handles) {
        let items = handle.await.unwrap();
        // Each item sees the stream's request, and the stream's own earlier writes.
        let expected: Vec<_> = (0..10).map(|n| (Some(id), n)).collect();
        assert_eq!(items, expected, "stream {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrapped_streams_writes_stay_inside_it() {
    let outcome = ctxlocal::spawn(async {
        Request::set_id(1);
        let mut stream = pin!(lazy_items(1, 3).in_current_context());
        let first = stream.next().await;
        // The caller's context is untouched by the stream's writes, and later caller writes
        // do not reach the stream.
        let caller = Request::progress();
        Request::set_id(2);
        let rest: Vec<_> = stream.collect().await;
        (first, caller, rest, Request::progress())
    })
    .await
    .unwrap();
    assert_eq!(
        outcome,
        (Some((Some(1), 0)), 0, vec![(Some(1), 1), (Some(1), 2)], 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrapped_sink_receives_and_flushes_in_its_context() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = (0..100u64)
        .map(|id| {
            let sink = Context::empty().with(Request { id, progress: 0 }).run(|| {
                let mut rng = Rng::new(id);
                futures::sink::unfold(log.clone(), move |log, line: u32| {
                    let yields = rng.below(3);
                    async move {
                        for _ in 0..yields {
                            tokio::task::yield_now().await;
                        }
                        log.lock().unwrap().push((Request::id(), line));
                        Ok::<_, Infallible>(log)
                    }
                })
                .in_current_context()
            });
            // Driven by a plain tokio task.
            tokio::spawn(async move {
                let mut sink = pin!(sink);
                for line in 0..5 {
                    sink.send(line).await.unwrap();
                }
                sink.close().await.unwrap();
                id
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let mut log = log.lock().unwrap().clone();
    log.sort();
    let expected: Vec<_> = (0..100u64)
        .flat_map(|id| (0..5).map(move |line| (Some(id), line)))
        .collect();
    assert_eq!(log, expected);
}

/// Reports, when dropped, the request it sees.
struct ReportsOnDrop(Arc<Mutex<Vec<Option<u64>>>>);

impl Drop for ReportsOnDrop {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(Request::id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_stream_or_sink_is_dropped_in_its_context() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let (stream, sink) = Context::empty()
        .with(Request { id: 5, progress: 0 })
        .run(|| {
            let guard = ReportsOnDrop(reports.clone());
            let stream = futures::stream::pending::<()>()
                .map(move |item| {
                    let _keep = &guard;
                    item
                })
                .in_current_context();
            let guard = ReportsOnDrop(reports.clone());
            let sink = futures::sink::drain::<u8>()
                .with(move |item| {
                    let _keep = &guard;
                    async move { Ok::<_, futures::never::Never>(item) }
                })
                .in_current_context();
            (stream, sink)
        });
    // Dropped by a plain tokio task, in another request's context, and on a plain thread.
    tokio::spawn(async move { drop(stream) }).await.unwrap();
    Context::empty()
        .with(Request { id: 6, progress: 0 })
        .run(move || drop(sink));
    assert_eq!(*reports.lock().unwrap(), [Some(5), Some(5)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chunks_of_a_wrapped_body_see_the_context_it_was_wrapped_in() {
    let handles: Vec<_> = (0..100u64)
        .map(|id| {
            let body = Context::empty().with(Request { id, progress: 0 }).run(|| {
                let chunks = lazy_items(id, 5).map(|(seen, n)| {
                    let chunk = format!("{seen:?}:{n};");
                    Ok::<_, Infallible>(http_body::Frame::data(Bytes::from(chunk)))
                });
                StreamBody::new(chunks).in_current_context()
            });
            tokio::spawn(async move { BodyExt::collect(body).await.unwrap().to_bytes() })
        })
        .collect();
    for (id, handle) in (0..).zip(handles) {
        let text = handle.await.unwrap();
        let expected: String = (0..5).map(|n| format!("Some({id}):{n};")).collect();
        assert_eq!(text, expected, "body {id}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_wrapped_future_is_terminated_once_it_completed() {
    use futures::future::FusedFuture;
    let mut future = pin!(async { Request::id() }.in_context(Context::empty()));
    assert!(!future.is_terminated());
    assert_eq!(future.as_mut().await, None);
    assert!(future.is_terminated());
}

/// The old name, imported alone as existing code does (with `ContextExt` also in scope the
/// method names would be ambiguous).
mod deprecated_name {
    #![allow(deprecated)]

    use ctxlocal::{Context, FutureExt};

    use super::Request;

    #[tokio::test(flavor = "current_thread")]
    async fn the_deprecated_future_ext_name_still_works() {
        Context::empty()
            .with(Request { id: 9, progress: 0 })
            .scope(async {
                let child = tokio::spawn(async { Request::id() }.in_current_context());
                assert_eq!(child.await.unwrap(), Some(9));
            })
            .await;
    }
}
