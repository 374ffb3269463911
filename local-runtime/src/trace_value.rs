//! How a `#[local(trace)]` value reaches a log event: with its type when it is a number, a
//! boolean or a string, so that a JSON line or an OpenTelemetry attribute keeps it; as text
//! otherwise, with `Display` when its type has it and `Debug` if not.
//!
//! Generated code hands each value to [`Trace::visit_trace`], which calls the struct's visitor
//! with `(name, &dyn Display)` (the signature generated code names). The type travels beside
//! it: `visit_trace` knows the concrete type, records its [`Kind`] in a thread-local for the
//! duration of that one call, and [`visit_trace_values`] reads it back inside the visitor.
//! Integrations use [`visit_trace_values`]; the plain text route ([`visit_trace_fields`])
//! still works and ignores the kind.

use core::any::Any;
use core::cell::Cell;
use core::fmt;

use crate::hooks::visit_trace_fields;

/// A `#[local(trace)]` value on its way to a log event; shown with `Display` if its type has
/// it, else with `Debug`, picked at compile time. Generated code calls
/// `(&Trace(value)).visit_trace(..)` with both traits in scope, and method resolution tries,
/// in this order: the `Display` impl (on `Trace`, by reference), the `Debug` impl (on
/// `&Trace`, by reference), then the inherent method (on `Trace`, by value), whose bound no
/// type meets: a type with neither trait gets one error naming it, from [`Traceable`].
#[doc(hidden)]
pub struct Trace<'a, T: ?Sized>(pub &'a T);

impl<T: ?Sized> Clone for Trace<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Trace<'_, T> {}

impl<T: ?Sized> Trace<'_, T> {
    /// Reached only for a type with neither `Display` nor `Debug`; never compiles.
    pub fn visit_trace(
        self,
        _name: &'static str,
        _visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) where
        T: Traceable,
    {
    }
}

mod sealed {
    /// Implemented by no type, and sealed so that none ever is.
    pub trait Never {}
}

/// What a `#[local(trace)]` field's type lacks when it has neither `Display` nor `Debug`.
/// Implemented by no type.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be traced: a `#[local(trace)]` field needs `Display` or `Debug`",
    label = "needs `Display` or `Debug`",
    note = "log events show the field's value with `Display`, or `Debug` if it has no \
            `Display`; implement or derive one of them, or do not mark the field `trace`"
)]
pub trait Traceable: sealed::Never {}

/// Shows a traced value with `Display`.
#[doc(hidden)]
pub trait TraceDisplay {
    /// Calls `visit(name, value)`.
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    );
}

// Field types are sized and `'static` (the macro requires both), which lets the kind be read
// with `Any`; a type that were not would fall through to the `Debug` impl below.
impl<T: fmt::Display + Any> TraceDisplay for Trace<'_, T> {
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) {
        with_kind(Kind::of(self.0), || visit(name, &self.0));
    }
}

/// Shows a traced value with `Debug`, for types without `Display`.
#[doc(hidden)]
pub trait TraceDebug {
    /// Calls `visit(name, value)`.
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    );
}

impl<T: core::fmt::Debug + ?Sized> TraceDebug for &Trace<'_, T> {
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) {
        struct AsDebug<'a, T: ?Sized>(&'a T);
        impl<T: core::fmt::Debug + ?Sized> core::fmt::Display for AsDebug<'_, T> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                self.0.fmt(f)
            }
        }
        with_kind(Kind::Text, || visit(name, &AsDebug(self.0)));
    }
}

// === impl Kind ===

/// The type of a traced value, as integrations record it, with the value itself when it is a
/// number or a boolean (for a string or text, the `&dyn Display` beside it is the value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    /// A string type (`String`, `&str`, `Box<str>`, `Arc<str>`, `Cow<str>`, `char`).
    Str,
    /// Any other type: its `Display` text, or its `Debug` text if it has no `Display`.
    Text,
}

