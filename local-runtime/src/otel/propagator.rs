//! [`FieldsPropagator`]: the `#[local(propagate)]` fields and the other baggage members, in one
//! `baggage` entry, through OpenTelemetry's `TextMapPropagator` interface.

use std::sync::OnceLock;

use opentelemetry::baggage::{Baggage as OtelBaggage, BaggageExt};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};

use crate::baggage::{Baggage, HEADER, is_propagated, with_fields};

/// An OpenTelemetry [`TextMapPropagator`] for W3C Baggage that carries the
/// `#[local(propagate)]` fields of the current context beside the members of the
/// OpenTelemetry context's baggage, so it works wherever OpenTelemetry propagators work:
/// HTTP headers, gRPC metadata, message headers.
///
/// It does what OpenTelemetry's `BaggagePropagator` does, and more, so use it instead of that
/// one, beside the others (e.g. in a `TextMapCompositePropagator` after
/// `TraceContextPropagator`):
///
/// - **inject** writes one `baggage` entry: the propagated fields set in the current ctxlocal
///   context, then the members of the OpenTelemetry context's baggage (other systems' entries,
///   with their properties) whose keys the fields do not have. It replaces a `baggage` entry an
///   earlier propagator wrote, which holds only the latter; so if you keep `BaggagePropagator`
///   in the same composite, list this one after it (listed before, its entry would be replaced
///   by one without the fields).
/// - **extract** reads every `baggage` entry with ctxlocal's parser (values with `=`, spaces
///   or percent signs arrive intact) into the returned context's baggage, the propagated keys
///   first so that OpenTelemetry's limit of 64 members never drops them. Read the fields from
///   there with [`extract`](super::extract), and the other members stay in the OpenTelemetry
///   context, to go out again with the next inject: foreign members pass through.
///
/// Encoding and limits are those of [`ctxlocal::baggage`](crate::baggage).
///
/// ```standalone_crate
/// use std::collections::HashMap;
///
/// use ctxlocal::async_local;
/// use ctxlocal::otel::FieldsPropagator;
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
///     #[local(propagate = "user.id")]
///     user: Option<u64>,
/// }
///
/// let propagator = FieldsPropagator::new();
///
/// // The server extracts an incoming request's headers (here a map)...
/// let mut incoming = HashMap::new();
/// incoming.insert("baggage".to_owned(), "request_id=r%201,user.id=42,vendor=x;ttl=3".to_owned());
/// let otel_cx = propagator.extract(&incoming);
/// let context = ctxlocal::otel::extract(&otel_cx);
/// assert_eq!(context.run(RequestCtx::request_id).as_deref(), Some("r 1"));
///
/// // ...and its outgoing calls carry the fields and the foreign member on.
/// let mut outgoing = HashMap::new();
/// context.run(|| {
///     RequestCtx::set_user(Some(7));
///     propagator.inject_context(&otel_cx, &mut outgoing);
/// });
/// assert_eq!(outgoing["baggage"], "request_id=r%201,user.id=7,vendor=x;ttl=3");
/// ```
#[derive(Clone, Debug, Default)]
pub struct FieldsPropagator {
    _private: (),
}

impl FieldsPropagator {
    /// The propagator.
    ///
    /// ```
    /// use opentelemetry::propagation::TextMapCompositePropagator;
    /// use opentelemetry_sdk::propagation::TraceContextPropagator;
    ///
    /// let propagator = TextMapCompositePropagator::new(vec![
    ///     Box::new(TraceContextPropagator::new()),
    ///     Box::new(ctxlocal::otel::FieldsPropagator::new()),
    /// ]);
    /// opentelemetry::global::set_text_map_propagator(propagator);
    /// ```
    pub fn new() -> Self {
        FieldsPropagator { _private: () }
    }
}

impl TextMapPropagator for FieldsPropagator {
    fn inject_context(&self, cx: &opentelemetry::Context, injector: &mut dyn Injector) {
        // OpenTelemetry's baggage is a map: its members go in key order, for a stable header.
        let mut theirs: Vec<_> = cx.baggage().iter().collect();
        theirs.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let mut existing = Baggage::new();
        for (key, (value, metadata)) in theirs {
            existing.push(key.as_str(), value.as_str(), metadata.as_str());
        }
        let baggage = with_fields(existing);
        if !baggage.is_empty() {
            injector.set(HEADER, baggage.to_string());
        }
    }

    fn extract_with_context(
        &self,
        cx: &opentelemetry::Context,
        extractor: &dyn Extractor,
    ) -> opentelemetry::Context {
        let Some(headers) = extractor.get_all(HEADER) else {
            return cx.clone();
        };
        let mut baggage = Baggage::new();
        for header in headers {
            baggage.extend_from(header.as_bytes());
        }
        let (ours, theirs): (Vec<_>, Vec<_>) = baggage
            .members()
            .partition(|(key, _, _)| is_propagated(key));
        let mut otel = OtelBaggage::new();
        for (key, value, properties) in ours.into_iter().chain(theirs) {
            let _ = otel.insert_with_metadata(key.to_owned(), value.to_owned(), properties);
        }
        cx.with_baggage(otel)
    }

    fn fields(&self) -> FieldIter<'_> {
        static FIELDS: OnceLock<[String; 1]> = OnceLock::new();
        FieldIter::new(FIELDS.get_or_init(|| [HEADER.to_owned()]))
    }
}
