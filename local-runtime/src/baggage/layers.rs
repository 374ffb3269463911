//! Tower layers (features `baggage` and `tower`): [`ExtractLayer`] reads the `baggage` header
//! of incoming requests into their context, [`InjectLayer`] writes it into outgoing ones.

use core::task::{Context as TaskCx, Poll};

use super::*;
use crate::context::Context;
use crate::future::WithContext;
use tower_layer::Layer;
use tower_service::Service;

/// Server side: runs each request in the current context (the one a
/// [`ScopeLayer`](crate::tower::ScopeLayer) placed outside it built, or an empty one) plus
/// the propagated fields of the request's `baggage` headers.
///
/// ```
/// use ctxlocal::baggage::ExtractLayer;
/// use ctxlocal::tower::ScopeLayer;
/// # #[ctxlocal::async_local] struct RequestCtx { #[local(propagate)] user: String }
/// # let handler = tower::service_fn(|_: http::Request<()>| async { Ok::<_, std::convert::Infallible>(()) });
///
/// let service = tower::ServiceBuilder::new()
///     .layer(ScopeLayer::new(|_: &http::Request<()>| RequestCtx { user: "anonymous".into() }))
///     .layer(ExtractLayer::new()) // incoming baggage overrides the defaults above
///     .service(handler);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ExtractLayer {
    _private: (),
}

impl ExtractLayer {
    /// The layer.
    pub fn new() -> Self {
        ExtractLayer { _private: () }
    }
}

impl<S> Layer<S> for ExtractLayer {
    type Service = Extract<S>;

    fn layer(&self, inner: S) -> Extract<S> {
        Extract { inner }
    }
}

/// The [`Service`] made by [`ExtractLayer`].
#[derive(Clone, Debug)]
pub struct Extract<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for Extract<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = WithContext<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let context = extract_into(request.headers(), Context::current());
        let inner = &mut self.inner;
        WithContext::start(context, || inner.call(request))
    }
}

/// Client side: adds the propagated fields of the calling context to each outgoing
/// request's `baggage` header (see [`inject`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct InjectLayer {
    _private: (),
}

impl InjectLayer {
    /// The layer.
    pub fn new() -> Self {
        InjectLayer { _private: () }
    }
}

impl<S> Layer<S> for InjectLayer {
    type Service = Inject<S>;

    fn layer(&self, inner: S) -> Inject<S> {
        Inject { inner }
    }
}

/// The [`Service`] made by [`InjectLayer`].
#[derive(Clone, Debug)]
pub struct Inject<S> {
    inner: S,
}

impl<S, B> Service<http::Request<B>> for Inject<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> S::Future {
        inject(request.headers_mut());
        self.inner.call(request)
    }
}
