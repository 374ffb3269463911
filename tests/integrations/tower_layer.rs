//! `ctxlocal::tower::ScopeLayer` (feature `tower`): each request runs in a fresh context built
//! from it, and everything the request does, and nothing else, sees that context.
#![cfg(feature = "tower")]

use crate::support;

use std::convert::Infallible;

use ctxlocal::WithContext;
use ctxlocal::async_local;
use ctxlocal::tower::ScopeLayer;
use support::{Rng, random_yields};
use tower::{Service, ServiceBuilder, ServiceExt};

/// The value a handler returned, out of the response `ScopeLayer` made (its body runs in the
/// request's context; here the body is the plain value the handler returned).
fn into_body<T>(response: http::Response<WithContext<T>>) -> T {
    response.into_body().into_inner()
}

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
        .map_response(into_body)
        .layer(ScopeLayer::new(from_request))
        .map_response(http::Response::new)
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
        .map_response(into_body)
        .layer(ScopeLayer::new(from_request))
        .map_response(http::Response::new)
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
        .map_response(into_body)
        .layer(ScopeLayer::new(from_request))
        .map_response(http::Response::new)
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
        .map_response(into_body)
        .layer(ScopeLayer::new(|request: &http::Request<()>| {
            (
                from_request(request),
                Tenant {
                    name: "acme".into(),
                },
            )
        }))
        .map_response(http::Response::new)
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

#[async_local]
struct Session {
    request_id: String,
    user: String,
    #[local(default = 3)]
    retries: u32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scope_layer_init_leaves_the_fields_it_does_not_set_unset() {
    // Item 6 of issue 14: only what the request brings is set; the rest stays unset.
    let service = ServiceBuilder::new()
        .map_response(into_body)
        .layer(ScopeLayer::init(|request: &http::Request<()>| {
            let header = |name| {
                request
                    .headers()
                    .get(name)
                    .map(|v: &http::HeaderValue| v.to_str().unwrap().to_owned())
            };
            Session::set_request_id(header("x-request-id").unwrap());
            if let Some(user) = header("x-user") {
                Session::set_user(user);
            }
        }))
        .service_fn(|_: http::Request<()>| async {
            let mut rng = Rng::new(Session::request_id().unwrap().len() as u64);
            random_yields(&mut rng, 5).await;
            let seen = (
                Session::request_id(),
                Session::is_user_set(),
                Session::user(),
                Session::is_retries_set(),
                Session::retries(),
            );
            Ok::<_, Infallible>(http::Response::new(seen))
        });
    let handles: Vec<_> = (0..200)
        .map(|n| {
            let service = service.clone();
            tokio::spawn(async move {
                let mut request = request(&format!("req-{n}"));
                if n % 2 == 0 {
                    request
                        .headers_mut()
                        .insert("x-user", format!("user-{n}").parse().unwrap());
                }
                (n, service.oneshot(request).await.unwrap())
            })
        })
        .collect();
    for handle in handles {
        let (n, seen) = handle.await.unwrap();
        let user = (n % 2 == 0).then(|| format!("user-{n}"));
        assert_eq!(
            seen,
            (Some(format!("req-{n}")), user.is_some(), user, false, 3),
            "request {n}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_response_body_continues_with_what_the_handler_wrote() {
    let service = ServiceBuilder::new()
        .layer(ScopeLayer::new(from_request))
        .service_fn(|_: http::Request<()>| async {
            RequestCtx::set_user(Some("set by the handler".into()));
            // A body made of a future that reads the context only when it is polled.
            let body = async { (RequestCtx::request_id(), RequestCtx::user()) };
            Ok::<_, Infallible>(http::Response::new(body))
        });
    let body = service.oneshot(request("b")).await.unwrap().into_body();
    // Polled here, after the handler returned, in a context of our own.
    RequestCtx::set_user(Some("caller".into()));
    let seen = body.await;
    assert_eq!(seen, (Some("b".into()), Some("set by the handler".into())));
    assert_eq!(RequestCtx::user().as_deref(), Some("caller"));
}
