//! Rule E2: `ScopeLayer` covers the response body. A body streamed by the server after the
//! handler returned (`Body::from_stream`, server-sent events) still sees the request's
//! context, including what the handler wrote; a body the client abandons is dropped in it.
//!
//! A real axum server on 127.0.0.1, a real HTTP/1 client, many concurrent requests, and chunks
//! made lazily, each only when hyper polls the body on the connection's task (a plain tokio
//! task, which carries no context of its own).
#![cfg(all(feature = "tower", feature = "tokio"))]

use crate::support;

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use axum::routing::get;
use ctxlocal::async_local;
use ctxlocal::tower::ScopeLayer;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use support::{Rng, random_yields};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

#[async_local]
struct RequestCtx {
    request_id: String,
    /// Set by the handler, after the layer built the context.
    #[local(default)]
    user: String,
}

const CHUNKS: u64 = 8;

/// `GET /events/{n}`: an SSE-like stream of `CHUNKS` events, each written when hyper asks for
/// it, after random yields, saying which request and user it saw.
async fn events(axum::extract::Path(n): axum::extract::Path<u64>) -> Body {
    RequestCtx::set_user(format!("user-{n}"));
    let chunks = futures::stream::unfold((0, Rng::new(n)), |(i, mut rng)| async move {
        if i == CHUNKS {
            return None;
        }
        random_yields(&mut rng, 3).await;
        let event = format!(
            "data: {} {} {i}\n\n",
            RequestCtx::request_id().unwrap_or_else(|| "<none>".into()),
            RequestCtx::user(),
        );
        Some((Ok::<_, Infallible>(event), (i + 1, rng)))
    });
    Body::from_stream(chunks)
}

/// Reports, when dropped, the request it sees.
struct ReportsOnDrop(mpsc::UnboundedSender<Option<String>>);

impl Drop for ReportsOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(RequestCtx::request_id());
    }
}

/// `GET /endless`: one event, then nothing, forever; reports the request it sees when dropped.
async fn endless(reports: mpsc::UnboundedSender<Option<String>>) -> Body {
    let guard = ReportsOnDrop(reports);
    let first = futures::stream::once(async { Ok::<_, Infallible>("data: first\n\n") });
    let rest = futures::stream::pending();
    let chunks = futures::StreamExt::chain(first, rest);
    Body::from_stream(futures::StreamExt::map(chunks, move |chunk| {
        let _keep = &guard;
        chunk
    }))
}

async fn serve(reports: mpsc::UnboundedSender<Option<String>>) -> SocketAddr {
    let app = Router::new()
        .route("/events/{n}", get(events))
        .route("/endless", get(move || endless(reports.clone())))
        .layer(ScopeLayer::new(|request: &Request<Body>| RequestCtx {
            request_id: request.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned(),
            user: String::new(),
        }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn client() -> Client<HttpConnector, Empty<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

fn get_request(addr: SocketAddr, path: &str, id: &str) -> Request<Empty<Bytes>> {
    Request::get(format!("http://{addr}{path}"))
        .header("x-request-id", id)
        .body(Empty::new())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chunks_of_a_streamed_body_see_the_request_context() {
    let (reports, _) = mpsc::unbounded_channel();
    let addr = serve(reports).await;
    let client = client();
    let handles: Vec<_> = (0..100u64)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client
                    .request(get_request(
                        addr,
                        &format!("/events/{n}"),
                        &format!("req-{n}"),
                    ))
                    .await
                    .unwrap();
                // Read frame by frame, slowly, so that bodies of many requests interleave.
                let mut body = response.into_body();
                let mut rng = Rng::new(n ^ 0xFF);
                let mut text = Vec::new();
                while let Some(frame) = body.frame().await {
                    text.extend_from_slice(&frame.unwrap().into_data().unwrap());
                    random_yields(&mut rng, 3).await;
                }
                (n, String::from_utf8(text).unwrap())
            })
        })
        .collect();
    for handle in handles {
        let (n, text) = handle.await.unwrap();
        let expected: String = (0..CHUNKS)
            .map(|i| format!("data: req-{n} user-{n} {i}\n\n"))
            .collect();
        assert_eq!(text, expected, "request {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_the_client_abandons_is_dropped_in_the_request_context() {
    let (reports, mut dropped) = mpsc::unbounded_channel();
    let addr = serve(reports).await;
    for n in 0..5 {
        let id = format!("abandoned-{n}");
        // A connection of its own, closed after the first event.
        let response = client()
            .request(get_request(addr, "/endless", &id))
            .await
            .unwrap();
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, "data: first\n\n");
        drop(body);
        // The server notices the closed connection and drops the body: its `Drop` code runs
        // in the request's context.
        assert_eq!(dropped.recv().await.unwrap(), Some(id));
    }
}
