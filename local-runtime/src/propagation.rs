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
    /// The struct's path, `module::Struct`, for messages.
    pub owner: &'static str,
    /// Its `#[local(propagate)]` fields.
    pub fields: &'static [PropagatedField],
    /// Calls `put(key, text)` for each propagated field set in the current context.
    pub inject: fn(put: &mut dyn FnMut(&'static str, String)),
    /// Sets, in `context`, each propagated field whose key `source` has and whose text parses.
    pub extract: fn(context: &mut Context, source: &dyn Lookup),
}

/// One `#[local(propagate)]` field.
#[doc(hidden)]
#[derive(Debug)]
pub struct PropagatedField {
    /// The baggage key it travels under.
    pub key: &'static str,
    /// The field's name (without `r#`).
    pub field: &'static str,
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
            .field("owner", &self.owner)
            .field("fields", &self.fields)
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

/// Every registered [`Propagation`], checked on first use.
///
/// # Panics
///
/// If two fields are propagated under one baggage key (see [`duplicate_keys`]): on every call,
/// the first one included. Two fields of one struct are a compile error; fields of different
/// structs, possibly in different crates, meet only here, in the program's registry.
#[cfg(feature = "baggage")]
pub(crate) fn registered() -> &'static [&'static Propagation] {
    static REGISTERED: std::sync::OnceLock<Result<Vec<&'static Propagation>, String>> =
        std::sync::OnceLock::new();
    let registered = REGISTERED.get_or_init(|| {
        let all: Vec<&'static Propagation> = inventory::iter::<Propagation>.into_iter().collect();
        match duplicate_keys(&all) {
            Some(message) => Err(message),
            None => Ok(all),
        }
    });
    match registered {
        Ok(all) => all,
        Err(message) => panic!("{message}"),
    }
}

/// A message naming every baggage key that two fields are propagated under, with both fields
/// and how to fix it; `None` if every key has one field. Otherwise one struct's value would
/// arrive in the other's field, in every service that has both.
#[cfg_attr(not(feature = "baggage"), allow(dead_code))]
fn duplicate_keys(all: &[&Propagation]) -> Option<String> {
    let mut fields: Vec<(&str, String)> = all
        .iter()
        .flat_map(|propagation| {
            propagation.fields.iter().map(|field| {
                (
                    field.key,
                    format!("`{}::{}`", propagation.owner, field.field),
                )
            })
        })
        .collect();
    // By key, then by field: the same message whatever the registration order.
    fields.sort();
    let mut message = String::new();
    for pair in fields.windows(2) {
        let [(key, first), (other_key, second)] = pair else {
            continue;
        };
        if key != other_key {
            continue;
        }
        if message.is_empty() {
            message.push_str("ctxlocal::baggage: two fields are propagated under one key, so a value sent for one would arrive in the other:");
        }
        message.push_str(&format!("\n  key `{key}`: {first} and {second}"));
    }
    if message.is_empty() {
        return None;
    }
    message.push_str(
        "\ngive one of each pair its own key, e.g. `#[local(propagate = \"other-key\")]`",
    );
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn propagation(owner: &'static str, fields: &'static [PropagatedField]) -> Propagation {
        Propagation {
            owner,
            fields,
            inject: |_| {},
            extract: |_, _| {},
        }
    }

    #[test]
    fn distinct_keys_are_accepted() {
        let a = propagation(
            "app::A",
            &[PropagatedField {
                key: "id",
                field: "id",
            }],
        );
        let b = propagation(
            "app::B",
            &[PropagatedField {
                key: "user",
                field: "id",
            }],
        );
        assert_eq!(duplicate_keys(&[&a, &b]), None);
    }

    #[test]
    fn a_shared_key_is_reported_with_both_fields_whatever_the_order() {
        let a = propagation(
            "app::Tenant",
            &[PropagatedField {
                key: "tenant",
                field: "name",
            }],
        );
        let b = propagation(
            "billing::Billing",
            &[
                PropagatedField {
                    key: "plan",
                    field: "plan",
                },
                PropagatedField {
                    key: "tenant",
                    field: "account",
                },
            ],
        );
        let message = duplicate_keys(&[&a, &b]).unwrap();
        assert_eq!(duplicate_keys(&[&b, &a]).as_ref(), Some(&message));
        assert!(
            message.contains("key `tenant`: `app::Tenant::name` and `billing::Billing::account`"),
            "{message}"
        );
        assert!(!message.contains("`plan`"), "{message}");
        assert!(message.contains("propagate = \"other-key\""), "{message}");
    }
}
