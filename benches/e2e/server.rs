//! The server of the end-to-end bench (`benches/e2e.rs`), run in a child process of its own
//! (`<bench binary> --server bare|layer`): an axum HTTP/1 server on `127.0.0.1:0` whose one
//! route, `GET /`, answers with the request's id, taken from its `x-request-id` header.
//!
//! - `layer`: `Router::new().route("/", get(..)).layer(ScopeLayer::new(..))`; the layer parses
//!   the header into the request's context (`RequestCtx { id }`), the handler reads the field
//!   (`RequestCtx::with_id`).
//! - `bare`: the same router without the layer; the handler parses the header itself.
//!
//! Either way the same work is done per request (one header parsed, the id formatted into the
//! body); the difference is `ScopeLayer` and the field read. The runtime is tokio's
//! multi-thread one with 2 workers; connections are served by `axum::serve`, one plain tokio
//! task each. The server prints its port on stdout, then serves until it is killed or its
//! stdin closes (the parent holds the other end, so the server ends with the parent).

use std::io::Write;

use axum::Router;
use axum::extract::Request;
use axum::routing::get;
use ctxlocal::async_local;
use ctxlocal::tower::ScopeLayer;
use tokio::net::TcpListener;

/// The server's worker threads.
pub const WORKERS: usize = 2;

/// The request header that carries the id.
pub const ID_HEADER: &str = "x-request-id";

/// A server variant: with `ScopeLayer` or without.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Variant {
    Bare,
    Layer,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Variant::Bare, Variant::Layer];

    /// The name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Bare => "bare",
            Variant::Layer => "layer",
        }
    }

    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }
}

#[async_local]
struct RequestCtx {
    id: u64,
}

/// The id in the request's `x-request-id` header (0 if it is missing or not a number).
fn request_id<B>(request: &http::Request<B>) -> u64 {
    request
        .headers()
        .get(ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

/// `bare`: parses the id itself.
async fn id_from_header(request: Request) -> String {
    request_id(&request).to_string()
}

/// `layer`: reads the id from the context `ScopeLayer` made.
async fn id_from_context(_: Request) -> String {
    RequestCtx::with_id(|id| id.copied().unwrap_or(0)).to_string()
}

fn router(variant: Variant) -> Router {
    match variant {
        Variant::Bare => Router::new().route("/", get(id_from_header)),
        Variant::Layer => Router::new()
            .route("/", get(id_from_context))
            .layer(ScopeLayer::new(|request: &Request| RequestCtx {
                id: request_id(request),
            })),
    }
}

/// Serves `variant` until killed or until stdin closes; prints the port on stdout first.
pub fn serve(variant: Variant) {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("local address").port();
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{port}").expect("print the port");
        stdout.flush().expect("print the port");
        axum::serve(listener, router(variant)).await.expect("serve");
    });
}
