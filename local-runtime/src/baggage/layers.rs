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
/// # let handler = tower::service_fn(|_: http::Request<()>| async {
/// #     Ok::<_, std::convert::Infallible>(http::Response::new(()))
/// # });
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
    ///
    /// ```
    /// let layer = ctxlocal::baggage::ExtractLayer::new();
    /// let service = tower::ServiceBuilder::new()
    ///     .layer(layer)
    ///     .service_fn(|_: http::Request<()>| async { Ok::<_, std::convert::Infallible>(()) });
    /// # let _ = service;
    /// ```
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
///
/// ```standalone_crate
/// use ctxlocal::async_local;
/// use ctxlocal::baggage::ExtractLayer;
/// use tower::{Layer, ServiceExt};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let handler = tower::service_fn(|_: http::Request<()>| async {
///     Ok::<_, std::convert::Infallible>(RequestCtx::request_id())
/// });
/// let service = ExtractLayer::new().layer(handler);
/// let request = http::Request::builder().header("baggage", "request_id=r-9").body(()).unwrap();
/// assert_eq!(service.oneshot(request).await.unwrap().as_deref(), Some("r-9"));
/// # }
/// ```
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
///
/// ```standalone_crate
/// use ctxlocal::async_local;
/// use ctxlocal::baggage::InjectLayer;
/// use tower::{Layer, ServiceExt};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A stand-in for an HTTP client: answers with the baggage it was sent.
/// let client = tower::service_fn(|request: http::Request<()>| async move {
///     Ok::<_, std::convert::Infallible>(request.headers()["baggage"].clone())
/// });
/// RequestCtx::set_request_id("r-5".into());
/// let sent = InjectLayer::new().layer(client).oneshot(http::Request::new(())).await.unwrap();
/// assert_eq!(sent, "request_id=r-5");
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct InjectLayer {
    _private: (),
}

impl InjectLayer {
    /// The layer.
    ///
    /// ```
    /// let layer = ctxlocal::baggage::InjectLayer::new();
    /// let client = tower::ServiceBuilder::new()
    ///     .layer(layer)
    ///     .service_fn(|_: http::Request<()>| async { Ok::<_, std::convert::Infallible>(()) });
    /// # let _ = client;
    /// ```
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

/// The [`Service`] made by [`InjectLayer`]; see [`InjectLayer`] for an example.
///
/// ```
/// use tower::Layer;
///
/// let client = tower::service_fn(|_: http::Request<()>| async { Ok::<_, std::io::Error>(()) });
/// let _service: ctxlocal::baggage::Inject<_> = ctxlocal::baggage::InjectLayer::new().layer(client);
/// ```
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
