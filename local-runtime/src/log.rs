//! Logging with the `log` crate (feature `log`): the `#[local(trace)]` fields as key-values of
//! every record (rule O5).
//!
//! [`TraceFieldsLogger`] wraps any [`log::Log`] (`env_logger`, `fern`, `log4rs`, a JSON
//! logger, ...): each record emitted inside a context reaches it with the `#[local(trace)]`
//! fields set there added to its key-values, with their types (integers, floats, booleans,
//! strings; other types as their `Display` or `Debug` text). Loggers that write key-values
//! (`env_logger` with its `kv` feature, structured loggers) then show them on every line.
//!
//! Names follow the rule of the `tracing` integration: a record's own
//! key-value wins over a field of the same name, which is then written as `ctx.<name>` (left
//! out if that is taken too).

use ::log::kv::{self, Key, Source, Value, VisitSource};
use ::log::{Log, Metadata, Record};

use crate::trace_value::{TraceValue, field_key, visit_trace_values};

/// A [`log::Log`] that adds the `#[local(trace)]` fields of the current context to each
/// record's key-values before handing it to the logger it wraps.
///
/// ```
/// use std::sync::Mutex;
///
/// use ctxlocal::async_local;
/// use ctxlocal::log::TraceFieldsLogger;
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(trace)]
///     request_id: String,
///     #[local(trace)]
///     user: Option<u64>,
/// }
///
/// /// Stands for `env_logger` & co: writes `message key=value...`.
/// #[derive(Default)]
/// struct Lines(Mutex<Vec<String>>);
///
/// impl log::Log for Lines {
///     fn enabled(&self, _: &log::Metadata<'_>) -> bool {
///         true
///     }
///     fn log(&self, record: &log::Record<'_>) {
///         struct Pairs(String);
///         impl<'kvs> log::kv::VisitSource<'kvs> for Pairs {
///             fn visit_pair(&mut self, key: log::kv::Key<'kvs>, value: log::kv::Value<'kvs>) -> Result<(), log::kv::Error> {
///                 // `to_u64` works because the value is still a number:
///                 let shown = value.to_u64().map_or(format!("{value:?}"), |n| format!("{n}u64"));
///                 self.0 += &format!(" {key}={shown}");
///                 Ok(())
///             }
///         }
///         let mut pairs = Pairs(record.args().to_string());
///         record.key_values().visit(&mut pairs).unwrap();
///         self.0.lock().unwrap().push(pairs.0);
///     }
///     fn flush(&self) {}
/// }
///
/// static LOGGER: std::sync::OnceLock<TraceFieldsLogger<Lines>> = std::sync::OnceLock::new();
/// let logger = LOGGER.get_or_init(|| TraceFieldsLogger::new(Lines::default()));
/// log::set_logger(logger).unwrap();
/// log::set_max_level(log::LevelFilter::Info);
///
/// RequestCtx::set_request_id("req-1".into());
/// RequestCtx::set_user(Some(42));
/// log::info!(order = 7; "order placed");
/// assert_eq!(
///     logger.inner().0.lock().unwrap()[0],
///     r#"order placed order=7u64 request_id="req-1" user=42u64"#
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct TraceFieldsLogger<L> {
    inner: L,
}

impl<L> TraceFieldsLogger<L> {
    /// Wraps `logger`.
    ///
    /// ```
    /// use ctxlocal::log::TraceFieldsLogger;
    ///
    /// # struct NoLogger;
    /// # impl log::Log for NoLogger {
    /// #     fn enabled(&self, _: &log::Metadata<'_>) -> bool { false }
    /// #     fn log(&self, _: &log::Record<'_>) {}
    /// #     fn flush(&self) {}
    /// # }
    /// # let logger = NoLogger;
    /// // e.g. `env_logger::Builder::from_default_env().build()`:
    /// let wrapped = TraceFieldsLogger::new(logger);
    /// log::set_boxed_logger(Box::new(wrapped)).unwrap();
    /// log::set_max_level(log::LevelFilter::Info);
    /// ```
    pub fn new(logger: L) -> Self {
        TraceFieldsLogger { inner: logger }
    }

    /// The wrapped logger.
    ///
    /// ```
    /// use ctxlocal::log::TraceFieldsLogger;
    ///
    /// # #[derive(Debug, PartialEq)] struct NoLogger(u8);
    /// let wrapped = TraceFieldsLogger::new(NoLogger(1));
    /// assert_eq!(wrapped.inner(), &NoLogger(1));
    /// ```
    pub fn inner(&self) -> &L {
        &self.inner
    }
}

impl<L: Log> Log for TraceFieldsLogger<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        let mut fields = Vec::new();
        visit_trace_values(&mut |name, value| fields.push((name, Owned::of(value))));
        if fields.is_empty() {
            return self.inner.log(record);
        }
        let own = record.key_values();
        let mut added: Vec<(&'static str, Owned)> = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let key = field_key(name, |key| {
                own.get(Key::from_str(key)).is_some() || added.iter().any(|(a, _)| *a == key)
            });
            if let Some(key) = key {
                added.push((key, value));
            }
        }
        let source = WithFields { own, added: &added };
        self.inner
            .log(&record.to_builder().key_values(&source).build());
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// A field's value, owned for the time of one record.
enum Owned {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Str(String),
    Text(String),
}

impl Owned {
    fn of(value: TraceValue<'_>) -> Owned {
        match value {
            TraceValue::I64(v) => Owned::I64(v),
            TraceValue::U64(v) => Owned::U64(v),
            TraceValue::I128(v) => Owned::I128(v),
            TraceValue::U128(v) => Owned::U128(v),
            TraceValue::F64(v) => Owned::F64(v),
            TraceValue::Bool(v) => Owned::Bool(v),
            TraceValue::Str(text) => Owned::Str(text.to_string()),
            TraceValue::Text(text) => Owned::Text(text.to_string()),
        }
    }

    fn to_value(&self) -> Value<'_> {
        match self {
            Owned::I64(v) => Value::from(*v),
            Owned::U64(v) => Value::from(*v),
            Owned::I128(v) => Value::from(*v),
            Owned::U128(v) => Value::from(*v),
            Owned::F64(v) => Value::from(*v),
            Owned::Bool(v) => Value::from(*v),
            Owned::Str(text) => Value::from(text.as_str()),
            Owned::Text(text) => Value::from_display(text),
        }
    }
}

/// A record's own key-values, then the fields.
struct WithFields<'a> {
    own: &'a dyn Source,
    added: &'a [(&'static str, Owned)],
}

impl Source for WithFields<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        self.own.visit(visitor)?;
        for (key, value) in self.added {
            visitor.visit_pair(Key::from_str(key), value.to_value())?;
        }
        Ok(())
    }
}
