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
use crate::thread_sensitive::give_own_thread;

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
    thread_sensitive: bool,
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
            thread_sensitive: false,
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
            thread_sensitive: false,
        }
    }
}

impl<M> ScopeLayer<M> {
    /// Runs every request in a thread-sensitive context of its own (rule TS6), as Django runs
    /// each request in an asgiref `ThreadSensitiveContext`: the request's thread-sensitive
    /// calls ([`SyncToAsync::thread_sensitive`](crate::SyncToAsync::thread_sensitive)), from
    /// the handler, its response body and the tasks it starts with this crate, all run on one
    /// sync thread of the request's, one at a time, so they share its thread-critical values
    /// (a database connection, an open transaction), and no other request sees them.
    ///
    /// The thread is taken with the request's first such call (a request that makes none
    /// costs no thread; idle threads are reused), and is released once the request's future,
    /// its body and every task that inherited its context are gone: what the request left on
    /// it (thread-critical values, its root context) is dropped on that thread first (TS5).
    ///
    /// ```
    /// use std::convert::Infallible;
    ///
    /// use ctxlocal::tower::ScopeLayer;
    /// use ctxlocal::{async_local, sync_to_async};
    /// use tower::{ServiceBuilder, ServiceExt};
    ///
    /// /// The request's database connection: one per sync thread.
    /// #[async_local(thread_critical)]
    /// struct Db {
    ///     connection: String,
    /// }
    ///
    /// #[async_local]
    /// struct RequestCtx {
    ///     user: String,
    /// }
    ///
    /// async fn handler(_: http::Request<()>) -> Result<http::Response<String>, Infallible> {
    ///     let user = RequestCtx::user().unwrap();
    ///     sync_to_async(move || Db::set_connection(format!("{user}'s connection")))
    ///         .thread_sensitive()
    ///         .await;
    ///     tokio::task::yield_now().await;
    ///     // Same request, same thread: the connection is there.
    ///     let connection = sync_to_async(Db::connection).thread_sensitive().await;
    ///     Ok(http::Response::new(connection.unwrap()))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let service = ServiceBuilder::new()
    ///     .layer(
    ///         ScopeLayer::new(|request: &http::Request<()>| RequestCtx {
    ///             user: request.uri().path().trim_start_matches('/').to_owned(),
    ///         })
    ///         .thread_sensitive(),
    ///     )
    ///     .service_fn(handler);
    /// let ask = |path| service.clone().oneshot(http::Request::get(path).body(()).unwrap());
    /// let (ann, bob) = tokio::join!(ask("/ann"), ask("/bob"));
    /// assert_eq!(ann.unwrap().into_body().into_inner(), "ann's connection");
    /// assert_eq!(bob.unwrap().into_body().into_inner(), "bob's connection");
    /// # }
    /// ```
    #[must_use = "`thread_sensitive` returns the changed layer"]
    pub fn thread_sensitive(mut self) -> Self {
        self.thread_sensitive = true;
        self
    }
}

impl<M> fmt::Debug for ScopeLayer<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeLayer")
            .field("thread_sensitive", &self.thread_sensitive)
            .finish_non_exhaustive()
    }
}

impl<S, M: Clone> Layer<S> for ScopeLayer<M> {
    type Service = Scope<S, M>;

    fn layer(&self, inner: S) -> Scope<S, M> {
        Scope {
            inner,
            make: self.make.clone(),
            thread_sensitive: self.thread_sensitive,
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
    thread_sensitive: bool,
}

impl<S, M> fmt::Debug for Scope<S, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("thread_sensitive", &self.thread_sensitive)
            .finish_non_exhaustive()
    }
}

/// A request's fresh, empty context; with a sync thread of its own for a thread-sensitive
/// layer.
fn request_context(thread_sensitive: bool) -> Context {
    let mut context = Context::empty();
    if thread_sensitive {
        give_own_thread(&mut context);
    }
    context
}

mod sealed {
    use crate::future::WithContext;

    /// How a [`super::ScopeLayer`] starts a request: builds its context and calls the inner
    /// service in it. Sealed: implemented by [`super::FromValues`] and [`super::FromInit`].
    pub trait Start<Request> {
        fn start<T>(
            &mut self,
            context: crate::context::Context,
            request: Request,
            call: impl FnOnce(Request) -> T,
        ) -> WithContext<T>;
    }
}

impl<F, T, Request> sealed::Start<Request> for FromValues<F>
where
    F: FnMut(&Request) -> T,
    T: AsyncLocal,
{
    fn start<R>(
        &mut self,
        context: Context,
        request: Request,
        call: impl FnOnce(Request) -> R,
    ) -> WithContext<R> {
        let context = context.with((self.0)(&request));
        WithContext::start(context, || call(request))
    }
}

impl<F, Request> sealed::Start<Request> for FromInit<F>
where
    F: FnMut(&Request),
{
    fn start<R>(
        &mut self,
        context: Context,
        request: Request,
        call: impl FnOnce(Request) -> R,
    ) -> WithContext<R> {
        let init = &mut self.0;
        WithContext::start(context, || {
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
        let context = request_context(self.thread_sensitive);
        ResponseFuture {
            future: self
                .make
                .start(context, request, |request| inner.call(request)),
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
