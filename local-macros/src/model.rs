//! The plain model of one `#[async_local]` struct, built by [`ast`](crate::ast) and checked by
//! [`valid`](crate::valid): everything `expand` needs. Also the one list of the functions the
//! macro generates ([`Accessor`], [`StructFn`]), which drives the collision check, the
//! expansion and the fallback alike.

use proc_macro2::{Ident, Span};
use syn::{Attribute, Expr, LitStr, Path, Type, Visibility};

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

/// `#[local(propagate)]` or `#[local(propagate = "key")]`.
pub(crate) struct Propagate {
    /// The key given, if any (else the field's name is the key).
    pub key: Option<LitStr>,
    /// Where the option was written.
    pub span: Span,
}

pub(crate) struct Field {
    /// Attributes kept on the struct's field (docs, `cfg`, others), without `#[local]`.
    pub attrs: Vec<Attribute>,
    /// The `#[cfg]`s that decide whether the field exists (see `attr::existence_cfg`),
    /// repeated on everything generated for the field.
    pub cfgs: Vec<Attribute>,
    pub vis: Visibility,
    /// As written (possibly a raw identifier like `r#type`).
    pub ident: Ident,
    /// The name without `r#`, used to build accessor names (`set_type`).
    pub name: String,
    pub ty: Type,
    pub default: Option<FieldDefault>,
    /// `#[local(no_inherit)]`, where it was written: not carried into spawned tasks and threads.
    pub no_inherit: Option<Span>,
    /// `#[local(trace)]`: shown on log events emitted in the context (feature `tracing`).
    pub trace: bool,
    pub propagate: Option<Propagate>,
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

impl Field {
    /// The baggage key the field travels under, if it is propagated: the key given, or the
    /// field's name.
    pub(crate) fn propagate_key(&self) -> Option<String> {
        let propagate = self.propagate.as_ref()?;
        Some(match &propagate.key {
            Some(key) => key.value(),
            None => self.name.clone(),
        })
    }
}

impl Struct {
    /// The functions generated once for the struct, in the order they are generated.
    pub(crate) fn struct_fns(&self) -> impl Iterator<Item = StructFn> {
        let debug = self.options.debug.then_some(StructFn::DebugCurrent);
        StructFn::ALWAYS.into_iter().chain(debug)
    }
}

/// The associated functions generated for each field, in the order they are generated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Accessor {
    Get,
    With,
    IsSet,
    Set,
    TrySet,
    Replace,
    Take,
    Update,
    Scope,
    SyncScope,
    /// `with_<field>_or_init(init, f)`: lazy initialisation in the current context.
    WithOrInit,
}

impl Accessor {
    pub(crate) const ALL: [Accessor; 11] = [
        Accessor::Get,
        Accessor::With,
        Accessor::IsSet,
        Accessor::Set,
        Accessor::TrySet,
        Accessor::Replace,
        Accessor::Take,
        Accessor::Update,
        Accessor::Scope,
        Accessor::SyncScope,
        Accessor::WithOrInit,
    ];

    /// The function's name for a field named `field` (without `r#`).
    pub(crate) fn name(self, field: &str) -> String {
        match self {
            Accessor::Get => field.to_owned(),
            Accessor::With => format!("with_{field}"),
            Accessor::IsSet => format!("is_{field}_set"),
            Accessor::Set => format!("set_{field}"),
            Accessor::TrySet => format!("try_set_{field}"),
            Accessor::Replace => format!("replace_{field}"),
            Accessor::Take => format!("take_{field}"),
            Accessor::Update => format!("update_{field}"),
            Accessor::Scope => format!("scope_{field}"),
            Accessor::SyncScope => format!("sync_scope_{field}"),
            Accessor::WithOrInit => format!("with_{field}_or_init"),
        }
    }

    /// What it is, for messages.
    pub(crate) fn role(self) -> &'static str {
        match self {
            Accessor::Get => "getter",
            Accessor::With => "borrowing getter",
            Accessor::IsSet => "`is_*_set` check",
            Accessor::Set => "setter",
            Accessor::TrySet => "fallible setter",
            Accessor::Replace => "`replace_*` accessor",
            Accessor::Take => "`take_*` accessor",
            Accessor::Update => "`update_*` accessor",
            Accessor::Scope => "`scope_*` accessor",
            Accessor::SyncScope => "`sync_scope_*` accessor",
            Accessor::WithOrInit => "`with_*_or_init` accessor",
        }
    }
}

/// The associated functions generated once per struct.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum StructFn {
    Scope,
    SyncScope,
    Set,
    Clear,
    /// Only with the `debug` option.
    DebugCurrent,
}

impl StructFn {
    /// Those every struct gets.
    const ALWAYS: [StructFn; 4] = [
        StructFn::Scope,
        StructFn::SyncScope,
        StructFn::Set,
        StructFn::Clear,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            StructFn::Scope => "scope",
            StructFn::SyncScope => "sync_scope",
            StructFn::Set => "set",
            StructFn::Clear => "clear",
            StructFn::DebugCurrent => "debug_current",
        }
    }
}
