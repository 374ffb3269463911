//! What a struct with `#[local(propagate)]` fields tells the `baggage` module: its keys, and how
//! to read its fields out of the current context and into a [`Context`].
//!
//! Generated code makes one `static Propagation` per such struct and hands it to
//! `register_propagation!`, which registers it at program start (with `inventory`) when the
//! `baggage` feature is on, and does nothing otherwise.

use core::fmt;
use core::str::FromStr;

use crate::checks::{Qualifies, Unreachable, sealed};
use crate::context::Context;

/// The propagated fields of one `#[async_local]` struct.
#[doc(hidden)]
pub struct Propagation {
    /// The baggage keys of its `#[local(propagate)]` fields.
    pub keys: &'static [&'static str],
    /// Calls `put(key, text)` for each propagated field set in the current context.
    pub inject: fn(put: &mut dyn FnMut(&'static str, String)),
    /// Sets, in `context`, each propagated field whose key `source` has and whose text parses.
    pub extract: fn(context: &mut Context, source: &dyn Lookup),
}

/// Where extraction finds the text of a key (a parsed baggage list).
#[doc(hidden)]
pub trait Lookup {
    /// The text for `key`, if present.
    fn lookup(&self, key: &str) -> Option<&str>;
}

impl fmt::Debug for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Propagation")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// Types a `#[local(propagate)]` field may have: they go to text with `Display` and come back
/// with `FromStr`. (`Option<T>` fields need this of `T`; `None` is simply not sent.) Implemented
/// twice so that a type missing both traits gets one error (see `checks`).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be propagated as baggage: it needs `Display` and `FromStr`",
    label = "not `Display + FromStr`",
    note = "propagated values travel as text; implement both traits (so that parsing the \
            displayed text gives the value back), or do not mark the field `propagate`"
)]
pub trait Propagatable<Via>: fmt::Display + FromStr {}

impl<T: fmt::Display + FromStr> Propagatable<Qualifies> for T {}

impl<T: fmt::Display + FromStr + sealed::Never> Propagatable<Unreachable> for T {}

/// Proof that `T` may be propagated, carrying its conversions to and from text. Generated code
/// makes one per propagated field, as a `const` spanned at the field's type, so that a type
/// without `Display` or `FromStr` gets exactly one error, there; injecting and extracting only
/// use the proof, and add no bound of their own.
#[doc(hidden)]
pub struct TextProof<T> {
    to_text: fn(&T) -> String,
    from_text: fn(&str) -> Option<T>,
}

impl<T> TextProof<T> {
    /// Only compiles for propagatable types.
    #[allow(clippy::new_without_default)]
    pub const fn new<Via>() -> Self
    where
        T: Propagatable<Via>,
    {
        TextProof {
            to_text: to_text::<T>,
            from_text: from_text::<T>,
        }
    }

    /// The text `value` travels as.
    pub fn to_text(&self, value: &T) -> String {
        (self.to_text)(value)
    }

    /// The value `text` stands for, if it parses.
    pub fn from_text(&self, text: &str) -> Option<T> {
        (self.from_text)(text)
    }
}

impl<T> fmt::Debug for TextProof<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TextProof")
    }
}

fn to_text<T: fmt::Display>(value: &T) -> String {
    value.to_string()
}

fn from_text<T: FromStr>(text: &str) -> Option<T> {
    text.parse().ok()
}

/// Registers a [`Propagation`] for the `baggage` module (at program start). Used by generated
/// code; expands to nothing without the `baggage` feature.
#[cfg(feature = "baggage")]
#[doc(hidden)]
#[macro_export]
macro_rules! register_propagation {
    ($propagation:expr) => {
        $crate::__private::inventory::submit! { $propagation }
    };
}

/// Registers a [`Propagation`] for the `baggage` module (at program start). Used by generated
/// code; expands to nothing without the `baggage` feature.
#[cfg(not(feature = "baggage"))]
#[doc(hidden)]
#[macro_export]
macro_rules! register_propagation {
    ($propagation:expr) => {};
}

#[cfg(feature = "baggage")]
inventory::collect!(Propagation);

/// Every registered [`Propagation`].
#[cfg(feature = "baggage")]
pub(crate) fn registered() -> impl Iterator<Item = &'static Propagation> {
    inventory::iter::<Propagation>.into_iter()
}
