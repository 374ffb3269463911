//! [`WithContext`] as an [`http_body::Body`] (feature `tower`): each frame is produced in the
//! carried context. `tower::ScopeLayer` wraps response bodies this way, so a body streamed
//! after the handler returned still sees the request's values (rule E2).

use core::pin::Pin;
use core::task::{Context as TaskCx, Poll};

use http_body::{Body, Frame, SizeHint};

use super::WithContext;

/// Each frame is produced in the carried context; the body is dropped in it too.
///
/// ```
/// use ctxlocal::{ContextExt, async_local};
/// use futures::StreamExt;
/// use http_body_util::{BodyExt, StreamBody};
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// Request::set_id(7);
/// // A streamed body whose chunks are made when the server polls it, after the handler returned.
/// let chunks = futures::stream::iter(0..2).map(|n| {
///     let chunk = format!("chunk {n} of request {:?}\n", Request::id());
///     Ok::<_, std::convert::Infallible>(http_body::Frame::data(bytes::Bytes::from(chunk)))
/// });
/// let body = StreamBody::new(chunks).in_current_context();
/// Request::set_id(8);
/// let text = BodyExt::collect(body).await.unwrap().to_bytes();
/// assert_eq!(text, "chunk 0 of request Some(7)\nchunk 1 of request Some(7)\n");
/// # }
/// ```
impl<B: Body> Body for WithContext<B> {
    type Data = B::Data;
    type Error = B::Error;

    #[inline]
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskCx<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.in_context_pinned(|body| body.poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}
