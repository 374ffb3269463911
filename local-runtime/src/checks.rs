//! Compile-time checks of field types that fail with exactly one error, at the field.
//!
//! A bound like `T: Send + Sync` reports each missing trait as its own error. The traits here
//! are implemented twice, once for the types that qualify and once behind [`sealed::Never`],
//! which no type implements; a bound on them (with the second parameter left to inference)
//! has two candidate impls, so when neither applies rustc reports the bound itself, once, with
//! its `on_unimplemented` message, instead of every missing trait.

use crate::field::FieldProof;
use crate::mode::AnyThread;

/// The impl that applies to qualifying types.
#[doc(hidden)]
#[derive(Debug)]
pub enum Qualifies {}

/// The impl that never applies: it only exists so that the real one is not alone.
#[doc(hidden)]
#[derive(Debug)]
pub enum Unreachable {}

pub(crate) mod sealed {
    /// Implemented by no type, and sealed so that none ever is.
    pub trait Never {}
}

/// Types that may be stored in a default-mode context: values are shared between the threads
/// that run the contexts holding them.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in an `#[async_local]` struct: it is not `Send + Sync`",
    label = "not `Send + Sync`",
    note = "context values are shared with child tasks and other threads; wrap the value \
            (`Arc<Mutex<_>>`, `Arc<T>`), or use `#[async_local(thread_critical)]` for values \
            that must stay on one thread"
)]
pub trait Storable<Via>: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> Storable<Qualifies> for T {}

impl<T: Send + Sync + 'static + sealed::Never> Storable<Unreachable> for T {}

/// `proof`, if `T` may be stored in a default-mode field. Generated code makes each field's
/// proof as `storable(FieldProof::new())`, spanned at the field's type: for a type that is
/// neither `Send` nor `Sync`, this bound's one error implies (and so hides) the errors of the
/// `Send + Sync` bound of `FieldProof::new`, which rustc would report once per missing trait.
#[doc(hidden)]
pub const fn storable<T: Storable<Via>, Via>(
    proof: FieldProof<T, AnyThread>,
) -> FieldProof<T, AnyThread> {
    proof
}
