//! Instructions per HTTP request in process, no network, through `ctxlocal::tower::ScopeLayer`
//! against the same handler without it (a module of `benches/instructions.rs`; run with
//! `cargo bench -p ctxlocal-benches --bench instructions`).
//!
//! The handler reads one field (`Req::with_id`, 0 when unset) and answers with it as a
//! `String` body. Each `op_request_*` function makes one request, calls the service
//! (`poll_ready`, then `call`; for axum, `ServiceExt::oneshot` on a clone of the `Router`),
//! polls the response future once with a no-op waker (the handler never waits, so it is
//! ready; no runtime is involved) and drops the response with its body. The layered variants
//! build each request's context with `ScopeLayer::new(|_| Req { id: 7, .. })` (the `String`
//! field empty, so the context's values allocate nothing); the bare ones run the same handler,
//! which then finds the field unset. Both run on a thread of their own, whose root context is
//! empty, as a server's connection task (a plain `tokio::spawn`ed task) sees it.
//!
//! Two services: a tower `service_fn(handler)`, and an axum `Router` with `GET /` routed to
//! the handler, the layer added with `Router::layer` (which wraps each route, and boxes the
//! layered service and its response) or, in a third row, around the whole router
//! (`ScopeLayer::new(..).layer(router)`, no boxing).

use core::future::Future;
use core::pin::pin;
use core::task::{Context as TaskCx, Poll, Waker};
use std::convert::Infallible;
use std::fmt::Debug;
use std::hint::black_box;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::routing::get;
use ctxlocal::tower::ScopeLayer;
use http_body_util::BodyExt;
use tower::{Layer, Service, ServiceExt};

use super::Req;

/// Requests per `op_request_*` function.
pub const REQUESTS: usize = 10_000;

/// The functions' rows: (symbol, label).
pub const ROWS: [(&str, &str); 5] = [
    (
        "op_request_tower_bare",
        "request in process: tower `service_fn(handler)`",
    ),
    (
        "op_request_tower_scope_layer",
        "request in process: `ScopeLayer::new(..).layer(service_fn(handler))`",
    ),
    (
        "op_request_axum_bare",
        "request in process: axum `Router` (`oneshot`)",
    ),
    (
        "op_request_axum_scope_layer",
        "request in process: axum `Router` + `.layer(ScopeLayer::new(..))` (`oneshot`)",
    ),
    (
        "op_request_axum_scope_layer_outside",
        "request in process: `ScopeLayer::new(..).layer(Router)`, outside the router (`oneshot`)",
    ),
];

/// The field the handler reads, 0 when unset.
fn read_id() -> u64 {
    Req::with_id(|v| v.copied().unwrap_or(0))
}

/// The tower handler: answers with the request's id.
async fn handler(_: http::Request<()>) -> Result<http::Response<String>, Infallible> {
    Ok(http::Response::new(read_id().to_string()))
}

/// The axum handler: the same, through axum's extractors and `IntoResponse`.
async fn axum_handler() -> String {
    read_id().to_string()
}

/// The values of a request's context (what `ScopeLayer::new` calls with each request).
fn request_values<B>(_: &http::Request<B>) -> Req {
    Req {
        id: 7,
        name: String::new(),
        hits: 0,
    }
}

/// The output of `future`, which must be ready at its first poll.
fn ready_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut TaskCx::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the request waited: the bench assumes it never does"),
    }
}

/// Makes one request to `service` and drops the response with its body.
fn one_request<S, R>(service: &mut S, request: R)
where
    S: Service<R>,
    S::Error: Debug,
{
    let ready = service.poll_ready(&mut TaskCx::from_waker(Waker::noop()));
    assert!(matches!(ready, Poll::Ready(Ok(()))), "service not ready");
    let response = ready_now(service.call(request)).expect("response");
    black_box(&response);
}

/// Makes one request to a clone of `service` (a router, or a router inside `ScopeLayer`)
/// with `oneshot` and drops the response with its body.
fn one_router_request<S>(service: &S)
where
    S: Service<http::Request<Body>> + Clone,
    S::Error: Debug,
{
    let request = http::Request::new(Body::empty());
    let response = ready_now(service.clone().oneshot(request)).expect("response");
    black_box(&response);
}

#[inline(never)]
fn op_request_tower_bare<S>(service: &mut S)
where
    S: Service<http::Request<()>, Error = Infallible>,
{
    black_box("op_request_tower_bare");
    one_request(service, http::Request::new(()));
}

#[inline(never)]
fn op_request_tower_scope_layer<S>(service: &mut S)
where
    S: Service<http::Request<()>, Error = Infallible>,
{
    black_box("op_request_tower_scope_layer");
    one_request(service, http::Request::new(()));
}

#[inline(never)]
fn op_request_axum_bare(router: &Router) {
    black_box("op_request_axum_bare");
    one_router_request(router);
}

#[inline(never)]
fn op_request_axum_scope_layer(router: &Router) {
    black_box("op_request_axum_scope_layer");
    one_router_request(router);
}

#[inline(never)]
fn op_request_axum_scope_layer_outside<S>(service: &S)
where
    S: Service<http::Request<Body>, Error = Infallible> + Clone,
{
    black_box("op_request_axum_scope_layer_outside");
    one_router_request(service);
}

/// The body of the response of a request to `service` (a router, or a router inside
/// `ScopeLayer`), which must be ready at once.
fn router_answer<S, B>(service: &S) -> String
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Clone,
    S::Error: Debug,
    B: HttpBody,
    B::Error: Debug,
{
    let request = http::Request::new(Body::empty());
    let response = ready_now(service.clone().oneshot(request)).expect("response");
    let body = ready_now(response.into_body().collect()).expect("body");
    String::from_utf8(body.to_bytes().to_vec()).expect("UTF-8 body")
}

/// Calls every `op_request_*` function `REQUESTS` times, on a new thread, after checking once
/// that the handler sees the value behind the layer and nothing without it.
pub fn run() {
    std::thread::spawn(|| {
        let mut bare = tower::service_fn(handler);
        let mut layered = ScopeLayer::new(request_values::<()>).layer(tower::service_fn(handler));
        let bare_router = Router::new().route("/", get(axum_handler));
        let layered_router = bare_router
            .clone()
            .layer(ScopeLayer::new(request_values::<Body>));
        let layered_outside = ScopeLayer::new(request_values::<Body>).layer(bare_router.clone());

        let bare_answer = ready_now(bare.call(http::Request::new(()))).expect("response");
        assert_eq!(bare_answer.into_body(), "0");
        let layered_answer = ready_now(layered.call(http::Request::new(()))).expect("response");
        assert_eq!(layered_answer.into_body().into_inner(), "7");
        assert_eq!(router_answer(&bare_router), "0");
        assert_eq!(router_answer(&layered_router), "7");
        assert_eq!(router_answer(&layered_outside), "7");

        for _ in 0..REQUESTS {
            op_request_tower_bare(&mut bare);
        }
        for _ in 0..REQUESTS {
            op_request_tower_scope_layer(&mut layered);
        }
        for _ in 0..REQUESTS {
            op_request_axum_bare(&bare_router);
        }
        for _ in 0..REQUESTS {
            op_request_axum_scope_layer(&layered_router);
        }
        for _ in 0..REQUESTS {
            op_request_axum_scope_layer_outside(&layered_outside);
        }
    })
    .join()
    .expect("request thread");
}
