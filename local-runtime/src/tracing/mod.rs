//! Logging with `tracing` (feature `tracing`): the `#[local(trace)]` fields on every event, and
//! spans that follow tasks.
//!
//! # Fields on every event
//!
//! [`TraceFieldsFormat`] wraps the event formatter of a `tracing_subscriber::fmt` subscriber
//! or layer (its `FormatEvent`, the extension point `tracing-subscriber` offers for this). For
//! each event it adds the `#[local(trace)]` fields set in the context the event is emitted in,
//! with their value at that moment, to the event itself, then lets the formatter write it.
//! Nothing is passed around, and the formatter's own settings apply: text, `compact()`,
//! `pretty()` or `json()`, with `flatten_event`, `with_current_span`, `with_span_list`,
//! targets, timers, ANSI colours.
//!
//! ```
//! use ctxlocal::async_local;
//! use ctxlocal::tracing::TraceFieldsFormat;
//!
//! #[async_local]
//! struct RequestCtx {
//!     #[local(trace)]
//!     request_id: String,
//!     #[local(trace)]
//!     user: Option<u64>,
//!     #[local(trace)]
//!     admin: bool,
//! }
//!
//! # let (writer, output) = support::buffer();
//! let subscriber = tracing_subscriber::fmt()
//!     .without_time()
//!     .with_target(false)
//!     .with_ansi(false)
//!     .map_event_format(TraceFieldsFormat::new)
//!     .with_writer(writer) // e.g. `std::io::stdout`
//!     .finish();
//! tracing::subscriber::with_default(subscriber, || {
//!     RequestCtx::set_request_id("req-1".into());
//!     RequestCtx::set_user(Some(42));
//!     tracing::info!(order = 7, "order placed");
//! });
//! assert_eq!(
//!     output(),
//!     r#" INFO order placed order=7 request_id="req-1" user=42"#
//! );
//! # mod support {
//! #     use std::sync::{Arc, Mutex};
//! #     #[derive(Clone, Default)] pub struct Buffer(Arc<Mutex<Vec<u8>>>);
//! #     impl std::io::Write for Buffer {
//! #         fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
//! #         fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! #     }
//! #     pub fn buffer() -> (impl Fn() -> Buffer + Send + Sync + 'static, impl Fn() -> String) {
//! #         let buffer = Buffer::default();
//! #         let read = buffer.clone();
//! #         (move || buffer.clone(), move || String::from_utf8(read.0.lock().unwrap().clone()).unwrap().trim_end().to_owned())
//! #     }
//! # }
//! ```
//!
//! With `.json()` the same event is
//! `{"level":"INFO","fields":{"message":"order placed","order":7,"request_id":"req-1","user":42}}`:
//! each value keeps its type, as if the log call had written it:
//!
//! - integers (`i8` to `u128`, `usize`, `NonZero`) are numbers, floats are numbers, `bool` is a
//!   boolean, string types (`String`, `&str`, `Box<str>`, `Arc<str>`, `Cow<str>`, `char`) are
//!   strings; other types are strings too, their `Display` text, or `Debug` without `Display`;
//! - an `Option` field appears when it is `Some`, and is left out when it is `None` or unset.
//!
//! ## When names clash
//!
//! An event never gets a key twice. What the event and the formatter write win:
//!
//! 1. a context field named like one of the event's own fields (`tracing::info!(user = 1)`),
//!    or like a key the formatter writes beside them (`message`, `timestamp`, `level`,
//!    `target`, `fields`, `filename`, `line_number`, `span`, `spans`, `threadName`,
//!    `threadId`: with `flatten_event(true)` the fields share the object with those), is
//!    written as `ctx.<name>`;
//! 2. if that is taken too (by the event, or by a field of the same name in another struct,
//!    whose structs come in the order they were first written), the field is left out of that
//!    event.
//!
//! # Spans that follow tasks
//!
//! With this feature, [`spawn`](crate::spawn), [`spawn_local`](crate::spawn_local),
//! [`spawn_blocking`](crate::spawn_blocking) and [`thread::spawn`](crate::thread::spawn) also
//! carry the current span: the child runs inside the span that was current where it was
//! spawned (and under that span's subscriber), so its events and spans belong to the same
//! trace, as with [`tracing::Instrument`](https://docs.rs/tracing/latest/tracing/trait.Instrument.html).
//!
//! # OpenTelemetry
//!
//! To export the fields as span attributes, see `ctxlocal::otel` (feature `opentelemetry`).

mod captured;
mod format;
mod shape;

pub use format::TraceFieldsFormat;
