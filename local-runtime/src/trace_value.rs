//! How a `#[local(trace)]` value is shown in a log event: with `Display` when its type has it,
//! with `Debug` otherwise, chosen at compile time by method resolution.

/// A `#[local(trace)]` value on its way to a log event; shown with `Display` if its type has
/// it, else with `Debug` (picked at compile time: generated code calls
/// `(&Trace(value)).visit_trace(..)` with both traits in scope, and method resolution tries
/// the `Display` impl, on `Trace`, before the `Debug` one, on `&Trace`).
#[doc(hidden)]
pub struct Trace<'a, T: ?Sized>(pub &'a T);

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
