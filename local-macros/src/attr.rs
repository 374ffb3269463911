//! Parsing the options: `#[async_local(...)]` on the struct, `#[local(...)]` on its fields, and
//! the `#[cfg]`s that decide whether a field exists. Only the syntax of each option is checked
//! here (unknown, duplicate, malformed, a value where none is taken); what the options mean
//! together is checked in [`valid`](crate::valid).

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Path, Token};

use crate::errors::Ctxt;
use crate::model::{FieldDefault, Mode, Options, Propagate};

/// `#[async_local(...)]`'s arguments.
pub(crate) fn struct_options(cx: &Ctxt, args: TokenStream) -> Options {
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
                cx.syn_error(meta.error("duplicate `thread_critical` option"));
            }
            seen_mode = true;
            options.mode = Mode::ThreadCritical;
            reject_value(cx, &meta, "thread_critical")
        } else if meta.path.is_ident("crate") {
            if seen_crate {
                cx.syn_error(meta.error("duplicate `crate` option"));
            }
            seen_crate = true;
            match meta.value() {
                Ok(value) if value.peek(syn::LitStr) => {
                    let literal: syn::LitStr = value.parse()?;
                    cx.error_at(
                        literal.span(),
                        format_args!(
                            "expected a path, not a string: write `crate = {}`",
                            literal.value()
                        ),
                    );
                }
                Ok(value) => match value.parse::<Path>() {
                    Ok(path) => options.krate = path,
                    Err(error) => cx.error_at(
                        error.span(),
                        "expected a path to the `ctxlocal` crate, e.g. `crate = my_crate::ctxlocal`",
                    ),
                },
                Err(error) => cx.error_at(error.span(), "expected `crate = path::to::ctxlocal`"),
            }
            Ok(())
        } else if meta.path.is_ident("debug") {
            if seen_debug {
                cx.syn_error(meta.error("duplicate `debug` option"));
            }
            seen_debug = true;
            options.debug = true;
            reject_value(cx, &meta, "debug")
        } else {
            cx.syn_error(meta.error(format_args!(
                "unknown `async_local` option `{}`; expected `thread_critical`, `debug` or \
                 `crate = path::to::ctxlocal`",
                path_text(&meta.path)
            )));
            skip_value(&meta)
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(error);
    }
    options
}

/// What the attributes of one field say.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// The attributes other than `#[local]`, kept on the struct's field.
    pub kept: Vec<Attribute>,
    /// Those that decide whether the field exists (see [`existence_cfg`]).
    pub cfgs: Vec<Attribute>,
    pub default: Option<FieldDefault>,
    pub no_inherit: Option<Span>,
    pub trace: bool,
    pub propagate: Option<Propagate>,
}

/// Sorts a field's attributes into ours (`#[local(...)]`, parsed) and the user's (kept).
pub(crate) fn field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut field = FieldAttrs::default();
    for attr in attrs {
        if attr.path().is_ident("local") {
            local_attr(cx, attr, &mut field);
            continue;
        }
        field.cfgs.extend(existence_cfg(attr));
        field.kept.push(attr.clone());
    }
    field
}

fn local_attr(cx: &Ctxt, attr: &Attribute, field: &mut FieldAttrs) {
    const EXPECTED: &str = "expected `default`, `default = <expr>`, `no_inherit`, `trace`, \
                            `propagate` or `propagate = \"key\"`";
    let list = match &attr.meta {
        syn::Meta::List(list) => list,
        _ => {
            cx.error_at(
                attr.meta.span(),
                "`#[local]` takes a list of options, e.g. `#[local(default)]`, \
                 `#[local(default = <expr>)]`, `#[local(no_inherit)]`, `#[local(trace)]` or \
                 `#[local(propagate)]`",
            );
            return;
        }
    };
    if list.tokens.is_empty() {
        cx.error_at(
            list.delimiter.span().join(),
            format_args!("empty `#[local()]`: {EXPECTED}, or remove the attribute"),
        );
        return;
    }
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("default") {
            if field.default.is_some() {
                cx.syn_error(meta.error("duplicate `default` option"));
            }
            if meta.input.peek(Token![=]) {
                let value = meta.value()?;
                if value.is_empty() || value.peek(Token![,]) {
                    cx.syn_error(meta.error(
                        "expected an expression after `default =`, e.g. `default = 3`; or \
                         `default` alone for `Default::default()`",
                    ));
                    return Ok(());
                }
                match value.parse::<Expr>() {
                    Ok(expr) => field.default = Some(FieldDefault::Expr(Box::new(expr))),
                    Err(error) => {
                        cx.error_at(error.span(), "expected an expression after `default =`")
                    }
                }
                Ok(())
            } else {
                field.default = Some(FieldDefault::Trait(meta.path.span()));
                reject_value(cx, &meta, "default")
            }
        } else if meta.path.is_ident("propagate") {
            if field.propagate.is_some() {
                cx.syn_error(meta.error("duplicate `propagate` option"));
            }
            let span = meta.path.span();
            if meta.input.peek(Token![=]) {
                let value = meta.value()?;
                match value.parse::<syn::LitStr>() {
                    Ok(key) => {
                        field.propagate = Some(Propagate {
                            key: Some(key),
                            span,
                        })
                    }
                    Err(_) => {
                        cx.syn_error(meta.error("expected a string: `propagate = \"key\"`"));
                        value.parse::<Expr>()?;
                    }
                }
            } else {
                field.propagate = Some(Propagate { key: None, span });
                reject_value(cx, &meta, "propagate")?;
            }
            Ok(())
        } else if meta.path.is_ident("trace") {
            if field.trace {
                cx.syn_error(meta.error("duplicate `trace` option"));
            }
            field.trace = true;
            reject_value(cx, &meta, "trace")
        } else if meta.path.is_ident("no_inherit") {
            if field.no_inherit.is_some() {
                cx.syn_error(meta.error("duplicate `no_inherit` option"));
            }
            field.no_inherit = Some(meta.path.span());
            reject_value(cx, &meta, "no_inherit")
        } else {
            cx.syn_error(meta.error(format_args!(
                "unknown `local` option `{}`; {EXPECTED}",
                path_text(&meta.path)
            )));
            skip_value(&meta)
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, list.tokens.clone()) {
        cx.syn_error(error);
    }
}

/// Errors on `key(...)` / `key = ...` for a flag-like option, consuming the value.
fn reject_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.syn_error(meta.error(format_args!("`{key}` takes no value")));
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
