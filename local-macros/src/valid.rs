//! Every check of a parsed input that is not about the syntax of one option: generics, field
//! types that cannot be stored, options that do not go together, baggage keys, and generated
//! names that collide. Each problem is one error, at the tokens that caused it, saying what to
//! write instead.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;

use crate::errors::Ctxt;
use crate::model::{Accessor, Field, FieldDefault, Mode, Struct};

/// The struct's generics: a struct is one fixed set of slots, so it has none. Checked before
/// the fields are parsed, so that errors come in the order of the source.
pub(crate) fn generics(cx: &Ctxt, generics: &syn::Generics) {
    for param in &generics.params {
        let message = match param {
            syn::GenericParam::Lifetime(_) => {
                "`#[async_local]` structs cannot have lifetime parameters: context values \
                 outlive any borrow; store owned data (`String`, `Arc<T>`) instead"
            }
            syn::GenericParam::Type(_) => {
                "`#[async_local]` structs cannot have type parameters: each struct is one \
                 fixed set of context slots; use concrete field types"
            }
            syn::GenericParam::Const(_) => {
                "`#[async_local]` structs cannot have const parameters: each struct is one \
                 fixed set of context slots"
            }
        };
        cx.error_at(param.span(), message);
    }
    if let Some(clause) = &generics.where_clause {
        cx.error_at(
            clause.where_token.span,
            "`#[async_local]` structs cannot have a `where` clause",
        );
    }
}

/// Everything about the fields: each one, then the names and keys they generate together.
pub(crate) fn check(cx: &Ctxt, input: &Struct) {
    for field in &input.fields {
        check_field(cx, input, field);
    }
    collisions(cx, input);
    propagate_keys(cx, &input.fields);
}

fn check_field(cx: &Ctxt, input: &Struct, field: &Field) {
    let mode = input.options.mode;
    field_type(cx, &field.ty);
    if let Some(FieldDefault::Expr(expr)) = &field.default {
        if let Some(span) = find_self(expr.to_token_stream()) {
            cx.error_at(
                span,
                format_args!(
                    "`Self` cannot be used in a `default` expression: it is evaluated outside \
                     the struct's `impl`; name the type instead (`{}`)",
                    input.ident
                ),
            );
        }
    }
    if let Some(propagate) = &field.propagate {
        if mode == Mode::ThreadCritical {
            cx.error_at(
                propagate.span,
                "`propagate` is not supported in a `thread_critical` struct: its values never \
                 leave their thread, let alone the service; remove `propagate`",
            );
        }
        match &propagate.key {
            Some(key) if !is_baggage_key(&key.value()) => cx.error_at(
                key.span(),
                format_args!(
                    "`{}` is not a valid baggage key: use letters, digits and \
                     `!#$%&'*+-.^_`|~` (an HTTP token)",
                    key.value()
                ),
            ),
            None if !is_baggage_key(&field.name) => cx.error_at(
                field.ident.span(),
                format_args!(
                    "field `{name}` cannot be propagated under its name: `{name}` is not a \
                     valid baggage key (ASCII letters, digits and `!#$%&'*+-.^_`|~`: an HTTP \
                     token); give it a key with `#[local(propagate = \"key\")]`",
                    name = field.name
                ),
            ),
            _ => {}
        }
    }
    if let (Some(span), Mode::ThreadCritical) = (field.no_inherit, mode) {
        cx.error_at(
            span,
            "`no_inherit` is not supported in a `thread_critical` struct (thread-critical \
             values never leave their thread); remove `no_inherit`",
        );
    }
}

/// What makes a field type impossible to store, found syntactically so that it gets one clear
/// error instead of one per generated use.
fn field_type(cx: &Ctxt, ty: &syn::Type) {
    if let Some(span) = find_self(ty.to_token_stream()) {
        cx.error_at(
            span,
            "`Self` cannot be used in an `#[async_local]` field type: the values are stored \
             outside the struct's `impl`; name the type instead",
        );
    }
    if let Some(advice) = unsized_advice(ty) {
        cx.error_spanned_by(
            ty,
            format_args!("field type `{}` is unsized; {advice}", type_text(ty)),
        );
    }
}

