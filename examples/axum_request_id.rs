//! A request id that every layer of an axum service can read, with no parameter passing.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example axum_request_id
//! cargo run -p ctxlocal-tests --example axum_request_id -- --serve   # keep serving
//! ```
//!
//! What it shows:
//!
//! - an axum `Router` on 127.0.0.1 wrapped in [`ctxlocal::tower::ScopeLayer`], which runs each
//!   request in a fresh context holding its `x-request-id` header (or a generated id);
//! - the handler sets the authenticated user in the middle of the request, and everything
//!   after it sees that user: a service layer, a repository layer, a blocking "database" call
//!   on tokio's blocking pool through [`ctxlocal::sync_to_async`], and an audit task started
//!   with [`ctxlocal::spawn`];
//! - a response middleware that copies the request id into the `x-request-id` response
//!   header, reading it from the context;
//! - a streaming endpoint (server-sent events): each event is made while the server streams
//!   the body, after the handler returned, and still sees the request's id and user, because
//!   `ScopeLayer` runs the response body in the request's context too;
//! - JSON log lines formatted through [`ctxlocal::tracing::TraceFieldsFormat`]: every line
//!   carries `"request_id"`, `"user"` and `"admin"` (a boolean) beside the event's own fields,
//!   although no log call mentions them.
//!
//! Without arguments it starts the server on an ephemeral port, sends three requests to it
//! with a real HTTP client, prints the log lines and the responses, and exits. With `--serve`
//! it listens on 127.0.0.1:3000 until interrupted; try
//! `curl -i -H 'x-request-id: abc' -H 'x-user: ada' http://127.0.0.1:3000/orders/7`.
//!
//! `tests/examples/example_axum.rs` and the load test `tests/robustness/load.rs` run this app.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, Request};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ctxlocal::async_local;
use ctxlocal::tower::ScopeLayer;
use ctxlocal::tracing::TraceFieldsFormat;
use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{HttpConnector, HttpInfo};
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tracing_subscriber::fmt::MakeWriter;

/// Built by the layer from each request; reachable from anywhere in the request's call tree.
#[async_local]
pub struct RequestCtx {
    #[local(trace)]
    pub request_id: String,
}

/// Set by the handler once it has authenticated the caller.
#[async_local]
pub struct Auth {
    #[local(trace)]
    pub user: String,
    #[local(trace)]
    pub admin: bool,
}

/// The users that are administrators.
pub const ADMINS: [&str; 1] = ["ada"];

/// The header that carries the request id, in both directions.
pub const REQUEST_ID: &str = "x-request-id";

/// How many log lines one `GET /orders/{order}` writes.
pub const LOG_LINES_PER_REQUEST: usize = 4;

/// The layers that answer `GET /orders/{order}`, one line of the response body each, in order.
pub const PLACES: [&str; LOG_LINES_PER_REQUEST] = ["handler", "service", "db", "audit"];

/// The application: one route, the response middleware, and the layer that gives each
/// request its own context (added last, so it wraps everything else).
pub fn app() -> Router {
    Router::new()
        .route("/orders/{order}", get(get_order))
        .route("/orders/{order}/events", get(order_events))
        .layer(map_response(echo_request_id))
        .layer(ScopeLayer::new(request_context))
}

/// The layer's constructor: the request's context, from its headers.
fn request_context(request: &Request<Body>) -> RequestCtx {
    static GENERATED: AtomicU64 = AtomicU64::new(1);
    let request_id = match request.headers().get(REQUEST_ID) {
        Some(id) if !id.is_empty() => String::from_utf8_lossy(id.as_bytes()).into_owned(),
        _ => format!("gen-{}", GENERATED.fetch_add(1, Ordering::Relaxed)),
    };
    RequestCtx { request_id }
}

