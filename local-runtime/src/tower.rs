//! Tower integration (feature `tower`): each HTTP request, and its response body, runs in a
//! fresh context built from the request.
//!
//! ```
//! use std::convert::Infallible;
//!
//! use ctxlocal::async_local;
//! use ctxlocal::tower::ScopeLayer;
//! use tower::{Service, ServiceBuilder, ServiceExt};
//!
//! #[async_local]
//! struct RequestCtx {
//!     request_id: String,
//! }
//!
//! async fn handler(request: http::Request<()>) -> Result<http::Response<String>, Infallible> {
//!     // Deep in the handler: no parameter needed.
//!     let text = format!("{} handled {}", RequestCtx::request_id().unwrap(), request.uri());
//!     Ok(http::Response::new(text))
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
//! // The body is wrapped: it is polled in the request's context too.
//! assert_eq!(response.into_body().into_inner(), "req-7 handled /orders");
//! # }
//! ```
//!
//! With axum: `Router::new().route(..).layer(ScopeLayer::new(..))`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll, ready};

use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::context::{AsyncLocal, Context};
use crate::future::WithContext;

/// A [`Layer`] that runs each request in a fresh context built from it, and wraps the response
/// body so that it is polled (and dropped) in that context too (rule E2).
///
/// The context starts empty: nothing from the connection's task or from an earlier request on
/// the same connection is visible. The inner service's `call`, the future it returns, and the
/// response body (a stream, server-sent events, a file) that the server polls after the
/// handler returned all run in it, so values the handler sets (the authenticated user, say)
/// are seen by everything the request does, and by nothing else. The body continues with the
/// values as the handler left them: a private snapshot, so its own writes stay in it.
///
/// Two ways to build the context:
///
/// - [`ScopeLayer::new`]: `make` returns an `#[async_local]` struct (or a tuple of them) and
///   every field is set;
/// - [`ScopeLayer::init`]: `init` runs in the fresh context and sets the fields it wants with
///   the generated setters; the others stay unset (`is_*_set()` is false, reads give `None` or
///   the declared default).
///
/// The service's responses must be `http::Response<B>`; it returns
/// `http::Response<WithContext<B>>`, which is a `http_body::Body` whenever `B` is one (axum,
/// hyper and tonic accept it as is). Requests may be of any type.
///
/// ```
/// use ctxlocal::async_local;
/// use ctxlocal::tower::ScopeLayer;
///
/// #[async_local]
/// struct RequestCtx {
///     request_id: String,
/// }
///
/// let service = tower::ServiceBuilder::new()
///     .layer(ScopeLayer::new(|_: &http::Request<()>| RequestCtx {
///         request_id: "generated".into(),
///     }))
///     .service_fn(|_: http::Request<()>| async {
///         Ok::<_, std::convert::Infallible>(http::Response::new(RequestCtx::request_id()))
///     });
/// # let _ = service;
/// ```
#[derive(Clone)]
pub struct ScopeLayer<M> {
    make: M,
}

/// How a [`ScopeLayer`] built with [`ScopeLayer::new`] makes a request's context: from the
/// struct (or tuple of structs) that the closure returns.
///
/// ```
/// use ctxlocal::tower::{FromValues, ScopeLayer};
/// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
///
/// let layer: ScopeLayer<FromValues<_>> = ScopeLayer::new(|_: &http::Request<()>| RequestCtx { id: 1 });
/// # let _ = layer;
/// ```
#[derive(Clone)]
pub struct FromValues<F>(F);

/// How a [`ScopeLayer`] built with [`ScopeLayer::init`] makes a request's context: by running
/// the closure in a fresh, empty context.
///
/// ```
/// use ctxlocal::tower::{FromInit, ScopeLayer};
/// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
///
/// let layer: ScopeLayer<FromInit<_>> = ScopeLayer::init(|_: &http::Request<()>| RequestCtx::set_id(1));
/// # let _ = layer;
/// ```
#[derive(Clone)]
pub struct FromInit<F>(F);

impl<F> ScopeLayer<FromValues<F>> {
    /// A layer that builds each request's context from the value `make` returns for it: an
    /// `#[async_local]` struct or a tuple of them, with every field set.
    ///
    /// ```
    /// use ctxlocal::async_local;
    /// use ctxlocal::tower::ScopeLayer;
    ///
    /// #[async_local]
    /// struct RequestCtx {
    ///     path: String,
    /// }
    ///
    /// let layer = ScopeLayer::new(|request: &http::Request<()>| RequestCtx {
    ///     path: request.uri().path().to_owned(),
    /// });
    /// # let _ = layer;
    /// ```
    pub fn new(make: F) -> Self {
        ScopeLayer {
            make: FromValues(make),
        }
    }
}

