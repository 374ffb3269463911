//! From syn's syntax tree to the checked [`model`](crate::model), collecting every error.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, Fields, Path, Token};

use crate::model::{DEBUG_METHOD, Field, FieldDefault, Mode, Options, STRUCT_METHODS, Struct};

/// Accumulates errors so that the user sees all of them at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// An error over all of `tokens` (a whole type, not only its first token).
    fn over(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

/// An input that was rejected: every error found, and as much of the model as could be built
/// (for a struct with named fields), from which the fallback emits accessor stubs.
pub(crate) struct Rejected {
    pub errors: syn::Error,
    pub partial: Option<Box<Struct>>,
}

pub(crate) fn parse(args: TokenStream, input: &DeriveInput) -> Result<Struct, Rejected> {
    let mut errors = Errors::default();
    let options = parse_options(args, &mut errors);
    check_generics(input, &mut errors);

    let mut fields = Vec::new();
    let mut struct_token = None;
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => {
                struct_token = Some(data.struct_token);
                for field in &named.named {
                    if let Some(field) = parse_field(field, &input.ident, options.mode, &mut errors)
                    {
                        fields.push(field);
                    }
                }
            }
            Fields::Unnamed(unnamed) => errors.at(
                unnamed.span(),
                "`#[async_local]` needs named fields: each field becomes a set of accessors \
                 named after it; write `struct Name { field: Type }`",
            ),
            Fields::Unit => errors.at(
                input.ident.span(),
                "`#[async_local]` needs a struct with named fields, one per value; write \
                 `struct Name { field: Type }`",
            ),
        },
        Data::Enum(data) => errors.at(
            data.enum_token.span,
            "`#[async_local]` cannot be used on an enum; use a struct with one named field \
             per value (an enum can be a field's type)",
        ),
        Data::Union(data) => errors.at(
            data.union_token.span,
            "`#[async_local]` cannot be used on a union; use a struct with named fields",
        ),
    }
    check_collisions(&input.ident, &fields, options.debug, &mut errors);
    check_propagate_keys(&fields, &mut errors);
    let model = struct_token.map(|struct_token| Struct {
        attrs: input.attrs.clone(),
        vis: input.vis.clone(),
        struct_token,
        ident: input.ident.clone(),
        generics: input.generics.clone(),
        fields,
        options,
    });
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => Ok(model),
        (Err(errors), partial) => Err(Rejected {
            errors,
            partial: partial.map(Box::new),
        }),
        // Every input without named fields got an error above.
        (Ok(()), None) => Err(Rejected {
            errors: syn::Error::new(input.ident.span(), "expected a struct"),
            partial: None,
        }),
    }
}

fn parse_options(args: TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options {
        mode: Mode::Default,
        krate: syn::parse_quote!(::ctxlocal),
        debug: false,
    };
    let mut seen_mode = false;
    let mut seen_crate = false;
    let mut seen_debug = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("thread_critical") {
            if seen_mode {
                errors.push(meta.error("duplicate `thread_critical` option"));
            }
            seen_mode = true;
            options.mode = Mode::ThreadCritical;
            reject_value(&meta, "thread_critical", errors)
        } else if meta.path.is_ident("crate") {
            if seen_crate {
                errors.push(meta.error("duplicate `crate` option"));
            }
            seen_crate = true;
            match meta.value() {
                Ok(value) if value.peek(syn::LitStr) => {
                    let literal: syn::LitStr = value.parse()?;
                    errors.at(
                        literal.span(),
                        format_args!(
                            "expected a path, not a string: write `crate = {}`",
                            literal.value()
                        ),
                    );
                }
                Ok(value) => match value.parse::<Path>() {
                    Ok(path) => options.krate = path,
                    Err(error) => errors.push(syn::Error::new(
                        error.span(),
                        "expected a path to the `ctxlocal` crate, e.g. `crate = my_crate::ctxlocal`",
                    )),
                },
                Err(error) => errors.push(syn::Error::new(
                    error.span(),
                    "expected `crate = path::to::ctxlocal`",
                )),
            }
            Ok(())
        } else if meta.path.is_ident("debug") {
            if seen_debug {
                errors.push(meta.error("duplicate `debug` option"));
            }
            seen_debug = true;
            options.debug = true;
            reject_value(&meta, "debug", errors)
        } else {
            errors.push(meta.error(format_args!(
                "unknown `async_local` option `{}`; expected `thread_critical`, `debug` or \
                 `crate = path::to::ctxlocal`",
                path_text(&meta.path)
            )));
            skip_value(&meta)
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        errors.push(error);
    }
    options
}

