//! Tower integration (feature `tower`): each request runs in a fresh context built from it.
//!
//! ```
//! use std::convert::Infallible;
//!
//! use ctxlocal::async_local;
//! use ctxlocal::tower::ScopeLayer;
//! use tower::{Service, ServiceBuilder, ServiceExt, service_fn};
//!
//! #[async_local]
//! struct RequestCtx {
//!     request_id: String,
//! }
//!
//! async fn handler(request: http::Request<()>) -> Result<String, Infallible> {
//!     // Deep in the handler: no parameter needed.
//!     Ok(format!("{} handled {}", RequestCtx::request_id().unwrap(), request.uri()))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut service = ServiceBuilder::new()
//!     .layer(ScopeLayer::new(|request: &http::Request<()>| RequestCtx {
//!         request_id: request
//!             .headers()
//!             .get("x-request-id")
//!             .and_then(|v| v.to_str().ok())
//!             .unwrap_or("generated")
//!             .to_owned(),
//!     }))
//!     .service_fn(handler);
//! let request = http::Request::builder()
//!     .uri("/orders")
//!     .header("x-request-id", "req-7")
//!     .body(())
//!     .unwrap();
//! let response = service.ready().await.unwrap().call(request).await.unwrap();
//! assert_eq!(response, "req-7 handled /orders");
//! # }
//! ```
//!
//! With axum: `Router::new().route(..).layer(ScopeLayer::new(..))`.

use core::fmt;
use core::task::{Context as TaskCx, Poll};

use tower_layer::Layer;
use tower_service::Service;

use crate::context::{AsyncLocal, Context};
use crate::future::WithContext;

/// A [`Layer`] that runs each request in a fresh context holding the values `make` builds from
/// the request.
///
/// `make` returns an `#[async_local]` struct, or a tuple of them. The context starts empty:
/// nothing from the connection's task or from an earlier request on the same connection is
/// visible. The inner service's `call` and the future it returns both run in it, so values the
/// handler sets (the authenticated user, say) are seen by everything the request does, and by
/// nothing else.
#[derive(Clone)]
pub struct ScopeLayer<F> {
    make: F,
}

impl<F> ScopeLayer<F> {
    /// A layer that builds each request's context with `make`.
    pub fn new(make: F) -> Self {
        ScopeLayer { make }
    }
}

impl<F> fmt::Debug for ScopeLayer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeLayer").finish_non_exhaustive()
    }
}

impl<S, F: Clone> Layer<S> for ScopeLayer<F> {
    type Service = Scope<S, F>;

    fn layer(&self, inner: S) -> Scope<S, F> {
        Scope {
            inner,
            make: self.make.clone(),
        }
    }
}

/// The [`Service`] made by [`ScopeLayer`].
#[derive(Clone)]
pub struct Scope<S, F> {
    inner: S,
    make: F,
}

impl<S, F> fmt::Debug for Scope<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl<S, F, Request, T> Service<Request> for Scope<S, F>
where
    S: Service<Request>,
    F: FnMut(&Request) -> T,
    T: AsyncLocal,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = WithContext<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let context = Context::empty().with((self.make)(&request));
        let inner = &mut self.inner;
        WithContext::start(context, || inner.call(request))
    }
}
