//! Two services over loopback: service A calls service B, and B's handler reads A's request id
//! and user from its **own** typed context, carried in the W3C `baggage` header.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example two_services
//! ```
//!
//! What it shows:
//!
//! - what travels is declared once, in `wire::Caller`: its fields are `#[local(propagate)]`
//!   under the keys `request.id` and `user.id`;
//! - service A (axum, on 127.0.0.1) runs each request in a fresh context
//!   ([`ctxlocal::tower::ScopeLayer`]) holding its `x-request-id`; the handler authenticates
//!   the caller in the middle of the request and sets the user id; a session token is set too,
//!   in A's own `Session`, which is not marked `propagate`, so it never leaves A;
//! - deep in A, a function with no request parameter calls B through a client wrapped in
//!   [`ctxlocal::baggage::InjectLayer`], which writes the propagated fields into the outgoing
//!   `baggage` header: `baggage: request.id=req-7,user.id=42`;
//! - service B (axum, another port) runs each request in a fresh context of its own, where
//!   [`ctxlocal::baggage::ExtractLayer`] sets `Caller` from the header, typed (`user.id` comes
//!   back as a `u64`), and B's code reads `Caller::request_id()` and `Caller::user()` like any
//!   other field, next to its own `Served`.
//!
//! Both services run in this one process, on ephemeral ports, to keep the example
//! self-contained; nothing but the HTTP request goes from A to B. Two real services would
//! each declare `Caller` (or share it from a small crate); in one process a baggage key may
//! belong to only one field, or `ctxlocal::baggage` panics rather than deliver one struct's
//! value into another's field, so here they share it.
//!
//! It starts B, then A, sends three requests to A with a plain HTTP client, prints what each
//! service saw, and exits. `tests/examples/example_two_services.rs` runs the same services.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Request, Response};
use axum::routing::get;
use ctxlocal::baggage::{ExtractLayer, Inject, InjectLayer};
use ctxlocal::tower::ScopeLayer;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// The error type of this example's fallible functions.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A plain HTTP/1 client (hyper).
pub type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// A plain HTTP/1 client, keeping connections alive between requests.
pub fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// The body of `response` as text, or an error if its status is not a success.
async fn body_text<B>(response: Response<B>) -> Result<String, Error>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<Error>,
{
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(Into::into)?
        .to_bytes();
    let body = String::from_utf8(body.to_vec())?;
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    Ok(body)
}

/// Binds 127.0.0.1 on an ephemeral port and serves `app` there in a background task.
async fn serve(app: Router) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server failed");
    });
    Ok((addr, server))
}

/// What travels from service to service, in the `baggage` header.
pub mod wire {
    use ctxlocal::async_local;

    /// Who is calling: set by the edge service, read by every service behind it.
    #[async_local]
    pub struct Caller {
        /// From the `x-request-id` header at the edge (or generated); sent as `request.id`.
        #[local(propagate = "request.id")]
        pub request_id: String,
        /// Set once the caller is authenticated; sent as `user.id` when set. Typed:
        /// `user.id=42` is read as `Some(42u64)`; absent, or text that is not a number, leaves
        /// it `None`.
        #[local(propagate = "user.id", default)]
        pub user: Option<u64>,
    }
}

/// Service A: the edge service the user calls.
pub mod service_a {
    use super::*;
    use ctxlocal::async_local;
    use wire::Caller;

    /// A's own per-request state.
    #[async_local]
    pub struct Session {
        /// Stays in A: not marked `propagate`.
        #[local(default)]
        pub token: String,
    }

    /// A's client for B: every request it sends carries A's propagated fields.
    pub type ClientToB = Inject<HttpClient>;

    #[derive(Clone)]
    struct ToB {
        addr: SocketAddr,
        client: ClientToB,
    }

    /// A's routes, given B's address.
    pub fn app(b: SocketAddr) -> Router {
        let to_b = ToB {
            addr: b,
            client: tower::ServiceBuilder::new()
                .layer(InjectLayer::new())
                .service(http_client()),
        };
        Router::new()
            .route("/checkout/{item}", get(checkout))
            .with_state(to_b)
            .layer(ScopeLayer::new(request_context))
    }