/// Response middleware: runs inside the request's context, so it can read the id.
async fn echo_request_id(mut response: Response) -> Response {
    let id = RequestCtx::request_id().and_then(|id| HeaderValue::from_str(&id).ok());
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

/// `GET /orders/{order}`: answers with one line per layer, saying what each layer saw.
async fn get_order(Path(order): Path<u64>, headers: HeaderMap) -> String {
    authenticate(&headers);
    tracing::info!(order, "request received");
    let mut lines = vec![seen("handler")];
    lines.extend(service::order_summary(order).await);
    tracing::info!(order, "responding");
    lines.join("\n") + "\n"
}

/// How many events `GET /orders/{order}/events` streams.
pub const EVENTS: usize = 3;

/// `GET /orders/{order}/events`: server-sent events about the order. Each event is made when
/// the server polls the body for it, after this handler has returned; it still sees the
/// request's id and the user authenticated here.
async fn order_events(Path(order): Path<u64>, headers: HeaderMap) -> Response {
    authenticate(&headers);
    let events = futures::stream::iter(0..EVENTS).then(move |n| async move {
        tokio::task::yield_now().await;
        let event = seen(&format!("order {order} event {n}"));
        Ok::<_, Infallible>(format!("data: {event}\n\n"))
    });
    let headers = [(CONTENT_TYPE, "text/event-stream")];
    (headers, Body::from_stream(events)).into_response()
}

/// Sets the current user for the rest of this request (and only this request).
fn authenticate(headers: &HeaderMap) {
    let user = headers
        .get("x-user")
        .and_then(|user| user.to_str().ok())
        .unwrap_or("anonymous");
    Auth {
        user: user.to_owned(),
        admin: ADMINS.contains(&user),
    }
    .set();
}

/// What the code calling it sees, as `place request_id=... user=...`.
pub fn seen(place: &str) -> String {
    let id = RequestCtx::request_id().unwrap_or_else(|| "<none>".into());
    let user = Auth::user().unwrap_or_else(|| "<none>".into());
    format!("{place} request_id={id} user={user}")
}

mod service {
    use super::{audit, repository, seen};

    /// The service layer: a repository call and an audit task, neither given the request id.
    pub async fn order_summary(order: u64) -> Vec<String> {
        let mut lines = vec![seen("service")];
        lines.push(repository::load(order).await);
        // A child task starts with a snapshot of the request's values.
        let audit = ctxlocal::spawn(audit::record(order));
        lines.push(audit.await.expect("the audit task panicked"));
        lines
    }
}

mod repository {
    use super::db;

    /// The repository layer: the blocking driver runs on tokio's blocking pool, and
    /// `sync_to_async` carries the request's context there.
    pub async fn load(order: u64) -> String {
        ctxlocal::sync_to_async(move || db::query(order)).await
    }
}

mod db {
    use super::{RequestCtx, seen};

    /// A blocking "database" call: tags the SQL with the request id, the way sqlcommenter
    /// does, and logs it.
    pub fn query(order: u64) -> String {
        let sql = format!("{} SELECT * FROM orders WHERE id = {order}", sql_comment());
        tracing::info!(order, %sql, "query");
        seen("db")
    }

    fn sql_comment() -> String {
        let id = RequestCtx::request_id().unwrap_or_default();
        format!("/* request_id={id} */")
    }
}

mod audit {
    use super::seen;

    /// Runs as a child task of the request.
    pub async fn record(order: u64) -> String {
        tokio::task::yield_now().await;
        tracing::info!(order, "audit");
        seen("audit")
    }
}

/// A tracing subscriber that writes one JSON object per event, with the event's fields and
/// the `#[local(trace)]` fields at its top level, to `make_writer` (`std::io::stdout` in
/// `main`, a buffer in the tests):
///
/// `{"timestamp":"...","level":"INFO","message":"request received","order":7,"request_id":"req-7","user":"ada","admin":true,"target":"axum_request_id"}`
pub fn subscriber<W>(make_writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .map_event_format(TraceFieldsFormat::new)
        .with_writer(make_writer)
        .finish()
}

/// Binds `addr` and serves [`app`] on it in a background task.
pub async fn start(addr: &str) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        axum::serve(listener, app()).await.expect("server failed");
    });
    Ok((addr, server))
}

/// A plain HTTP/1 client (hyper), keeping connections alive between requests.
pub type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// A client whose pool keeps up to `connections` idle connections to the server.
pub fn client(connections: usize) -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build_http()
}

/// What came back for one request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The `x-request-id` response header.
    pub request_id: Option<String>,
    pub body: String,
    /// The client's end of the connection that carried it.
    pub connection: Option<SocketAddr>,
}

/// `GET http://{addr}{path}` with optional `x-request-id` and `x-user` headers.
pub async fn fetch(
    client: &HttpClient,
    addr: SocketAddr,
    path: &str,
    request_id: Option<&str>,
    user: Option<&str>,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let mut request = Request::get(format!("http://{addr}{path}"));
    if let Some(id) = request_id {
        request = request.header(REQUEST_ID, id);
    }
    if let Some(user) = user {
        request = request.header("x-user", user);
    }
    let response = client.request(request.body(Empty::new())?).await?;
    let status = response.status().as_u16();
    let connection = response
        .extensions()
        .get::<HttpInfo>()
        .map(HttpInfo::local_addr);
    let request_id = response
        .headers()
        .get(REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .map(str::to_owned);
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Reply {
        status,
        request_id,
        body: String::from_utf8(body.to_vec())?,
        connection,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing::subscriber::set_global_default(subscriber(std::io::stdout))?;
    if std::env::args().any(|arg| arg == "--serve") {
        let (addr, server) = start("127.0.0.1:3000").await?;
        println!("listening on http://{addr}/orders/7 (Ctrl-C to stop)");
        server.await?;
        return Ok(());
    }
    let (addr, server) = start("127.0.0.1:0").await?;
    println!("listening on http://{addr}\n");
    let client = client(4);
    let requests = [
        ("/orders/7", Some("req-7"), Some("ada")),
        ("/orders/8", Some("req-8"), None),
        ("/orders/9", None, Some("grace")),
        ("/orders/10/events", Some("req-10"), Some("alan")),
    ];
    for (path, id, user) in requests {
        println!("GET {path} x-request-id: {id:?} x-user: {user:?}");
        let reply = fetch(&client, addr, path, id, user).await?;
        println!(
            "=> {} x-request-id: {}",
            reply.status,
            reply.request_id.as_deref().unwrap_or("<none>")
        );
        for line in reply.body.lines() {
            println!("   {line}");
        }
        println!();
    }
    server.abort();
    Ok(())
}