impl<F> ScopeLayer<FromInit<F>> {
    /// A layer that builds each request's context by running `init` in it: the context starts
    /// empty, `init` sets what it wants (with the generated `set_*` accessors, or
    /// `value.set()`), and fields it leaves alone stay unset.
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use ctxlocal::async_local;
    /// use ctxlocal::tower::ScopeLayer;
    /// use tower::{ServiceBuilder, ServiceExt};
    ///
    /// #[async_local]
    /// struct RequestCtx {
    ///     request_id: String,
    ///     #[local(default = 3)]
    ///     retries: u32,
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let service = ServiceBuilder::new()
    ///     .layer(ScopeLayer::init(|request: &http::Request<()>| {
    ///         // Only requests that bring an id get one.
    ///         if let Some(id) = request.headers().get("x-request-id") {
    ///             RequestCtx::set_request_id(id.to_str().unwrap().to_owned());
    ///         }
    ///     }))
    ///     .service_fn(|_: http::Request<()>| async {
    ///         let seen = (RequestCtx::is_request_id_set(), RequestCtx::retries());
    ///         Ok::<_, Infallible>(http::Response::new(seen))
    ///     });
    /// let anonymous = http::Request::new(());
    /// let response = service.oneshot(anonymous).await.unwrap();
    /// assert_eq!(response.into_body().into_inner(), (false, 3));
    /// # }
    /// ```
    pub fn init(init: F) -> Self {
        ScopeLayer {
            make: FromInit(init),
        }
    }
}

impl<M> fmt::Debug for ScopeLayer<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeLayer").finish_non_exhaustive()
    }
}

impl<S, M: Clone> Layer<S> for ScopeLayer<M> {
    type Service = Scope<S, M>;

    fn layer(&self, inner: S) -> Scope<S, M> {
        Scope {
            inner,
            make: self.make.clone(),
        }
    }
}

/// The [`Service`] made by [`ScopeLayer`].
///
/// ```
/// use ctxlocal::tower::{Scope, ScopeLayer};
/// use tower::Layer;
/// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
///
/// let handler = tower::service_fn(|_: http::Request<()>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(RequestCtx::id()))
/// });
/// let service: Scope<_, _> = ScopeLayer::new(|_: &http::Request<()>| RequestCtx { id: 1 }).layer(handler);
/// # let _ = service;
/// ```
#[derive(Clone)]
pub struct Scope<S, M> {
    inner: S,
    make: M,
}

impl<S, M> fmt::Debug for Scope<S, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

mod sealed {
    use crate::future::WithContext;

    /// How a [`super::ScopeLayer`] starts a request: builds its context and calls the inner
    /// service in it. Sealed: implemented by [`super::FromValues`] and [`super::FromInit`].
    pub trait Start<Request> {
        fn start<T>(&mut self, request: Request, call: impl FnOnce(Request) -> T)
        -> WithContext<T>;
    }
}

impl<F, T, Request> sealed::Start<Request> for FromValues<F>
where
    F: FnMut(&Request) -> T,
    T: AsyncLocal,
{
    fn start<R>(&mut self, request: Request, call: impl FnOnce(Request) -> R) -> WithContext<R> {
        let context = Context::empty().with((self.0)(&request));
        WithContext::start(context, || call(request))
    }
}

impl<F, Request> sealed::Start<Request> for FromInit<F>
where
    F: FnMut(&Request),
{
    fn start<R>(&mut self, request: Request, call: impl FnOnce(Request) -> R) -> WithContext<R> {
        let init = &mut self.0;
        WithContext::start(Context::empty(), || {
            init(&request);
            call(request)
        })
    }
}

impl<S, M, Request, B> Service<Request> for Scope<S, M>
where
    S: Service<Request, Response = http::Response<B>>,
    M: sealed::Start<Request>,
{
    type Response = http::Response<WithContext<B>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let inner = &mut self.inner;
        ResponseFuture {
            future: self.make.start(request, |request| inner.call(request)),
        }
    }
}

pin_project! {
    /// The future of a [`Scope`]: the inner service's future in the request's context; its
    /// response's body continues in that context.
    ///
    /// ```
    /// use ctxlocal::tower::ScopeLayer;
    /// use tower::{Layer, Service, ServiceExt};
    /// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handler = tower::service_fn(|_: http::Request<()>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(RequestCtx::id()))
    /// });
    /// let mut service = ScopeLayer::new(|_: &http::Request<()>| RequestCtx { id: 4 }).layer(handler);
    /// let future: ctxlocal::tower::ResponseFuture<_> =
    ///     service.ready().await.unwrap().call(http::Request::new(()));
    /// assert_eq!(future.await.unwrap().into_body().into_inner(), Some(4));
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ResponseFuture<F> {
        #[pin]
        future: WithContext<F>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = Result<http::Response<WithContext<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Self::Output> {
        let mut future = self.project().future;
        let result = ready!(future.as_mut().poll(cx));
        // The handler's future has completed (and was dropped in its context): the body goes
        // on with the values as the handler left them.
        let context = future.context_now();
        Poll::Ready(result.map(|response| response.map(|body| WithContext::new(context, body))))
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