/// The span of the first `Self` in `tokens`, if any.
fn find_self(tokens: TokenStream) -> Option<Span> {
    tokens.into_iter().find_map(|token| match token {
        proc_macro2::TokenTree::Ident(ident) if ident == "Self" => Some(ident.span()),
        proc_macro2::TokenTree::Group(group) => find_self(group.stream()),
        _ => None,
    })
}

/// For a field type that is unsized at its top level (`str`, `[T]`, `dyn Trait`), what to
/// store instead.
pub(crate) fn unsized_advice(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Paren(paren) => unsized_advice(&paren.elem),
        syn::Type::Group(group) => unsized_advice(&group.elem),
        syn::Type::Slice(slice) => {
            let elem = type_text(&slice.elem);
            Some(format!(
                "store an owned type such as `Vec<{elem}>` or `Arc<[{elem}]>`"
            ))
        }
        syn::Type::TraitObject(object) if object.dyn_token.is_some() => {
            let text = type_text(ty);
            Some(format!(
                "store it behind a pointer, such as `Box<{text}>` or `Arc<{text}>`"
            ))
        }
        syn::Type::Path(path) if path.qself.is_none() && is_str_path(&path.path) => {
            Some("store an owned type such as `String` or `Arc<str>`".to_owned())
        }
        _ => None,
    }
}

/// `str`, `core::primitive::str`, `std::primitive::str`.
fn is_str_path(path: &syn::Path) -> bool {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| match segment.arguments {
            syn::PathArguments::None => segment.ident.to_string(),
            _ => String::new(),
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    matches!(segments[..], ["str"] | ["core" | "std", "primitive", "str"])
}

/// A type as the user would write it, for messages: `Vec<u8>`, `dyn Fn() + Send`.
fn type_text(ty: &syn::Type) -> String {
    code_text(ty)
}

/// Tokens as the user would write them (`String::from("x")`, not `String :: from ("x")`),
/// for messages and docs.
pub(crate) fn code_text(tokens: impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ,", ","),
        ("& ", "&"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// Every generated name that two fields, or a field and the struct, would both define: one
/// error per field, at the field, naming the first collision.
fn collisions(cx: &Ctxt, input: &Struct) {
    let owner = &input.ident;
    // name -> who generates it
    let mut owners: HashMap<String, String> = HashMap::new();
    for function in input.struct_fns() {
        let name = function.name();
        owners.insert(
            name.to_owned(),
            format!("the struct-level `{owner}::{name}`"),
        );
    }
    for field in &input.fields {
        let accessors = Accessor::ALL.map(|accessor| (accessor, accessor.name(&field.name)));
        if let Some((accessor, name, other)) = accessors
            .iter()
            .find_map(|(accessor, name)| Some((accessor, name, owners.get(name)?)))
        {
            cx.error_at(
                field.ident.span(),
                format_args!(
                    "field `{}` generates the {} `{owner}::{name}`, which collides with \
                     {other}; rename the field",
                    field.name,
                    accessor.role(),
                ),
            );
        }
        for (accessor, name) in accessors {
            owners
                .entry(name)
                .or_insert_with(|| format!("the {} of field `{}`", accessor.role(), field.name));
        }
    }
}

/// A baggage key is an HTTP token (RFC 7230 `tchar`s, at least one).
fn is_baggage_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Two propagated fields of one struct may not share a baggage key (invalid keys are already
/// reported).
fn propagate_keys(cx: &Ctxt, fields: &[Field]) {
    let mut seen: Vec<(String, &str)> = Vec::new();
    for field in fields {
        let Some(key) = field.propagate_key().filter(|key| is_baggage_key(key)) else {
            continue;
        };
        if let Some((_, other)) = seen.iter().find(|(k, _)| *k == key) {
            cx.error_at(
                field.ident.span(),
                format_args!(
                    "field `{}` is propagated under the key `{key}`, like field `{other}`; give \
                     one of them another key with `#[local(propagate = \"...\")]`",
                    field.name
                ),
            );
        }
        seen.push((key, &field.name));
    }
}
