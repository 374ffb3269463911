//! How a `#[local(trace)]` value is shown in a log event: with `Display` when its type has it,
//! with `Debug` otherwise, chosen at compile time by method resolution.

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

impl<T: core::fmt::Display + ?Sized> TraceDisplay for Trace<'_, T> {
    fn visit_trace(
        &self,
        name: &'static str,
        visit: &mut dyn FnMut(&'static str, &dyn core::fmt::Display),
    ) {
        visit(name, &self.0);
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
        visit(name, &AsDebug(self.0));
    }
}
