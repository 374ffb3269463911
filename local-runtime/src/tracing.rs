//! Logging with `tracing` (feature `tracing`): `#[local(trace)]` fields on every log line.
//!
//! [`ContextWriter`] wraps the writer of a `tracing_subscriber::fmt` subscriber. Each event,
//! when it is written, gets the `#[local(trace)]` fields set in the context it was emitted in,
//! with their value at that moment: appended as ` name=value` to a text line, or as
//! `"name":"value"` keys to a JSON object. Nothing is passed around; it works with every
//! formatter option (ANSI colours, targets, spans, timers) because it only adds to the line.
//! This is the Rust counterpart of django-log-request-id's logging filter.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//!
//! use ctxlocal::async_local;
//! use ctxlocal::tracing::ContextWriter;
//!
//! #[async_local]
//! struct RequestCtx {
//!     #[local(trace)]
//!     request_id: String,
//!     #[local(trace)]
//!     user: Option<u64>,
//! }
//!
//! # #[derive(Clone, Default)] struct Buffer(Arc<Mutex<Vec<u8>>>);
//! # impl std::io::Write for Buffer {
//! #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
//! #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
//! # }
//! # let buffer = Buffer::default();
//! # let stdout = { let b = buffer.clone(); move || b.clone() };
//! let subscriber = tracing_subscriber::fmt()
//!     .without_time()
//!     .with_target(false)
//!     .with_ansi(false)
//!     .with_writer(ContextWriter::text(stdout)) // e.g. `std::io::stdout`
//!     .finish();
//! tracing::subscriber::with_default(subscriber, || {
//!     RequestCtx::set_request_id("req-1".into());
//!     RequestCtx::set_user(Some(42));
//!     tracing::info!(order = 7, "order placed");
//! });
//! # let output = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
//! assert_eq!(
//!     output,
//!     " INFO order placed order=7 request_id=req-1 user=42\n"
//! );
//! ```
//!
//! For JSON: `tracing_subscriber::fmt().json().with_writer(ContextWriter::json(std::io::stdout))`
//! gives `{..., "fields":{...}, "request_id":"req-1", "user":"42"}`. Values are written with
//! `Display` where the field type has it, `Debug` otherwise; an `Option` field shows its value
//! when it is `Some` and is left out when it is `None`; in JSON values are strings.

use core::fmt::{self, Write as _};
use std::io;

use tracing_subscriber::fmt::MakeWriter;

use crate::hooks::visit_trace_fields;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

/// A `MakeWriter` that adds the `#[local(trace)]` fields of the current context to each log
/// line it writes. See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct ContextWriter<M> {
    inner: M,
    format: Format,
}

impl<M> ContextWriter<M> {
    /// For text output (`tracing_subscriber::fmt()`, `.compact()`, `.pretty()`): appends
    /// ` name=value` for each field before the end of the line.
    pub fn text(inner: M) -> Self {
        ContextWriter {
            inner,
            format: Format::Text,
        }
    }

    /// For JSON output (`tracing_subscriber::fmt().json()`): adds a `"name":"value"` key for
    /// each field to the event's object.
    pub fn json(inner: M) -> Self {
        ContextWriter {
            inner,
            format: Format::Json,
        }
    }
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for ContextWriter<M> {
    type Writer = LineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            inner: self.inner.make_writer(),
            format: self.format,
        }
    }

    fn make_writer_for(&'a self, meta: &tracing_core::Metadata<'_>) -> Self::Writer {
        LineWriter {
            inner: self.inner.make_writer_for(meta),
            format: self.format,
        }
    }
}

/// The writer made by [`ContextWriter`] for one event.
#[derive(Debug)]
pub struct LineWriter<W> {
    inner: W,
    format: Format,
}

impl<W: io::Write> io::Write for LineWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut extra = String::new();
        visit_trace_fields(&mut |name, value| match self.format {
            Format::Text => {
                let _ = write!(extra, " {name}={value}");
            }
            Format::Json => {
                extra.push_str(",\"");
                let _ = JsonEscaped(&mut extra).write_str(name);
                extra.push_str("\":\"");
                let _ = write!(JsonEscaped(&mut extra), "{value}");
                extra.push('"');
            }
        });
        // The formatter hands over one whole event: insert before its trailing newline (text)
        // or before the closing brace of its object (JSON; anything else is left alone rather
        // than corrupted).
        let end = match self.format {
            Format::Text => Some(trim_end(buf, |b| b == b'\n' || b == b'\r')),
            Format::Json => {
                let len = trim_end(buf, |b| b.is_ascii_whitespace());
                buf[..len].ends_with(b"}").then(|| len - 1)
            }
        };
        match end {
            Some(end) if !extra.is_empty() => {
                let mut line = Vec::with_capacity(buf.len() + extra.len());
                line.extend_from_slice(&buf[..end]);
                line.extend_from_slice(extra.as_bytes());
                line.extend_from_slice(&buf[end..]);
                self.inner.write_all(&line)?;
            }
            _ => self.inner.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Length of `buf` without its trailing bytes that match `strip`.
fn trim_end(buf: &[u8], strip: impl Fn(u8) -> bool) -> usize {
    buf.iter().rposition(|&b| !strip(b)).map_or(0, |i| i + 1)
}

/// Writes text into a JSON string literal (without the quotes), escaping as it goes.
struct JsonEscaped<'a>(&'a mut String);

impl fmt::Write for JsonEscaped<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                '\t' => self.0.push_str("\\t"),
                c if (c as u32) < 0x20 => write!(self.0, "\\u{:04x}", c as u32)?,
                c => self.0.push(c),
            }
        }
        Ok(())
    }
}
