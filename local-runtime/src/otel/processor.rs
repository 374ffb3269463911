//! [`TraceFieldsProcessor`]: the `#[local(trace)]` fields as attributes of every span started
//! inside a context.

use std::time::Duration;

use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::trace_value::{TraceValue, field_key, visit_trace_values};

/// An OpenTelemetry SDK [`SpanProcessor`] that gives every span, when it starts, the
/// `#[local(trace)]` fields set in the current context as attributes, with their types:
/// integers as `i64` (a larger one as its decimal text), floats as `f64`, booleans, strings;
/// other types as their `Display` (or `Debug`) text; an `Option` field only when it is `Some`.
///
/// It sees every span the SDK starts: spans of the OpenTelemetry API, and `tracing` spans
/// exported through `tracing-opentelemetry` (which starts them when they are first entered,
/// or when they close if never entered). A span's own attribute wins over a field of the same
/// name, which is then written as `ctx.<name>` (left out if that is taken too), as in log
/// events.
///
/// Add it to the tracer provider beside the processor that exports:
///
/// ```
/// use ctxlocal::async_local;
/// use opentelemetry::trace::{Tracer, TracerProvider};
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(trace)]
///     request_id: String,
///     #[local(trace)]
///     user: Option<u64>,
/// }
///
/// let exporter = InMemorySpanExporter::default(); // e.g. an OTLP exporter
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(ctxlocal::otel::TraceFieldsProcessor::new())
///     .with_simple_exporter(exporter.clone())
///     .build();
/// let tracer = provider.tracer("app");
///
/// RequestCtx::set_request_id("req-1".into());
/// RequestCtx::set_user(Some(42));
/// tracer.in_span("checkout", |_| {});
///
/// let spans = exporter.get_finished_spans().unwrap();
/// let attributes: Vec<String> = spans[0].attributes.iter().map(|kv| format!("{kv:?}")).collect();
/// assert_eq!(
///     attributes,
///     [
///         r#"KeyValue { key: Static("request_id"), value: String(Owned("req-1")) }"#,
///         r#"KeyValue { key: Static("user"), value: I64(42) }"#,
///     ]
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct TraceFieldsProcessor {
    _private: (),
}

impl TraceFieldsProcessor {
    /// The processor.
    ///
    /// ```
    /// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
    ///     .with_span_processor(ctxlocal::otel::TraceFieldsProcessor::new())
    ///     .build();
    /// # drop(provider);
    /// ```
    pub fn new() -> Self {
        TraceFieldsProcessor { _private: () }
    }
}

impl SpanProcessor for TraceFieldsProcessor {
    fn on_start(&self, span: &mut Span, _cx: &opentelemetry::Context) {
        let mut fields = Vec::new();
        visit_trace_values(&mut |name, value| fields.push((name, attribute_value(value))));
        if fields.is_empty() {
            return;
        }
        // The span's own attributes, to keep every key once (the SDK appends, it does not
        // replace).
        let own: Vec<Key> = span
            .exported_data()
            .map(|data| data.attributes.into_iter().map(|kv| kv.key).collect())
            .unwrap_or_default();
        let mut added: Vec<&'static str> = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let key = field_key(name, |key| {
                own.iter().any(|own| own.as_str() == key) || added.contains(&key)
            });
            if let Some(key) = key {
                added.push(key);
                opentelemetry::trace::Span::set_attribute(span, KeyValue::new(key, value));
            }
        }
    }

    fn on_end(&self, _span: SpanData) {}

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// An attribute value for a traced value. OpenTelemetry has no unsigned or 128-bit integers:
/// those that fit go as `i64`, the others as their decimal text, as `tracing-opentelemetry`
/// does.
fn attribute_value(value: TraceValue<'_>) -> Value {
    let integer = |fits: Option<i64>, text: &dyn core::fmt::Display| match fits {
        Some(v) => Value::I64(v),
        None => Value::String(text.to_string().into()),
    };
    match value {
        TraceValue::I64(v) => Value::I64(v),
        TraceValue::U64(v) => integer(i64::try_from(v).ok(), &v),
        TraceValue::I128(v) => integer(i64::try_from(v).ok(), &v),
        TraceValue::U128(v) => integer(i64::try_from(v).ok(), &v),
        TraceValue::F64(v) => Value::F64(v),
        TraceValue::Bool(v) => Value::Bool(v),
        TraceValue::Str(text) | TraceValue::Text(text) => Value::String(text.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_that_do_not_fit_an_i64_go_as_text() {
        assert_eq!(attribute_value(TraceValue::U64(7)), Value::I64(7));
        assert_eq!(
            attribute_value(TraceValue::U64(u64::MAX)),
            Value::String(u64::MAX.to_string().into())
        );
        assert_eq!(attribute_value(TraceValue::I128(-3)), Value::I64(-3));
        assert_eq!(
            attribute_value(TraceValue::U128(u128::MAX)),
            Value::String(u128::MAX.to_string().into())
        );
        assert_eq!(attribute_value(TraceValue::Bool(true)), Value::Bool(true));
        assert_eq!(attribute_value(TraceValue::F64(0.5)), Value::F64(0.5));
        assert_eq!(
            attribute_value(TraceValue::Str(&"a")),
            Value::String("a".into())
        );
    }
}