fn check_generics(input: &DeriveInput, errors: &mut Errors) {
    for param in &input.generics.params {
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
        errors.at(param.span(), message);
    }
    if let Some(clause) = &input.generics.where_clause {
        errors.at(
            clause.where_token.span,
            "`#[async_local]` structs cannot have a `where` clause",
        );
    }
}

/// What `#[local(...)]` says about one field.
#[derive(Default)]
struct FieldOptions {
    default: Option<FieldDefault>,
    no_inherit: Option<Span>,
    trace: bool,
    /// The key, and where the option was written.
    propagate: Option<(Option<syn::LitStr>, Span)>,
}

fn parse_field(
    field: &syn::Field,
    owner: &syn::Ident,
    mode: Mode,
    errors: &mut Errors,
) -> Option<Field> {
    let ident = field.ident.clone()?;
    let name = ident.unraw().to_string();
    let mut options = FieldOptions::default();
    let mut attrs = Vec::new();
    let mut cfgs = Vec::new();
    for attr in &field.attrs {
        if attr.path().is_ident("local") {
            parse_local_attr(attr, &mut options, errors);
            continue;
        }
        cfgs.extend(existence_cfg(attr));
        attrs.push(attr.clone());
    }
    check_field_type(&field.ty, errors);
    if let Some(FieldDefault::Expr(expr)) = &options.default {
        if let Some(span) = find_self(expr.to_token_stream()) {
            errors.at(
                span,
                format_args!(
                    "`Self` cannot be used in a `default` expression: it is evaluated outside \
                     the struct's `impl`; name the type instead (`{owner}`)"
                ),
            );
        }
    }
    if let (Some((_, span)), Mode::ThreadCritical) = (&options.propagate, mode) {
        errors.at(
            *span,
            "`propagate` is not supported in a `thread_critical` struct: its values never \
             leave their thread, let alone the service; remove `propagate`",
        );
    }
    let propagate = options.propagate.map(|(key, _)| match key {
        Some(key) => key.value(),
        None => {
            if !is_baggage_key(&name) {
                errors.at(
                    ident.span(),
                    format_args!(
                        "field `{name}` cannot be propagated under its name: `{name}` is not a \
                         valid baggage key (ASCII letters, digits and `!#$%&'*+-.^_`|~`: an \
                         HTTP token); give it a key with `#[local(propagate = \"key\")]`"
                    ),
                );
            }
            name.clone()
        }
    });
    if let (Some(span), Mode::ThreadCritical) = (options.no_inherit, mode) {
        errors.at(
            span,
            "`no_inherit` is not supported in a `thread_critical` struct (thread-critical \
             values never leave their thread); remove `no_inherit`",
        );
    }
    Some(Field {
        attrs,
        cfgs,
        vis: field.vis.clone(),
        name,
        ident,
        ty: field.ty.clone(),
        default: options.default,
        no_inherit: options.no_inherit.is_some(),
        trace: options.trace,
        propagate,
    })
}

