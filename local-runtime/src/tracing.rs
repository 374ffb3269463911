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
//!
//! A JSON line never has a key twice. What the formatter wrote wins: a field named like a key
//! already in the event's object (`timestamp`, `level`, `target`, `fields`, `span`, `spans`,
//! `threadName`, ..., or an event field with `flatten_event(true)`) is written as `ctx.name`
//! instead; if that key is taken too (by the formatter, or by a field of another struct with
//! the same name), the field is left out of that line. A line that is not one JSON object is
//! written unchanged.

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
/// line it writes. See the [module documentation](self) for a complete setup, and
/// [`ContextWriter::text`] and [`ContextWriter::json`].
///
/// ```
/// use ctxlocal::tracing::ContextWriter;
///
/// let subscriber = tracing_subscriber::fmt()
///     .with_writer(ContextWriter::text(std::io::stdout))
///     .finish();
/// # drop(subscriber);
/// ```
#[derive(Clone, Debug)]
pub struct ContextWriter<M> {
    inner: M,
    format: Format,
}

impl<M> ContextWriter<M> {
    /// For text output (`tracing_subscriber::fmt()`, `.compact()`, `.pretty()`): appends
    /// ` name=value` for each field before the end of the line.
    ///
    /// ```
    /// use ctxlocal::async_local;
    /// use ctxlocal::tracing::ContextWriter;
    ///
    /// #[async_local]
    /// struct RequestCtx {
    ///     #[local(trace)]
    ///     request_id: String,
    /// }
    ///
    /// # #[derive(Clone, Default)] struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    /// # impl std::io::Write for Buffer {
    /// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
    /// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    /// # }
    /// # let buffer = Buffer::default();
    /// # let stdout = { let b = buffer.clone(); move || b.clone() };
    /// let subscriber = tracing_subscriber::fmt()
    ///     .without_time()
    ///     .with_target(false)
    ///     .with_ansi(false)
    ///     .with_writer(ContextWriter::text(stdout))
    ///     .finish();
    /// tracing::subscriber::with_default(subscriber, || {
    ///     RequestCtx::set_request_id("r-1".into());
    ///     tracing::info!("hello");
    /// });
    /// # let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    /// assert_eq!(text, " INFO hello request_id=r-1\n");
    /// ```
    pub fn text(inner: M) -> Self {
        ContextWriter {
            inner,
            format: Format::Text,
        }
    }

