//! [`TraceFieldsFormat`]: the `FormatEvent` wrapper that hands the formatter each event with
//! the context's `#[local(trace)]` fields added to it.

use core::fmt;

use tracing_core::field::Value;
use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::captured::{Capture, Captured};
use super::shape::{LogLocation, shape};
use crate::trace_value::{field_key, visit_trace_values};

/// Keys that `tracing-subscriber`'s formatters write beside an event's fields (at the top level
/// of a JSON object, where `flatten_event(true)` puts the fields too), and `message`, the
/// event's own text. A context field with one of these names is written as `ctx.<name>`.
pub(super) const FORMATTER_KEYS: [&str; 11] = [
    "message",
    "timestamp",
    "level",
    "target",
    "fields",
    "filename",
    "line_number",
    "span",
    "spans",
    "threadName",
    "threadId",
];

/// A [`FormatEvent`] that gives every event the `#[local(trace)]` fields set in the context it
/// is emitted in, then formats it with the formatter it wraps: text, JSON, compact, pretty or
/// your own, with all its settings.
///
/// The fields are added to the event itself, as if the log call had written them, so the
/// formatter writes them with their types (`user=42` and `"user":42`, strings quoted as the
/// formatter quotes them) and escapes them itself. See the [module documentation](crate::tracing) for
/// which key wins when names clash.
///
/// Wrap a formatter with [`map_event_format`](tracing_subscriber::fmt::SubscriberBuilder::map_event_format)
/// (on `tracing_subscriber::fmt()` or `fmt::layer()`), so that its settings stay as configured:
///
/// ```
/// use ctxlocal::async_local;
/// use ctxlocal::tracing::TraceFieldsFormat;
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(trace)]
///     request_id: String,
///     #[local(trace)]
///     user: Option<u64>,
/// }
///
/// # let (writer, output) = support::buffer();
/// let subscriber = tracing_subscriber::fmt()
///     .json()
///     .flatten_event(true)
///     .without_time()
///     .with_target(false)
///     .map_event_format(TraceFieldsFormat::new)
///     .with_writer(writer) // e.g. `std::io::stdout`
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     RequestCtx::set_request_id("req-1".into());
///     RequestCtx::set_user(Some(42));
///     tracing::info!(order = 7, "order placed");
/// });
/// assert_eq!(
///     output(),
///     r#"{"level":"INFO","message":"order placed","order":7,"request_id":"req-1","user":42}"#
/// );
/// # mod support {
/// #     use std::sync::{Arc, Mutex};
/// #     #[derive(Clone, Default)] pub struct Buffer(Arc<Mutex<Vec<u8>>>);
/// #     impl std::io::Write for Buffer {
/// #         fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
/// #         fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// #     }
/// #     pub fn buffer() -> (impl Fn() -> Buffer + Send + Sync + 'static, impl Fn() -> String) {
/// #         let buffer = Buffer::default();
/// #         let read = buffer.clone();
/// #         (move || buffer.clone(), move || String::from_utf8(read.0.lock().unwrap().clone()).unwrap().trim_end().to_owned())
/// #     }
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TraceFieldsFormat<E> {
    inner: E,
}

impl<E> TraceFieldsFormat<E> {
    /// Wraps the formatter `inner`.
    ///
    /// ```
    /// use ctxlocal::tracing::TraceFieldsFormat;
    /// use tracing_subscriber::fmt::format;
    ///
    /// // The default text format, with the fields at the end of each line:
    /// let subscriber = tracing_subscriber::fmt()
    ///     .event_format(TraceFieldsFormat::new(format().with_target(false)))
    ///     .finish();
    /// # drop(subscriber);
    /// ```
    pub fn new(inner: E) -> Self {
        TraceFieldsFormat { inner }
    }

    /// The wrapped formatter.
    ///
    /// ```
    /// use ctxlocal::tracing::TraceFieldsFormat;
    ///
    /// let format = TraceFieldsFormat::new(tracing_subscriber::fmt::format().compact());
    /// let _compact: &tracing_subscriber::fmt::format::Format<_> = format.inner();
    /// ```
    pub fn inner(&self) -> &E {
        &self.inner
    }
}

impl<S, N, E> FormatEvent<S, N> for TraceFieldsFormat<E>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    E: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        with_trace_fields(event, |event| self.inner.format_event(ctx, writer, event))
    }
}

/// Calls `f` with `event` plus the `#[local(trace)]` fields of the current context (or with
/// `event` itself when there are none), under keys that clash with nothing the event or the
/// formatter writes.
pub(super) fn with_trace_fields<R>(event: &Event<'_>, f: impl FnOnce(&Event<'_>) -> R) -> R {
    let mut context = Vec::new();
    visit_trace_values(&mut |name, value| context.push((name, Captured::of(value))));
    if context.is_empty() {
        return f(event);
    }
    let metadata = event.metadata();
    let fields = metadata.fields();
    let mut capture = Capture::new(fields.len());
    event.record(&mut capture);
    let location = LogLocation::of(metadata, &capture.0);

    let mut added: Vec<&'static str> = Vec::with_capacity(context.len());
    let mut added_values = Vec::with_capacity(context.len());
    for (name, value) in context {
        let key = field_key(name, |key| {
            fields.field(key).is_some() || FORMATTER_KEYS.contains(&key) || added.contains(&key)
        });
        if let Some(key) = key {
            added.push(key);
            added_values.push(value);
        }
    }
    let shape = shape(metadata, location, &added);
    let values: Vec<Option<&dyn Value>> = shape
        .kept
        .iter()
        .map(|&index| capture.0[index].as_ref().map(Captured::as_value))
        .chain(added_values.iter().map(|value| Some(value.as_value())))
        .collect();
    let value_set = shape.metadata.fields().value_set_all(&values);
    let shaped = if event.is_contextual() {
        Event::new(shape.metadata, &value_set)
    } else {
        Event::new_child_of(event.parent().cloned(), shape.metadata, &value_set)
    };
    f(&shaped)
}