/// The `#[cfg]` that decides whether a field exists, to repeat on everything generated for it:
/// a `#[cfg(p)]` as written; for a `#[cfg_attr(p, ..)]` whose attributes include a `cfg` (at
/// any depth), the equivalent `#[cfg(any(not(p), all(..)))]`. Other attributes, `cfg_attr`s
/// of other attributes among them, only concern the struct (and the derives on it) and stay
/// there: generated expressions and items do not get them.
fn existence_cfg(attr: &Attribute) -> Option<Attribute> {
    if attr.path().is_ident("cfg") {
        return Some(attr.clone());
    }
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    let span = attr.span();
    let predicate = match &attr.meta {
        syn::Meta::List(list) => cfg_attr_predicate(&list.tokens),
        _ => None,
    };
    match predicate {
        Some(Ok(predicate)) => Some(syn::parse_quote_spanned!(span=> #[cfg(#predicate)])),
        Some(Err(())) => Some(attr.clone()),
        None => None,
    }
}

/// For the arguments of a `cfg_attr` (`p, attr, ..`): `None` if no attribute is a `cfg`, else
/// when the field exists. `Err` if they do not parse as attributes but mention `cfg`: then the
/// attribute is repeated as written, and rustc reports what is wrong with it.
fn cfg_attr_predicate(tokens: &TokenStream) -> Option<Result<TokenStream, ()>> {
    use syn::punctuated::Punctuated;
    let parser = Punctuated::<syn::Meta, Token![,]>::parse_terminated;
    let Ok(metas) = syn::parse::Parser::parse2(parser, tokens.clone()) else {
        return mentions_cfg(tokens.clone()).then_some(Err(()));
    };
    let mut metas = metas.into_iter();
    let condition = metas.next()?;
    let mut inner = Vec::new();
    for meta in metas {
        let nested = match &meta {
            syn::Meta::List(list) if meta.path().is_ident("cfg") => Ok(list.tokens.clone()),
            syn::Meta::List(list) if meta.path().is_ident("cfg_attr") => {
                match cfg_attr_predicate(&list.tokens) {
                    Some(predicate) => predicate,
                    None => continue,
                }
            }
            _ if meta.path().is_ident("cfg") => Err(()),
            _ => continue,
        };
        match nested {
            Ok(predicate) => inner.push(predicate),
            Err(()) => return Some(Err(())),
        }
    }
    if inner.is_empty() {
        return None;
    }
    Some(Ok(quote::quote!(any(not(#condition), all(#(#inner),*)))))
}

fn mentions_cfg(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "cfg" || ident == "cfg_attr",
        proc_macro2::TokenTree::Group(group) => mentions_cfg(group.stream()),
        _ => false,
    })
}

/// The span of the first `Self` in `tokens`, if any.
fn find_self(tokens: TokenStream) -> Option<Span> {
    tokens.into_iter().find_map(|token| match token {
        proc_macro2::TokenTree::Ident(ident) if ident == "Self" => Some(ident.span()),
        proc_macro2::TokenTree::Group(group) => find_self(group.stream()),
        _ => None,
    })
}

/// What makes a field type impossible to store, found syntactically so that it gets one clear
/// error instead of one per generated use.
fn check_field_type(ty: &syn::Type, errors: &mut Errors) {
    if let Some(span) = find_self(ty.to_token_stream()) {
        errors.at(
            span,
            "`Self` cannot be used in an `#[async_local]` field type: the values are stored \
             outside the struct's `impl`; name the type instead",
        );
    }
    if let Some(advice) = unsized_advice(ty) {
        errors.over(
            ty,
            format_args!("field type `{}` is unsized; {advice}", type_text(ty)),
        );
    }
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
fn is_str_path(path: &Path) -> bool {
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
pub(crate) fn type_text(ty: &syn::Type) -> String {
    let mut text = ty.to_token_stream().to_string();
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

fn parse_local_attr(attr: &Attribute, options: &mut FieldOptions, errors: &mut Errors) {
    const EXPECTED: &str = "expected `default`, `default = <expr>`, `no_inherit`, `trace`, \
                            `propagate` or `propagate = \"key\"`";
    let list = match &attr.meta {
        syn::Meta::List(list) => list,
        _ => {
            errors.at(
                attr.meta.span(),
                "`#[local]` takes a list of options, e.g. `#[local(default)]`, \
                 `#[local(default = <expr>)]`, `#[local(no_inherit)]`, `#[local(trace)]` or \
                 `#[local(propagate)]`",
            );
            return;
        }
    };
    if list.tokens.is_empty() {
        errors.at(
            list.delimiter.span().join(),
            format_args!("empty `#[local()]`: {EXPECTED}, or remove the attribute"),
        );
        return;
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("default") {
            if options.default.is_some() {
                errors.push(meta.error("duplicate `default` option"));
            }
            if meta.input.peek(Token![=]) {
                let value = meta.value()?;
                if value.is_empty() || value.peek(Token![,]) {
                    errors.push(meta.error(
                        "expected an expression after `default =`, e.g. `default = 3`; or \
                         `default` alone for `Default::default()`",
                    ));
                    return Ok(());
                }
                match value.parse::<Expr>() {
                    Ok(expr) => options.default = Some(FieldDefault::Expr(Box::new(expr))),
                    Err(error) => errors.push(syn::Error::new(
                        error.span(),
                        "expected an expression after `default =`",
                    )),
                }
                Ok(())
            } else {
                options.default = Some(FieldDefault::Trait(meta.path.span()));
                reject_value(&meta, "default", errors)
            }
        } else if meta.path.is_ident("propagate") {
            if options.propagate.is_some() {
                errors.push(meta.error("duplicate `propagate` option"));
            }
            let span = meta.path.span();
            if meta.input.peek(Token![=]) {
                let value = meta.value()?;
                match value.parse::<syn::LitStr>() {
                    Ok(key) if is_baggage_key(&key.value()) => {
                        options.propagate = Some((Some(key), span));
                    }
                    Ok(key) => errors.at(
                        key.span(),
                        format_args!(
                            "`{}` is not a valid baggage key: use letters, digits and \
                             `!#$%&'*+-.^_`|~` (an HTTP token)",
                            key.value()
                        ),
                    ),
                    Err(_) => {
                        errors.push(meta.error("expected a string: `propagate = \"key\"`"));
                        value.parse::<Expr>()?;
                    }
                }
            } else {
                options.propagate = Some((None, span));
                reject_value(&meta, "propagate", errors)?;
            }
            Ok(())
        } else if meta.path.is_ident("trace") {
            if options.trace {
                errors.push(meta.error("duplicate `trace` option"));
            }
            options.trace = true;
            reject_value(&meta, "trace", errors)
        } else if meta.path.is_ident("no_inherit") {
            if options.no_inherit.is_some() {
                errors.push(meta.error("duplicate `no_inherit` option"));
            }
            options.no_inherit = Some(meta.path.span());
            reject_value(&meta, "no_inherit", errors)
        } else {
            errors.push(meta.error(format_args!(
                "unknown `local` option `{}`; {EXPECTED}",
                path_text(&meta.path)
            )));
            skip_value(&meta)
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, list.tokens.clone()) {
        errors.push(error);
    }
}

/// Errors on `key(...)` / `key = ...` for a flag-like option, consuming the value.
fn reject_value(meta: &ParseNestedMeta<'_>, key: &str, errors: &mut Errors) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        errors.push(meta.error(format_args!("`{key}` takes no value")));
        return skip_value(meta);
    }
    Ok(())
}

/// Consumes `= value` or `(...)` after an option we are not going to use, so that parsing
/// goes on to report the next problem.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

fn path_text(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

/// Reports every generated name that two fields, or a field and the struct, would both define.
fn check_collisions(struct_ident: &syn::Ident, fields: &[Field], debug: bool, errors: &mut Errors) {
    use std::collections::HashMap;
    // name -> who generates it
    let mut owners: HashMap<String, String> = HashMap::new();
    let debug_method = debug.then_some(DEBUG_METHOD);
    for method in STRUCT_METHODS.into_iter().chain(debug_method) {
        owners.insert(
            method.to_owned(),
            format!("the struct-level `{struct_ident}::{method}`"),
        );
    }
    for field in fields {
        for (name, role) in field.accessor_names() {
            if let Some(owner) = owners.get(&name) {
                errors.at(
                    field.ident.span(),
                    format_args!(
                        "field `{}` generates the {role} `{struct_ident}::{name}`, which \
                         collides with {owner}; rename the field",
                        field.name
                    ),
                );
                // One report per field is enough.
                break;
            }
        }
        for (name, role) in field.accessor_names() {
            owners
                .entry(name)
                .or_insert_with(|| format!("the {role} of field `{}`", field.name));
        }
    }
}

/// Where to report "not a struct" for an item that is not a struct, enum or union.
pub(crate) fn not_a_struct(item: &proc_macro2::TokenStream) -> syn::Error {
    let (span, what) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(item)) => (item.sig.fn_token.span, "a function"),
        Ok(syn::Item::Mod(item)) => (item.mod_token.span, "a module"),
        Ok(syn::Item::Trait(item)) => (item.trait_token.span, "a trait"),
        Ok(syn::Item::Impl(item)) => (item.impl_token.span, "an impl block"),
        Ok(syn::Item::Type(item)) => (item.type_token.span, "a type alias"),
        Ok(syn::Item::Const(item)) => (item.const_token.span, "a constant"),
        Ok(syn::Item::Static(item)) => (item.static_token.span, "a static"),
        _ => (Span::call_site(), "this item"),
    };
    syn::Error::new(
        span,
        format_args!(
            "`#[async_local]` cannot be used on {what}; it goes on a struct with named fields, \
             one per context value"
        ),
    )
}

/// A baggage key is an HTTP token (RFC 7230 `tchar`s, at least one).
fn is_baggage_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Two propagated fields of one struct may not share a baggage key.
fn check_propagate_keys(fields: &[Field], errors: &mut Errors) {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for field in fields {
        let Some(key) = field.propagate.as_deref() else {
            continue;
        };
        if let Some((_, other)) = seen.iter().find(|(k, _)| *k == key) {
            errors.at(
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
