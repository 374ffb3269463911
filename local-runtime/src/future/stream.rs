//! [`WithContext`] as a `futures` [`Stream`] and [`Sink`] (feature `futures`): each call that
//! drives the inner stream or sink runs in the carried context.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};

use futures_core::{FusedFuture, FusedStream, Stream};
use futures_sink::Sink;

use super::WithContext;

/// Each item is produced in the carried context.
///
/// ```
/// use ctxlocal::{ContextExt, async_local};
/// use futures::StreamExt;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// Request::set_id(7);
/// // Items are made lazily, when polled: with the wrapper, they still see the request.
/// let items = futures::stream::iter(0..3)
///     .map(|n| (n, Request::id()))
///     .in_current_context();
/// Request::set_id(8);
/// let seen: Vec<_> = items.collect().await;
/// assert_eq!(seen, [(0, Some(7)), (1, Some(7)), (2, Some(7))]);
/// # }
/// ```
impl<S: Stream> Stream for WithContext<S> {
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Option<S::Item>> {
        self.in_context_pinned(|stream| stream.poll_next(cx))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner_ref().map_or((0, Some(0)), Stream::size_hint)
    }
}

impl<S: FusedStream> FusedStream for WithContext<S> {
    fn is_terminated(&self) -> bool {
        self.inner_ref().is_none_or(FusedStream::is_terminated)
    }
}

/// A future is dropped, in its context, as soon as it completes: from then on it is terminated.
impl<F: Future> FusedFuture for WithContext<F> {
    fn is_terminated(&self) -> bool {
        self.inner_ref().is_none()
    }
}

/// Each call that drives the sink (readiness, sending, flushing, closing) runs in the carried
/// context.
///
/// ```
/// use std::convert::Infallible;
/// use std::pin::pin;
/// use std::sync::{Arc, Mutex};
///
/// use ctxlocal::{ContextExt, async_local};
/// use futures::SinkExt;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let log = Arc::new(Mutex::new(Vec::new()));
/// Request::set_id(7);
/// // A sink that tags each line with the request it writes for, when it writes it.
/// let mut sink = pin!(
///     futures::sink::unfold(log.clone(), |log, line: &str| async move {
///         log.lock().unwrap().push(format!("{line} [{:?}]", Request::id()));
///         Ok::<_, Infallible>(log)
///     })
///     .in_current_context()
/// );
/// Request::set_id(8);
/// sink.send("hello").await.unwrap();
/// assert_eq!(*log.lock().unwrap(), ["hello [Some(7)]"]);
/// # }
/// ```
impl<S: Sink<Item>, Item> Sink<Item> for WithContext<S> {
    type Error = S::Error;

    #[inline]
    fn poll_ready(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.in_context_pinned(|sink| sink.poll_ready(cx))
    }

    #[inline]
    fn start_send(self: Pin<&mut Self>, item: Item) -> Result<(), S::Error> {
        self.in_context_pinned(|sink| sink.start_send(item))
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.in_context_pinned(|sink| sink.poll_flush(cx))
    }

    #[inline]
    fn poll_close(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Result<(), S::Error>> {
        self.in_context_pinned(|sink| sink.poll_close(cx))
    }
}
