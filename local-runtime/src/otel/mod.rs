//! OpenTelemetry (feature `opentelemetry`): the propagated fields through OpenTelemetry's
//! propagators, the trace fields as span attributes, and spawned work that stays in the
//! current OpenTelemetry context.
//!
//! - [`FieldsPropagator`] is a `TextMapPropagator` for W3C Baggage that carries the
//!   `#[local(propagate)]` fields together with the other members of the baggage (rule O4):
//!   use it in place of OpenTelemetry's `BaggagePropagator`, beside `TraceContextPropagator`,
//!   over HTTP headers, gRPC metadata or message headers. On the receiving side, [`extract`]
//!   turns the extracted OpenTelemetry context into the ctxlocal context to serve the request
//!   in.
//! - [`TraceFieldsProcessor`] is a `SpanProcessor` that gives every span started inside a
//!   context the `#[local(trace)]` fields as attributes (rule O2), for spans of the
//!   OpenTelemetry API and `tracing` spans exported with `tracing-opentelemetry` alike.
//! - [`spawn`](crate::spawn), [`spawn_local`](crate::spawn_local),
//!   [`spawn_blocking`](crate::spawn_blocking) and [`thread::spawn`](crate::thread::spawn)
//!   attach the OpenTelemetry context current where they are called to the work they start
//!   (rule O3), so spans started there are children of the current span, and its baggage
//!   (foreign members included) goes out with the child's requests.
//!
//! A server, with the propagator as OpenTelemetry's global one:
//!
//! ```standalone_crate
//! use std::collections::HashMap;
//!
//! use ctxlocal::async_local;
//! use opentelemetry::propagation::TextMapCompositePropagator;
//! use opentelemetry::trace::TraceContextExt;
//! use opentelemetry_sdk::propagation::TraceContextPropagator;
//!
//! #[async_local]
//! struct RequestCtx {
//!     #[local(propagate)]
//!     request_id: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
//!     Box::new(TraceContextPropagator::new()),
//!     Box::new(ctxlocal::otel::FieldsPropagator::new()),
//! ]));
//!
//! // The headers of an incoming request (`opentelemetry-http`'s `HeaderExtractor` reads an
//! // `http::HeaderMap` the same way):
//! let mut headers = HashMap::new();
//! headers.insert("traceparent".to_owned(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned());
//! headers.insert("baggage".to_owned(), "request_id=r-1,vendor=x".to_owned());
//!
//! let otel_cx = opentelemetry::global::get_text_map_propagator(|p| p.extract(&headers));
//! let handler = async {
//!     // Inside: the request's fields, and its trace.
//!     let id = RequestCtx::request_id();
//!     let trace_id = opentelemetry::Context::current().span().span_context().trace_id();
//!     (id, trace_id.to_string())
//! };
//! let (id, trace_id) = ctxlocal::otel::extract(&otel_cx)
//!     .scope(opentelemetry::context::FutureExt::with_context(handler, otel_cx.clone()))
//!     .await;
//! assert_eq!(id.as_deref(), Some("r-1"));
//! assert_eq!(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
//! # }
//! ```

mod processor;
mod propagator;

use opentelemetry::baggage::{Baggage as OtelBaggage, BaggageExt};

use crate::baggage::extract_from;
use crate::context::Context;
use crate::propagation::Lookup;

pub use processor::TraceFieldsProcessor;
pub use propagator::FieldsPropagator;

/// A context holding the propagated fields found in the baggage of the OpenTelemetry context
/// `cx` (nothing else), typically one that a propagator extracted from a request. See
/// [`extract_into`] to add them to an existing context.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [`baggage` module documentation](crate::baggage)).
///
/// ```standalone_crate
/// use ctxlocal::async_local;
/// use opentelemetry::KeyValue;
/// use opentelemetry::baggage::BaggageExt;
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate = "user.id", default)]
///     user: Option<u64>,
/// }
///
/// let otel_cx = opentelemetry::Context::new().with_baggage([KeyValue::new("user.id", "42")]);
/// let context = ctxlocal::otel::extract(&otel_cx);
/// assert_eq!(context.run(RequestCtx::user), Some(42));
/// ```
pub fn extract(cx: &opentelemetry::Context) -> Context {
    extract_into(cx, Context::empty())
}

/// `context` with the propagated fields found in the baggage of the OpenTelemetry context `cx`
/// set (fields that are absent, or whose text does not parse, keep what `context` has).
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [`baggage` module documentation](crate::baggage)).
///
/// ```standalone_crate
/// use ctxlocal::async_local;
/// use opentelemetry::KeyValue;
/// use opentelemetry::baggage::BaggageExt;
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     tenant: String,
///     attempt: u32, // local only
/// }
///
/// RequestCtx::set_attempt(2);
/// let otel_cx = opentelemetry::Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
/// let context = ctxlocal::otel::extract_into(&otel_cx, ctxlocal::Context::current());
/// let seen = context.run(|| (RequestCtx::tenant(), RequestCtx::attempt()));
/// assert_eq!(seen, (Some("acme".to_owned()), Some(2)));
/// ```
pub fn extract_into(cx: &opentelemetry::Context, context: Context) -> Context {
    extract_from(&OtelLookup(cx.baggage()), context)
}

struct OtelLookup<'a>(&'a OtelBaggage);

impl Lookup for OtelLookup<'_> {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|value| value.as_str())
    }
}
