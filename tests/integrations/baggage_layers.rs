//! The tower layers of `ctxlocal::baggage` (features `baggage` and `tower`): `ExtractLayer` on
//! a server, alone or inside / outside a `ScopeLayer`, and `InjectLayer` on a client; then
//! both together, hop after hop, with a thousand concurrent requests that must each carry
//! their own values.
//!
//! The "network" between client and server is a plain `tokio::spawn` of the server's future:
//! like a real connection task, it carries no context of the caller's, so whatever the server
//! sees came through the `baggage` header.
#![cfg(all(feature = "baggage", feature = "tower", feature = "tokio"))]

use crate::support;

use std::convert::Infallible;

use ctxlocal::WithContext;
use ctxlocal::baggage::{self, ExtractLayer, InjectLayer};
use ctxlocal::tower::ScopeLayer;
use ctxlocal::{Context, async_local};
use http::{HeaderMap, HeaderValue, Request};
use support::{Rng, random_yields};
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

/// The value a handler returned, out of the response `ScopeLayer` made (its body runs in the
/// request's context; here the body is the plain value the handler returned).
fn into_body<T>(response: http::Response<WithContext<T>>) -> T {
    response.into_body().into_inner()
}

#[async_local]
struct RequestCtx {
    #[local(propagate)]
    request_id: String,
    #[local(propagate = "user.id", default)]
    user: Option<u64>,
    /// Set locally by each service, never propagated.
    #[local(default)]
    origin: String,
}

type Seen = (Option<String>, Option<u64>, String);

fn seen() -> Seen {
    (
        RequestCtx::request_id(),
        RequestCtx::user(),
        RequestCtx::origin(),
    )
}

fn request(baggage: Option<&str>) -> Request<()> {
    let mut request = Request::builder().uri("/").body(()).unwrap();
    if let Some(value) = baggage {
        request
            .headers_mut()
            .insert(baggage::HEADER, HeaderValue::from_str(value).unwrap());
    }
    request
}

/// A handler that reports what the request's context holds, in `call` (synchronously) and
/// after an await.
fn reporting_handler()
-> impl Service<Request<()>, Response = (Seen, Seen), Error = Infallible, Future: Send> + Clone {
    service_fn(|_request: Request<()>| {
        let in_call = seen();
        async move {
            tokio::task::yield_now().await;
            Ok::<_, Infallible>((in_call, seen()))
        }
    })
}

/// What the scope layer puts in each request's context before the baggage is read.
fn scope_defaults(_: &Request<()>) -> RequestCtx {
    RequestCtx {
        request_id: "from-scope".into(),
        user: Some(1),
        origin: "server".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// ExtractLayer
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "current_thread")]
async fn extract_layer_alone_runs_the_request_with_the_baggage_fields() {
    let service = ServiceBuilder::new()
        .layer(ExtractLayer::new())
        .service(reporting_handler());
    let (in_call, after_await) = service
        .clone()
        .oneshot(request(Some("request_id=r1,user.id=42,origin=forged")))
        .await
        .unwrap();
    let expected: Seen = (Some("r1".into()), Some(42), String::new());
    assert_eq!(in_call, expected);
    assert_eq!(after_await, expected);

    // No baggage: nothing set.
    let (in_call, _) = service.clone().oneshot(request(None)).await.unwrap();
    assert_eq!(in_call, (None, None, String::new()));
    // Nothing leaks from one request into the next on the same service.
    let (in_call, _) = service.oneshot(request(Some("user.id=5"))).await.unwrap();
    assert_eq!(in_call, (None, Some(5), String::new()));
}

#[tokio::test(flavor = "current_thread")]
async fn extract_layer_alone_adds_to_the_context_it_is_called_in() {
    let service = ServiceBuilder::new()
        .layer(ExtractLayer::new())
        .service(reporting_handler());
    let caller = Context::empty().with(RequestCtx {
        request_id: "caller".into(),
        user: Some(9),
        origin: "caller".into(),
    });
    let (in_call, after_await) = caller
        .scope(service.oneshot(request(Some("request_id=r2"))))
        .await
        .unwrap();
    let expected: Seen = (Some("r2".into()), Some(9), "caller".into());
    assert_eq!(in_call, expected);
    assert_eq!(after_await, expected);
}

