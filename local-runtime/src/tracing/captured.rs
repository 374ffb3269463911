//! Field values copied out of an event, so that they can be recorded again into the event
//! that carries the `#[local(trace)]` fields too, each with the `Visit` method it came with.

use core::fmt;
use std::error::Error;

use tracing_core::field::{self, DisplayValue, Field, Value, Visit};

use crate::trace_value::TraceValue;

/// One field's value, owned.
pub(super) enum Captured {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    /// Recorded with `record_str`.
    Str(String),
    /// Recorded with `record_bytes`.
    Bytes(Box<[u8]>),
    /// Recorded with `record_debug`: the text it showed, recorded the same way again.
    Text(DisplayValue<String>),
    /// Recorded with `record_error`: the error's messages and sources, as an error again.
    Error(Box<dyn Error + Send + Sync>),
}

impl Captured {
    /// A context field's value.
    pub(super) fn of(value: TraceValue<'_>) -> Captured {
        match value {
            TraceValue::I64(v) => Captured::I64(v),
            TraceValue::U64(v) => Captured::U64(v),
            TraceValue::I128(v) => Captured::I128(v),
            TraceValue::U128(v) => Captured::U128(v),
            TraceValue::F64(v) => Captured::F64(v),
            TraceValue::Bool(v) => Captured::Bool(v),
            TraceValue::Str(text) => Captured::Str(text.to_string()),
            TraceValue::Text(text) => Captured::Text(field::display(text.to_string())),
        }
    }

    pub(super) fn as_value(&self) -> &dyn Value {
        match self {
            Captured::I64(v) => v,
            Captured::U64(v) => v,
            Captured::I128(v) => v,
            Captured::U128(v) => v,
            Captured::F64(v) => v,
            Captured::Bool(v) => v,
            Captured::Str(v) => v,
            Captured::Bytes(v) => v,
            Captured::Text(v) => v,
            Captured::Error(v) => v,
        }
    }

    /// The text of a value recorded with `record_str`.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Captured::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The value of an unsigned integer.
    pub(super) fn as_u64(&self) -> Option<u64> {
        match *self {
            Captured::U64(v) => Some(v),
            Captured::I64(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }
}

/// Copies every recorded field of an event, by field index.
pub(super) struct Capture(pub(super) Vec<Option<Captured>>);

impl Capture {
    pub(super) fn new(fields: usize) -> Self {
        Capture((0..fields).map(|_| None).collect())
    }

    fn put(&mut self, field: &Field, value: Captured) {
        if let Some(slot) = self.0.get_mut(field.index()) {
            *slot = Some(value);
        }
    }
}

impl Visit for Capture {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Captured::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Captured::U64(value));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.put(field, Captured::I128(value));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.put(field, Captured::U128(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Captured::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Captured::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Captured::Str(value.to_owned()));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.put(field, Captured::Bytes(value.into()));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.put(field, Captured::Error(Box::new(CapturedError::of(value))));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Captured::Text(field::display(format!("{value:?}"))));
    }
}

/// An error as it was recorded: its `Display` and `Debug` text and its chain of sources.
struct CapturedError {
    display: String,
    debug: String,
    source: Option<Box<CapturedError>>,
}

impl CapturedError {
    fn of(error: &(dyn Error + 'static)) -> Self {
        CapturedError {
            display: error.to_string(),
            debug: format!("{error:?}"),
            source: error
                .source()
                .map(|source| Box::new(CapturedError::of(source))),
        }
    }
}

impl fmt::Display for CapturedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for CapturedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl Error for CapturedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn Error + 'static))
    }
}
