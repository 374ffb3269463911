//! The plain model of one `#[async_local]` struct: everything `expand` needs, already checked.

use proc_macro2::{Ident, Span};
use syn::{Attribute, Expr, Path, Type, Visibility};

/// Where the values of a struct live.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// Per context: per thread, per task, inherited, carried across bridges.
    Default,
    /// Per (thread, task); never crosses threads. Field types need not be `Send`.
    ThreadCritical,
}

/// Options given in `#[async_local(...)]`.
pub(crate) struct Options {
    pub mode: Mode,
    /// Path to the `ctxlocal` crate (`crate = path`), `::ctxlocal` by default.
    pub krate: Path,
    /// `debug`: generate `debug_current()`, a `Debug` view of the current values.
    pub debug: bool,
}

/// How an unset field reads.
pub(crate) enum FieldDefault {
    /// `#[local(default)]`: `Default::default()`; the span is the `default` keyword's.
    Trait(Span),
    /// `#[local(default = expr)]`.
    Expr(Box<Expr>),
}

pub(crate) struct Field {
    /// Attributes kept on the struct's field (docs, `cfg`, others), without `#[local]`.
    pub attrs: Vec<Attribute>,
    /// The `#[cfg]`s that decide whether the field exists (see `parse::existence_cfg`),
    /// repeated on everything generated for the field.
    pub cfgs: Vec<Attribute>,
    pub vis: Visibility,
    /// As written (possibly a raw identifier like `r#type`).
    pub ident: Ident,
    /// The name without `r#`, used to build accessor names (`set_type`).
    pub name: String,
    pub ty: Type,
    pub default: Option<FieldDefault>,
    /// `#[local(no_inherit)]`: not carried into spawned tasks and threads.
    pub no_inherit: bool,
    /// `#[local(trace)]`: shown on log events emitted in the context (feature `tracing`).
    pub trace: bool,
    /// `#[local(propagate)]` / `#[local(propagate = "key")]`: the baggage key it travels under.
    pub propagate: Option<String>,
}

pub(crate) struct Struct {
    /// The struct's own attributes (docs, derives, ...), kept as written.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The `struct` keyword as written, so diagnostics about the type point at it.
    pub struct_token: syn::token::Struct,
    pub ident: Ident,
    /// As written; a valid input has none (only the fallback of a rejected one uses them).
    pub generics: syn::Generics,
    pub fields: Vec<Field>,
    pub options: Options,
}

/// Names every struct gets, besides the per-field accessors (see `expand::struct_methods`).
pub(crate) const STRUCT_METHODS: [&str; 4] = ["scope", "sync_scope", "set", "clear"];

/// The method the `debug` option adds.
pub(crate) const DEBUG_METHOD: &str = "debug_current";

impl Field {
    /// The accessors generated for this field, each with what it is (for diagnostics), in
    /// this order: getter, `with_`, `is_*_set`, `set_`, `try_set_`, `replace_`, `take_`,
    /// `update_`, `scope_`, `sync_scope_`. The one list both the collision check and the
    /// expansion use.
    pub(crate) fn accessor_names(&self) -> [(String, &'static str); 10] {
        let name = &self.name;
        [
            (name.clone(), "getter"),
            (format!("with_{name}"), "borrowing getter"),
            (format!("is_{name}_set"), "`is_*_set` check"),
            (format!("set_{name}"), "setter"),
            (format!("try_set_{name}"), "fallible setter"),
            (format!("replace_{name}"), "`replace_*` accessor"),
            (format!("take_{name}"), "`take_*` accessor"),
            (format!("update_{name}"), "`update_*` accessor"),
            (format!("scope_{name}"), "`scope_*` accessor"),
            (format!("sync_scope_{name}"), "`sync_scope_*` accessor"),
        ]
    }
}