#[tokio::test(flavor = "current_thread")]
async fn extract_layer_inside_a_scope_layer_overrides_its_defaults() {
    let service = ServiceBuilder::new()
        .map_response(into_body)
        .layer(ScopeLayer::new(scope_defaults))
        .map_response(http::Response::new)
        .layer(ExtractLayer::new())
        .service(reporting_handler());
    let cases: [(Option<&str>, Seen); 4] = [
        (
            Some("request_id=r3,user.id=42"),
            (Some("r3".into()), Some(42), "server".into()),
        ),
        // Absent keys keep the scope's values.
        (
            Some("request_id=r4"),
            (Some("r4".into()), Some(1), "server".into()),
        ),
        (None, (Some("from-scope".into()), Some(1), "server".into())),
        // A value that does not parse keeps the scope's value too.
        (
            Some("user.id=abc,request_id=r5"),
            (Some("r5".into()), Some(1), "server".into()),
        ),
    ];
    for (baggage, expected) in cases {
        let (in_call, after_await) = service.clone().oneshot(request(baggage)).await.unwrap();
        assert_eq!(in_call, expected, "{baggage:?}");
        assert_eq!(after_await, expected, "{baggage:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn extract_layer_outside_a_scope_layer_is_overridden_by_it() {
    // `ScopeLayer` builds a fresh context for the request: what an outer `ExtractLayer` read is
    // not in it. This is why `ExtractLayer` goes inside.
    let service = ServiceBuilder::new()
        .layer(ExtractLayer::new())
        .map_response(into_body)
        .layer(ScopeLayer::new(scope_defaults))
        .map_response(http::Response::new)
        .service(reporting_handler());
    let (in_call, after_await) = service
        .oneshot(request(Some("request_id=r6,user.id=42")))
        .await
        .unwrap();
    let expected: Seen = (Some("from-scope".into()), Some(1), "server".into());
    assert_eq!(in_call, expected);
    assert_eq!(after_await, expected);
}

#[tokio::test(flavor = "current_thread")]
async fn writes_in_the_handler_stay_in_the_request() {
    let service =
        ServiceBuilder::new()
            .layer(ExtractLayer::new())
            .service_fn(|_: Request<()>| async {
                RequestCtx::set_user(Some(77));
                RequestCtx::set_origin("handler".into());
                Ok::<_, Infallible>(seen())
            });
    let caller = Context::empty().with(RequestCtx {
        request_id: "caller".into(),
        user: Some(9),
        origin: "caller".into(),
    });
    let (inside, after) = caller
        .scope(async {
            let inside = service
                .oneshot(request(Some("request_id=r7")))
                .await
                .unwrap();
            (inside, seen())
        })
        .await;
    assert_eq!(inside, (Some("r7".into()), Some(77), "handler".into()));
    assert_eq!(after, (Some("caller".into()), Some(9), "caller".into()));
}

// ---------------------------------------------------------------------------------------------
// InjectLayer
// ---------------------------------------------------------------------------------------------

/// A client whose "transport" returns the headers it would have sent.
fn recording_client()
-> impl Service<Request<()>, Response = HeaderMap, Error = Infallible, Future: Send> + Clone {
    ServiceBuilder::new()
        .layer(InjectLayer::new())
        .service_fn(
            |request: Request<()>| async move { Ok::<_, Infallible>(request.headers().clone()) },
        )
}

fn baggage_of(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(baggage::HEADER)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn inject_layer_adds_the_callers_fields_to_each_request() {
    let client = recording_client();
    let caller = Context::empty().with(RequestCtx {
        request_id: "req 1".into(),
        user: Some(42),
        origin: "not sent".into(),
    });
    let sent = caller
        .scope(client.clone().oneshot(request(None)))
        .await
        .unwrap();
    assert_eq!(baggage_of(&sent), ["request_id=req%201,user.id=42"]);

    // Entries already on the request are kept after ours; other headers are untouched.
    let mut with_others = request(Some("vendor=x;p, request_id=theirs"));
    with_others
        .headers_mut()
        .insert("x-other", HeaderValue::from_static("1"));
    let sent = caller
        .scope(client.clone().oneshot(with_others))
        .await
        .unwrap();
    assert_eq!(
        baggage_of(&sent),
        ["request_id=req%201,user.id=42,vendor=x;p"]
    );
    assert_eq!(sent["x-other"], "1");

    // Outside any context: nothing to add, and no header is made up.
    let sent = Context::empty()
        .scope(client.oneshot(request(None)))
        .await
        .unwrap();
    assert!(baggage_of(&sent).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn inject_layer_sends_what_the_caller_holds_at_the_time_of_the_call() {
    let client = recording_client();
    let sent = Context::empty()
        .scope(async {
            RequestCtx::set_request_id("r".into());
            let first = client.clone().oneshot(request(None)).await.unwrap();
            RequestCtx::set_user(Some(5)); // authenticated in the middle of the request
            let second = client.clone().oneshot(request(None)).await.unwrap();
            (baggage_of(&first), baggage_of(&second))
        })
        .await;
    assert_eq!(sent.0, ["request_id=r"]);
    assert_eq!(sent.1, ["request_id=r,user.id=5"]);
}

// ---------------------------------------------------------------------------------------------
// Client and server together
// ---------------------------------------------------------------------------------------------

/// `client` → (a task with no context, like a connection) → `server`.
fn connect<S>(
    server: S,
) -> impl Service<Request<()>, Response = S::Response, Error = Infallible, Future: Send> + Clone
where
    S: Service<Request<()>, Error = Infallible> + Clone + Send + 'static,
    S::Response: Send + 'static,
    S::Future: Send + 'static,
{
    ServiceBuilder::new()
        .layer(InjectLayer::new())
        .service_fn(move |request: Request<()>| {
            let server = server.clone();
            async move {
                // Plain `tokio::spawn`: the server's side starts with nothing of ours.
                let response = tokio::spawn(server.oneshot(request)).await.unwrap();
                Ok::<_, Infallible>(response.unwrap())
            }
        })
}

#[tokio::test(flavor = "current_thread")]
async fn a_request_crosses_two_hops_with_values_set_along_the_way() {
    // C: reports what it sees.
    let service_c = ServiceBuilder::new()
        .map_response(into_body)
        .layer(ScopeLayer::new(|_: &Request<()>| RequestCtx {
            request_id: "c-default".into(),
            user: None,
            origin: "c".into(),
        }))
        .map_response(http::Response::new)
        .layer(ExtractLayer::new())
        .service_fn(|_: Request<()>| async { Ok::<_, Infallible>(seen()) });
    // B: authenticates the user, then calls C.
    let to_c = connect(service_c);
    let service_b =
        ServiceBuilder::new()
            .layer(ExtractLayer::new())
            .service_fn(move |_: Request<()>| {
                let to_c = to_c.clone();
                async move {
                    let before = seen();
                    RequestCtx::set_user(Some(42));
                    RequestCtx::set_origin("b".into());
                    let from_c = to_c.oneshot(request(None)).await.unwrap();
                    Ok::<_, Infallible>((before, from_c))
                }
            });
    // A: the original caller.
    let to_b = connect(service_b);
    let (at_b, at_c) = Context::empty()
        .with(RequestCtx {
            request_id: "req-a".into(),
            user: None,
            origin: "a".into(),
        })
        .scope(to_b.oneshot(request(None)))
        .await
        .unwrap();
    assert_eq!(at_b, (Some("req-a".into()), None, String::new()));
    assert_eq!(at_c, (Some("req-a".into()), Some(42), "c".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_requests_each_carry_their_own_values() {
    let server = ServiceBuilder::new()
        .map_response(into_body)
        .layer(ScopeLayer::new(|_: &Request<()>| RequestCtx {
            request_id: "unset".into(),
            user: None,
            origin: "server".into(),
        }))
        .map_response(http::Response::new)
        .layer(ExtractLayer::new())
        .service_fn(|request: Request<()>| async move {
            let header = request
                .headers()
                .get(baggage::HEADER)
                .map(|value| value.to_str().unwrap().to_owned());
            let mut rng = Rng::new(header.as_deref().map_or(0, |h| h.len() as u64));
            random_yields(&mut rng, 5).await;
            let own = seen();
            // A child task and blocking code of the request see the same values.
            let child = ctxlocal::spawn(async { seen() }).await.unwrap();
            let blocking = ctxlocal::sync_to_async(seen).await;
            random_yields(&mut rng, 5).await;
            Ok::<_, Infallible>((own, child, blocking, seen()))
        });
    let client = connect(server);
    let handles: Vec<_> = (0..1_000u64)
        .map(|n| {
            let client = client.clone();
            ctxlocal::spawn(
                Context::empty()
                    .with(RequestCtx {
                        request_id: format!("req-{n}"),
                        user: None,
                        origin: "client".into(),
                    })
                    .scope(async move {
                        let mut rng = Rng::new(n);
                        random_yields(&mut rng, 5).await;
                        // Half of the requests authenticate before calling.
                        if n % 2 == 0 {
                            RequestCtx::set_user(Some(n));
                        }
                        random_yields(&mut rng, 5).await;
                        let reply = client.oneshot(request(None)).await.unwrap();
                        (n, reply, seen())
                    }),
            )
        })
        .collect();
    for handle in handles {
        let (n, (own, child, blocking, after), client_after) = handle.await.unwrap();
        let user = (n % 2 == 0).then_some(n);
        let expected: Seen = (Some(format!("req-{n}")), user, "server".into());
        assert_eq!(own, expected);
        assert_eq!(child, expected);
        assert_eq!(blocking, expected);
        assert_eq!(after, expected);
        // The client's own context is untouched by the call.
        assert_eq!(
            client_after,
            (Some(format!("req-{n}")), user, "client".into())
        );
    }
}