impl Kind {
    fn of<T: Any>(value: &T) -> Kind {
        use std::borrow::Cow;
        use std::num::NonZero;
        use std::sync::Arc;

        let any: &dyn Any = value;
        // One `TypeId` comparison per candidate, resolved at compile time once inlined.
        macro_rules! kinds {
            ($($ty:ty => $kind:expr),* $(,)?) => {
                $(if let Some(&value) = any.downcast_ref::<$ty>() {
                    #[allow(clippy::redundant_closure_call)]
                    return $kind(value);
                })*
            };
        }
        kinds! {
            i8 => |v| Kind::I64(i64::from(v)),
            i16 => |v| Kind::I64(i64::from(v)),
            i32 => |v| Kind::I64(i64::from(v)),
            i64 => Kind::I64,
            isize => |v: isize| Kind::I64(v as i64),
            u8 => |v| Kind::U64(u64::from(v)),
            u16 => |v| Kind::U64(u64::from(v)),
            u32 => |v| Kind::U64(u64::from(v)),
            u64 => Kind::U64,
            usize => |v: usize| Kind::U64(v as u64),
            i128 => Kind::I128,
            u128 => Kind::U128,
            NonZero<i32> => |v: NonZero<i32>| Kind::I64(i64::from(v.get())),
            NonZero<i64> => |v: NonZero<i64>| Kind::I64(v.get()),
            NonZero<u32> => |v: NonZero<u32>| Kind::U64(u64::from(v.get())),
            NonZero<u64> => |v: NonZero<u64>| Kind::U64(v.get()),
            NonZero<usize> => |v: NonZero<usize>| Kind::U64(v.get() as u64),
            // Through its shortest text, so that `0.1f32` is `0.1`, not `0.100000001490116`.
            f32 => |v: f32| Kind::F64(v.to_string().parse().unwrap_or(f64::from(v))),
            f64 => Kind::F64,
            bool => Kind::Bool,
            char => |_| Kind::Str,
            &'static str => |_| Kind::Str,
        }
        let string = any.is::<String>()
            || any.is::<Box<str>>()
            || any.is::<Arc<str>>()
            || any.is::<Cow<'static, str>>();
        if string { Kind::Str } else { Kind::Text }
    }
}

thread_local! {
    /// The kind of the value being visited, while `visit_trace` calls the visitor.
    static VISITING: Cell<Option<Kind>> = const { Cell::new(None) };
}

/// Runs `visit` with `kind` recorded as the kind of the value it is given, and restores what
/// was recorded before (also on panic), so nested visits see their own.
fn with_kind(kind: Kind, visit: impl FnOnce()) {
    struct Restore(Option<Kind>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = VISITING.try_with(|cell| cell.set(self.0));
        }
    }
    // During thread-local destruction there is nowhere to record it: the value is then shown
    // as text.
    let previous = VISITING
        .try_with(|cell| cell.replace(Some(kind)))
        .ok()
        .flatten();
    let _restore = Restore(previous);
    visit();
}

// === impl TraceValue ===

/// A `#[local(trace)]` value as integrations receive it.
#[derive(Clone, Copy)]
pub(crate) enum TraceValue<'a> {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    /// A string; its text is the value.
    Str(&'a dyn fmt::Display),
    /// A value of another type, as text (`Display`, else `Debug`).
    Text(&'a dyn fmt::Display),
}

impl fmt::Debug for TraceValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceValue::I64(v) => write!(f, "I64({v})"),
            TraceValue::U64(v) => write!(f, "U64({v})"),
            TraceValue::I128(v) => write!(f, "I128({v})"),
            TraceValue::U128(v) => write!(f, "U128({v})"),
            TraceValue::F64(v) => write!(f, "F64({v:?})"),
            TraceValue::Bool(v) => write!(f, "Bool({v})"),
            TraceValue::Str(v) => write!(f, "Str({:?})", v.to_string()),
            TraceValue::Text(v) => write!(f, "Text({:?})", v.to_string()),
        }
    }
}

impl fmt::Display for TraceValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceValue::I64(v) => v.fmt(f),
            TraceValue::U64(v) => v.fmt(f),
            TraceValue::I128(v) => v.fmt(f),
            TraceValue::U128(v) => v.fmt(f),
            TraceValue::F64(v) => v.fmt(f),
            TraceValue::Bool(v) => v.fmt(f),
            TraceValue::Str(v) | TraceValue::Text(v) => v.fmt(f),
        }
    }
}

/// Calls `visit(name, value)` for every `#[local(trace)]` field set in the current context,
/// across all structs, in registration order, each value with its type.
#[cfg_attr(
    not(any(feature = "tracing", feature = "log", feature = "opentelemetry", test)),
    allow(dead_code)
)]
pub(crate) fn visit_trace_values(visit: &mut dyn FnMut(&'static str, TraceValue<'_>)) {
    visit_trace_fields(&mut |name, text| {
        let kind = VISITING.try_with(Cell::get).ok().flatten();
        let value = match kind {
            Some(Kind::I64(v)) => TraceValue::I64(v),
            Some(Kind::U64(v)) => TraceValue::U64(v),
            Some(Kind::I128(v)) => TraceValue::I128(v),
            Some(Kind::U128(v)) => TraceValue::U128(v),
            Some(Kind::F64(v)) => TraceValue::F64(v),
            Some(Kind::Bool(v)) => TraceValue::Bool(v),
            Some(Kind::Str) => TraceValue::Str(text),
            Some(Kind::Text) | None => TraceValue::Text(text),
        };
        visit(name, value);
    });
}