    /// Starts A on an ephemeral loopback port.
    pub async fn start(b: SocketAddr) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
        serve(app(b)).await
    }

    fn request_context(request: &Request<Body>) -> (Caller, Session) {
        static GENERATED: AtomicU64 = AtomicU64::new(1);
        let request_id = match request.headers().get("x-request-id") {
            Some(id) if !id.is_empty() => String::from_utf8_lossy(id.as_bytes()).into_owned(),
            _ => format!("gen-{}", GENERATED.fetch_add(1, Ordering::Relaxed)),
        };
        let caller = Caller {
            request_id,
            user: None,
        };
        let session = Session {
            token: String::new(),
        };
        (caller, session)
    }

    /// `GET /checkout/{item}`: authenticates, reserves the item at B, and answers with what A
    /// and B each saw.
    async fn checkout(
        State(to_b): State<ToB>,
        Path(item): Path<u64>,
        headers: HeaderMap,
    ) -> Result<String, String> {
        authenticate(&headers);
        let from_b = reserve(&to_b, item).await.map_err(|e| e.to_string())?;
        Ok(format!("{}\n{from_b}", seen()))
    }

    /// Sets the user for the rest of this request (a real service would check a token).
    fn authenticate(headers: &HeaderMap) {
        let user = headers
            .get("x-user-id")
            .and_then(|user| user.to_str().ok())
            .and_then(|user| user.parse().ok());
        if let Some(user) = user {
            Caller::set_user(Some(user));
            Session::set_token(format!("secret-session-of-{user}"));
        }
    }

    /// Deep in A: no request id or user parameter, yet both reach B.
    async fn reserve(to_b: &ToB, item: u64) -> Result<String, Error> {
        let request =
            Request::get(format!("http://{}/stock/{item}", to_b.addr)).body(Empty::new())?;
        body_text(to_b.client.clone().oneshot(request).await?).await
    }

    /// `A: request_id=... user=...`: what A's context holds.
    pub fn seen() -> String {
        let id = Caller::request_id().unwrap_or_else(|| "<none>".into());
        let user = Caller::user().map_or("<none>".into(), |user| user.to_string());
        format!("A: request_id={id} user={user}")
    }
}

/// Service B: called by A. It knows nothing of A's types, only what travels (`wire`).
pub mod service_b {
    use super::*;
    use ctxlocal::async_local;

    /// B's own per-request state.
    #[async_local]
    pub struct Served {
        /// Set per request by B's `ScopeLayer`.
        pub by: String,
    }

    /// B's routes: each request runs in a fresh context, plus what the baggage carries.
    pub fn app() -> Router {
        Router::new()
            .route("/stock/{item}", get(stock))
            .layer(ExtractLayer::new())
            .layer(ScopeLayer::new(|_: &Request<Body>| {
                let caller = wire::Caller {
                    request_id: "<none>".into(),
                    user: None,
                };
                let served = Served { by: "B".into() };
                (caller, served)
            }))
    }

    /// Starts B on an ephemeral loopback port.
    pub async fn start() -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
        serve(app()).await
    }

    /// `GET /stock/{item}`.
    async fn stock(Path(item): Path<u64>, headers: HeaderMap) -> String {
        let wire = headers
            .get(ctxlocal::baggage::HEADER)
            .map_or("<none>".into(), |value| {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            });
        format!("{}\nB received baggage: {wire}", stock::reserve(item))
    }

    mod stock {
        use super::Served;
        use super::wire::Caller;

        /// Deep in B: reads the caller from B's own context.
        pub fn reserve(item: u64) -> String {
            let id = Caller::request_id().unwrap_or_default();
            let user = Caller::user().map_or("<none>".into(), |user| user.to_string());
            let by = Served::by().unwrap_or_default();
            format!("{by}: request_id={id} user={user} reserved item {item}")
        }
    }
}

/// `GET http://{a}/checkout/{item}` with optional `x-request-id` and `x-user-id` headers: the
/// body A answers with.
pub async fn checkout(
    client: &HttpClient,
    a: SocketAddr,
    item: u64,
    request_id: Option<&str>,
    user: Option<u64>,
) -> Result<String, Error> {
    let mut request = Request::get(format!("http://{a}/checkout/{item}"));
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    if let Some(user) = user {
        request = request.header("x-user-id", user.to_string());
    }
    body_text(client.request(request.body(Empty::new())?).await?).await
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (b, b_server) = service_b::start().await?;
    let (a, a_server) = service_a::start(b).await?;
    println!("service A on http://{a}, calling service B on http://{b}\n");
    let client = http_client();
    for (item, request_id, user) in [
        (7, Some("req-7"), Some(42)),
        (8, Some("req 8, from a \"browser\""), None),
        (9, None, Some(7)),
    ] {
        println!("GET /checkout/{item} x-request-id: {request_id:?} x-user-id: {user:?}");
        for line in checkout(&client, a, item, request_id, user).await?.lines() {
            println!("   {line}");
        }
        println!();
    }
    a_server.abort();
    b_server.abort();
    Ok(())
}
