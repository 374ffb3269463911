//! The shape of an event once the context's fields are added to it: a [`Metadata`] like the
//! event's own, whose field set is the event's fields followed by the context fields. An
//! event's metadata must be `'static`, so each shape is made once per (callsite, names of the
//! context fields present) and kept for the life of the program, as callsites are: there are
//! as many as the program has event sites times the combinations of traced fields they log.
//!
//! Events that the `tracing-log` bridge made from `log` records carry their real target and
//! location in `log.*` fields, which formatters read back only from the bridge's own callsites
//! (`NormalizeEvent`). Their shape takes the target and location from those fields instead
//! (one shape per `log` call site) and leaves the `log.*` fields out, as the formatters do.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use tracing_core::callsite::{Callsite, Identifier};
use tracing_core::field::FieldSet;
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;
use tracing_core::{Metadata, identify_callsite};

use super::captured::Captured;

/// An event's metadata with context fields added.
pub(super) struct Shape {
    pub(super) metadata: &'static Metadata<'static>,
    /// Indices, in the original event's field set, of the fields kept (in order); the context
    /// fields follow them.
    pub(super) kept: Box<[usize]>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    callsite: Identifier,
    location: Option<LogLocation>,
    added: Box<[&'static str]>,
}

/// Where a `log` record came from, as the `tracing-log` bridge records it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct LogLocation {
    target: String,
    module_path: Option<String>,
    file: Option<String>,
    line: Option<u32>,
}

const LOG_FIELDS: [&str; 4] = ["log.target", "log.module_path", "log.file", "log.line"];

impl LogLocation {
    /// The location of a `tracing-log` event (target `log`, with a `log.target` field).
    pub(super) fn of(metadata: &Metadata<'_>, values: &[Option<Captured>]) -> Option<Self> {
        if metadata.target() != "log" {
            return None;
        }
        let fields = metadata.fields();
        let value = |name: &str| {
            let field = fields.field(name)?;
            values.get(field.index())?.as_ref()
        };
        let text = |name: &str| value(name).and_then(Captured::as_str).map(str::to_owned);
        Some(LogLocation {
            target: text("log.target")?,
            module_path: text("log.module_path"),
            file: text("log.file"),
            line: value("log.line")
                .and_then(Captured::as_u64)
                .and_then(|line| u32::try_from(line).ok()),
        })
    }
}

/// The shape of events of `metadata` (from `location` if it came from `log`) with the context
/// fields `added` after their own (names already free of clashes, see `format`).
pub(super) fn shape(
    metadata: &'static Metadata<'static>,
    location: Option<LogLocation>,
    added: &[&'static str],
) -> &'static Shape {
    thread_local! {
        static SEEN: RefCell<HashMap<Key, &'static Shape>> = RefCell::new(HashMap::new());
    }
    static ALL: Mutex<Option<HashMap<Key, &'static Shape>>> = Mutex::new(None);

    let key = Key {
        callsite: metadata.callsite(),
        location,
        added: added.into(),
    };
    let seen = SEEN
        .try_with(|seen| seen.borrow().get(&key).copied())
        .ok()
        .flatten();
    if let Some(shape) = seen {
        return shape;
    }
    let shape = *ALL
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(HashMap::new)
        .entry(key.clone())
        .or_insert_with(|| make(metadata, key.location.as_ref(), added));
    let _ = SEEN.try_with(|seen| seen.borrow_mut().insert(key, shape));
    shape
}

/// The callsite of a shape: it exists to give the shape's field set an identity of its own;
/// it is never registered, so no subscriber is ever asked about it.
struct ShapeCallsite(OnceLock<&'static Metadata<'static>>);

impl Callsite for ShapeCallsite {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        self.0
            .get()
            .expect("a shape's metadata is set before the shape is used")
    }
}

fn make(
    metadata: &'static Metadata<'static>,
    location: Option<&LogLocation>,
    added: &[&'static str],
) -> &'static Shape {
    let fields = metadata.fields();
    let kept: Box<[usize]> = fields
        .iter()
        .filter(|field| location.is_none() || !LOG_FIELDS.contains(&field.name()))
        .map(|field| field.index())
        .collect();
    let names: Vec<&'static str> = kept
        .iter()
        .map(|&index| fields.iter().nth(index).map_or("", |field| field.name()))
        .chain(added.iter().copied())
        .collect();
    let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
    let callsite: &'static ShapeCallsite = Box::leak(Box::new(ShapeCallsite(OnceLock::new())));
    let leak = |text: &str| -> &'static str { Box::leak(text.into()) };
    let (target, module_path, file, line) = match location {
        Some(location) => (
            leak(&location.target),
            location.module_path.as_deref().map(leak),
            location.file.as_deref().map(leak),
            location.line,
        ),
        None => (
            metadata.target(),
            metadata.module_path(),
            metadata.file(),
            metadata.line(),
        ),
    };
    let shaped: &'static Metadata<'static> = Box::leak(Box::new(Metadata::new(
        metadata.name(),
        target,
        *metadata.level(),
        file,
        line,
        module_path,
        FieldSet::new(names, identify_callsite!(callsite)),
        Kind::EVENT,
    )));
    let _ = callsite.0.set(shaped);
    Box::leak(Box::new(Shape {
        metadata: shaped,
        kept,
    }))
}
