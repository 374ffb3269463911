//! `ctxlocal::tower::ScopeLayer` (feature `tower`): each request runs in a fresh context built
//! from it, and everything the request does, and nothing else, sees that context.
#![cfg(feature = "tower")]

use crate::support;

use std::convert::Infallible;

use ctxlocal::async_local;
use ctxlocal::tower::ScopeLayer;
use support::{Rng, random_yields};
use tower::{Service, ServiceBuilder, ServiceExt};

#[async_local]
struct RequestCtx {
    request_id: String,
    #[local(default)]
    user: Option<String>,
}

#[async_local]
struct Tenant {
    name: String,
}

fn request(id: &str) -> http::Request<()> {
    http::Request::builder()
        .uri("/")
        .header("x-request-id", id)
        .body(())
        .unwrap()
}

fn from_request(request: &http::Request<()>) -> RequestCtx {
    RequestCtx {
        request_id: request.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned(),
        user: None,
    }
}

async fn deep_in_the_handler() -> (Option<String>, Option<String>) {
    tokio::task::yield_now().await;
    (RequestCtx::request_id(), RequestCtx::user())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_requests_each_see_their_own_context() {
    let service = ServiceBuilder::new()
        .layer(ScopeLayer::new(from_request))
        .service_fn(|request: http::Request<()>| async move {
            let id = request.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned();
            let mut rng = Rng::new(id.len() as u64 + id.bytes().map(u64::from).sum::<u64>());
            RequestCtx::set_user(Some(format!("user-of-{id}")));
            random_yields(&mut rng, 5).await;
            // A spawned child and a blocking call see the request's values too.
            let child = ctxlocal::spawn(deep_in_the_handler()).await.unwrap();
            let blocking = ctxlocal::sync_to_async(RequestCtx::request_id).await;
            random_yields(&mut rng, 5).await;
            Ok::<_, Infallible>((id, deep_in_the_handler().await, child, blocking))
        });
    let handles: Vec<_> = (0..1_000)
        .map(|n| {
            let service = service.clone();
            tokio::spawn(async move { service.oneshot(request(&format!("req-{n}"))).await })
        })
        .collect();
    for handle in handles {
        let (id, own, child, blocking) = handle.await.unwrap().unwrap();
        let user = Some(format!("user-of-{id}"));
        assert_eq!(own, (Some(id.clone()), user.clone()));
        assert_eq!(child, (Some(id.clone()), user));
        assert_eq!(blocking, Some(id));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_context_is_fresh_nothing_from_the_caller_or_earlier_requests_is_visible() {
    let mut service = ServiceBuilder::new()
        .layer(ScopeLayer::new(from_request))
        .service_fn(|_: http::Request<()>| async {
            let seen = (RequestCtx::user(), Tenant::name());
            RequestCtx::set_user(Some("set by the handler".into()));
            Ok::<_, Infallible>(seen)
        });
    // The "connection task" has values of its own.
    Tenant::set_name("connection".into());
    RequestCtx::set_user(Some("connection".into()));
    for id in ["a", "b"] {
        let seen = service
            .ready()
            .await
            .unwrap()
            .call(request(id))
            .await
            .unwrap();
        assert_eq!(seen, (None, None), "request {id}");
    }
    assert_eq!(RequestCtx::user().as_deref(), Some("connection"));
}

#[tokio::test(flavor = "current_thread")]
async fn values_set_by_the_inner_services_call_are_seen_by_its_future() {
    #[derive(Clone)]
    struct Authenticate<S>(S);
    impl<S: Service<http::Request<()>>> Service<http::Request<()>> for Authenticate<S> {
        type Response = S::Response;
        type Error = S::Error;
        type Future = S::Future;
        fn poll_ready(
            &mut self,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Result<(), S::Error>> {
            self.0.poll_ready(cx)
        }
        fn call(&mut self, request: http::Request<()>) -> S::Future {
            // Synchronous middleware work, in the request's context.
            RequestCtx::set_user(Some("authenticated".into()));
            self.0.call(request)
        }
    }
    let mut service = ServiceBuilder::new()
        .layer(ScopeLayer::new(from_request))
        .layer_fn(Authenticate)
        .service_fn(|_: http::Request<()>| async { Ok::<_, Infallible>(RequestCtx::user()) });
    let user = service
        .ready()
        .await
        .unwrap()
        .call(request("x"))
        .await
        .unwrap();
    assert_eq!(user.as_deref(), Some("authenticated"));
    assert_eq!(RequestCtx::user(), None);
}

#[tokio::test(flavor = "current_thread")]
async fn a_tuple_of_structs_sets_them_all() {
    let mut service = ServiceBuilder::new()
        .layer(ScopeLayer::new(|request: &http::Request<()>| {
            (
                from_request(request),
                Tenant {
                    name: "acme".into(),
                },
            )
        }))
        .service_fn(|_: http::Request<()>| async {
            Ok::<_, Infallible>((RequestCtx::request_id(), Tenant::name()))
        });
    let seen = service
        .ready()
        .await
        .unwrap()
        .call(request("t"))
        .await
        .unwrap();
    assert_eq!(seen, (Some("t".into()), Some("acme".into())));
}