/// The key a `#[local(trace)]` field named `name` is written under, in a log event or span
/// whose keys `taken` tells: the field's name; `ctx.<name>` if the name is taken; nothing if
/// that is taken too. What the event or span itself carries always wins, and a key is never
/// written twice.
#[cfg_attr(
    not(any(feature = "tracing", feature = "log", feature = "opentelemetry", test)),
    allow(dead_code)
)]
pub(crate) fn field_key(name: &'static str, taken: impl Fn(&str) -> bool) -> Option<&'static str> {
    if !taken(name) {
        return Some(name);
    }
    let prefixed = prefixed(name);
    (!taken(prefixed)).then_some(prefixed)
}

/// `ctx.<name>`, made once per name for the life of the program (field names are a fixed set,
/// and `tracing` needs its field names `'static`).
fn prefixed(name: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, PoisonError};

    static PREFIXED: Mutex<Option<HashMap<&'static str, &'static str>>> = Mutex::new(None);
    let mut map = PREFIXED.lock().unwrap_or_else(PoisonError::into_inner);
    map.get_or_insert_with(HashMap::new)
        .entry(name)
        .or_insert_with(|| Box::leak(format!("ctx.{name}").into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What generated code does for one field of type `T`, seen through `visit_trace_values`'
    /// reading of the kind.
    fn shown<T: fmt::Display + Any>(value: &T) -> (Option<Kind>, String) {
        let mut seen = None;
        TraceDisplay::visit_trace(&Trace(value), "f", &mut |_, text| {
            seen = Some((VISITING.with(Cell::get), text.to_string()));
        });
        seen.unwrap()
    }

    #[test]
    fn numbers_booleans_and_strings_keep_their_type() {
        assert_eq!(shown(&-3i8), (Some(Kind::I64(-3)), "-3".into()));
        assert_eq!(shown(&7u16), (Some(Kind::U64(7)), "7".into()));
        assert_eq!(
            shown(&u64::MAX),
            (Some(Kind::U64(u64::MAX)), u64::MAX.to_string())
        );
        assert_eq!(shown(&-1i128), (Some(Kind::I128(-1)), "-1".into()));
        assert_eq!(shown(&0.1f32), (Some(Kind::F64(0.1)), "0.1".into()));
        assert_eq!(shown(&2.5f64), (Some(Kind::F64(2.5)), "2.5".into()));
        assert_eq!(shown(&true), (Some(Kind::Bool(true)), "true".into()));
        assert_eq!(
            shown(&std::num::NonZero::new(5u64).unwrap()),
            (Some(Kind::U64(5)), "5".into())
        );
        assert_eq!(
            shown(&String::from("a\"b")),
            (Some(Kind::Str), "a\"b".into())
        );
        assert_eq!(shown(&"s"), (Some(Kind::Str), "s".into()));
        assert_eq!(shown(&'c'), (Some(Kind::Str), "c".into()));
        let arc: std::sync::Arc<str> = "arc".into();
        assert_eq!(shown(&arc), (Some(Kind::Str), "arc".into()));
        let addr = std::net::Ipv4Addr::LOCALHOST;
        assert_eq!(shown(&addr), (Some(Kind::Text), "127.0.0.1".into()));
    }

    #[test]
    fn a_taken_name_gets_the_ctx_prefix_and_a_taken_prefix_drops_the_field() {
        assert_eq!(field_key("user", |_| false), Some("user"));
        assert_eq!(field_key("user", |key| key == "user"), Some("ctx.user"));
        assert_eq!(field_key("user", |key| key.ends_with("user")), None);
        // Made once: the same `'static` string every time.
        let a = field_key("level", |key| key == "level").unwrap();
        let b = field_key("level", |key| key == "level").unwrap();
        assert!(core::ptr::eq(a, b));
    }

    #[test]
    fn a_debug_only_value_is_text_and_the_kind_is_cleared_after_each_visit() {
        #[derive(Debug)]
        struct Point(#[allow(dead_code)] i32);
        let mut seen = None;
        TraceDebug::visit_trace(&&Trace(&Point(1)), "p", &mut |_, text| {
            seen = Some((VISITING.with(Cell::get), text.to_string()));
        });
        assert_eq!(seen.unwrap(), (Some(Kind::Text), "Point(1)".into()));
        assert_eq!(VISITING.with(Cell::get), None);
        let nested = shown(&1u8);
        assert_eq!(nested.0, Some(Kind::U64(1)));
        assert_eq!(VISITING.with(Cell::get), None);
    }
}