    /// For JSON output (`tracing_subscriber::fmt().json()`): adds a `"name":"value"` key for
    /// each field to the event's object.
    ///
    /// ```
    /// use ctxlocal::async_local;
    /// use ctxlocal::tracing::ContextWriter;
    ///
    /// #[async_local]
    /// struct RequestCtx {
    ///     #[local(trace)]
    ///     request_id: String,
    /// }
    ///
    /// # #[derive(Clone, Default)] struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    /// # impl std::io::Write for Buffer {
    /// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
    /// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    /// # }
    /// # let buffer = Buffer::default();
    /// # let stdout = { let b = buffer.clone(); move || b.clone() };
    /// let subscriber = tracing_subscriber::fmt()
    ///     .json()
    ///     .without_time()
    ///     .with_writer(ContextWriter::json(stdout))
    ///     .finish();
    /// tracing::subscriber::with_default(subscriber, || {
    ///     RequestCtx::set_request_id("r-2".into());
    ///     tracing::info!("hello");
    /// });
    /// # let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    /// assert!(text.contains(r#""request_id":"r-2""#), "{text}");
    /// ```
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

/// The writer made by [`ContextWriter`] for one event: it buffers the event's line and adds the
/// fields when the line is complete.
///
/// ```
/// use tracing_subscriber::fmt::MakeWriter;
///
/// let writer = ctxlocal::tracing::ContextWriter::text(std::io::sink);
/// let line: ctxlocal::tracing::LineWriter<std::io::Sink> = writer.make_writer();
/// # drop(line);
/// ```
#[derive(Debug)]
pub struct LineWriter<W> {
    inner: W,
    format: Format,
}

impl<W: io::Write> io::Write for LineWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The formatter hands over one whole event: insert before its trailing newline (text)
        // or before the closing brace of its object (JSON; anything else is left alone rather
        // than corrupted).
        let (end, extra) = match self.format {
            Format::Text => {
                let mut extra = String::new();
                visit_trace_fields(&mut |name, value| {
                    let _ = write!(extra, " {name}={value}");
                });
                (Some(trim_end(buf, |b| b == b'\n' || b == b'\r')), extra)
            }
            Format::Json => {
                let mut fields = Vec::new();
                visit_trace_fields(&mut |name, value| fields.push((name, value.to_string())));
                // Only a line that gets fields is read for its keys.
                let keys = if fields.is_empty() {
                    None
                } else {
                    json::object_keys(buf)
                };
                match keys {
                    Some((keys, close)) => (Some(close), json_members(keys, &fields)),
                    None => (None, String::new()),
                }
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

/// `,"name":"value"` for each of `fields`, to add to an object whose top-level keys are
/// `taken`, under a key not taken yet: the field's name, else `ctx.name`, else not at all
/// (see the [module documentation](self)).
fn json_members(mut taken: Vec<String>, fields: &[(&str, String)]) -> String {
    let mut members = String::new();
    for (name, value) in fields {
        let key = if !taken.iter().any(|key| key == name) {
            (*name).to_owned()
        } else {
            let prefixed = format!("ctx.{name}");
            if taken.contains(&prefixed) {
                continue;
            }
            prefixed
        };
        if !taken.is_empty() {
            members.push(',');
        }
        members.push('"');
        let _ = JsonEscaped(&mut members).write_str(&key);
        members.push_str("\":\"");
        let _ = JsonEscaped(&mut members).write_str(value);
        members.push('"');
        taken.push(key);
    }
    members
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

/// Just enough of JSON to find the top-level keys of the object a formatter wrote.
mod json {
    /// The top-level keys of the JSON object in `line` (decoded), and the position of its
    /// closing brace; `None` if `line` is not one JSON object followed by whitespace only.
    pub(super) fn object_keys(line: &[u8]) -> Option<(Vec<String>, usize)> {
        let mut at = skip_whitespace(line, 0);
        if line.get(at) != Some(&b'{') {
            return None;
        }
        at = skip_whitespace(line, at + 1);
        let mut keys = Vec::new();
        if line.get(at) != Some(&b'}') {
            loop {
                let (key, next) = string(line, at)?;
                keys.push(key);
                at = skip_whitespace(line, next);
                if line.get(at) != Some(&b':') {
                    return None;
                }
                at = skip_whitespace(line, skip_value(line, skip_whitespace(line, at + 1))?);
                match line.get(at)? {
                    b',' => at = skip_whitespace(line, at + 1),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        (skip_whitespace(line, at + 1) == line.len()).then_some((keys, at))
    }

    fn skip_whitespace(line: &[u8], mut at: usize) -> usize {
        while line
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            at += 1;
        }
        at
    }

    /// The string starting at `at` (an opening quote), decoded, and the position after it.
    fn string(line: &[u8], at: usize) -> Option<(String, usize)> {
        if line.get(at) != Some(&b'"') {
            return None;
        }
        let mut bytes = Vec::new();
        let mut at = at + 1;
        loop {
            match *line.get(at)? {
                b'"' => return Some((String::from_utf8(bytes).ok()?, at + 1)),
                b'\\' => {
                    let escaped = match *line.get(at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let (c, next) = unicode_escape(line, at)?;
                            let mut utf8 = [0; 4];
                            bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                            at = next;
                            continue;
                        }
                        _ => return None,
                    };
                    let mut utf8 = [0; 4];
                    bytes.extend_from_slice(escaped.encode_utf8(&mut utf8).as_bytes());
                    at += 2;
                }
                b if b < 0x20 => return None,
                b => {
                    bytes.push(b);
                    at += 1;
                }
            }
        }
    }

    /// The character of the `\uXXXX` escape at `at` (with its low surrogate's escape after it,
    /// for a high surrogate), and the position after it.
    fn unicode_escape(line: &[u8], at: usize) -> Option<(char, usize)> {
        let unit = |at: usize| -> Option<u32> {
            if line.get(at..at + 2)? != b"\\u" {
                return None;
            }
            let hex = core::str::from_utf8(line.get(at + 2..at + 6)?).ok()?;
            u32::from_str_radix(hex, 16).ok()
        };
        let high = unit(at)?;
        if !(0xD800..0xDC00).contains(&high) {
            return Some((char::from_u32(high)?, at + 6));
        }
        let low = unit(at + 6)?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        Some((char::from_u32(c)?, at + 12))
    }

    /// The position after the value starting at `at`.
    fn skip_value(line: &[u8], at: usize) -> Option<usize> {
        match *line.get(at)? {
            b'"' => string(line, at).map(|(_, next)| next),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut at = at;
                loop {
                    match *line.get(at)? {
                        b'"' => {
                            at = string(line, at)?.1;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(at + 1);
                            }
                        }
                        _ => {}
                    }
                    at += 1;
                }
            }
            _ => {
                let end = line[at..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(line.len(), |len| at + len);
                (end > at).then_some(end)
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::object_keys;

        fn keys(line: &str) -> Option<Vec<String>> {
            object_keys(line.as_bytes()).map(|(keys, close)| {
                assert_eq!(&line[close..close + 1], "}");
                keys
            })
        }

        #[test]
        fn finds_the_top_level_keys_only() {
            let line = r#"{"timestamp":"t","level":"INFO","fields":{"message":"a } \" {","level":3},"spans":[{"name":"s"}],"n":-1.5e3,"ok":true,"x":null}"#;
            assert_eq!(
                keys(line).unwrap(),
                ["timestamp", "level", "fields", "spans", "n", "ok", "x"]
            );
        }

        #[test]
        fn decodes_escaped_keys() {
            let line = "{\"le\\u0076el\":1, \"a\\\"b\\\\\":2,\"\\ud83d\\ude00\":3}\n";
            assert_eq!(keys(line).unwrap(), ["level", "a\"b\\", "\u{1f600}"]);
        }

        #[test]
        fn an_empty_object_has_no_keys_and_anything_else_is_refused() {
            assert_eq!(keys(" {} \n").unwrap(), Vec::<String>::new());
            for line in [
                "",
                "not json",
                "[1]",
                "{\"a\":1} trailing",
                "{\"a\":1",
                "{\"a\" 1}",
                "{\"a\":\"unterminated}",
                "{\"a\":1,}",
                "{a:1}",
                "{\"\\ud800\":1}",
            ] {
                assert_eq!(keys(line), None, "{line:?}");
            }
        }
    }
}
