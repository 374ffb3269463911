//! From syn's syntax tree to the [`model`](crate::model): the shape of the input (a struct with
//! named fields, or an error saying what to write instead) and each field's options.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::attr;
use crate::errors::Ctxt;
use crate::model::{Field, Options, Struct};

impl Struct {
    /// The model of `input`, or `None` (with an error reported) if it is not a struct with named
    /// fields. Fields whose options are malformed are still in it, with what could be parsed.
    pub(crate) fn from_syn(cx: &Ctxt, input: &DeriveInput, options: Options) -> Option<Struct> {
        let (struct_token, named) = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => (data.struct_token, named),
                Fields::Unnamed(unnamed) => {
                    cx.error_at(
                        unnamed.span(),
                        "`#[async_local]` needs named fields: each field becomes a set of \
                         accessors named after it; write `struct Name { field: Type }`",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_at(
                        input.ident.span(),
                        "`#[async_local]` needs a struct with named fields, one per value; \
                         write `struct Name { field: Type }`",
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error_at(
                    data.enum_token.span,
                    "`#[async_local]` cannot be used on an enum; use a struct with one named \
                     field per value (an enum can be a field's type)",
                );
                return None;
            }
            Data::Union(data) => {
                cx.error_at(
                    data.union_token.span,
                    "`#[async_local]` cannot be used on a union; use a struct with named fields",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|field| Field::from_syn(cx, field))
            .collect();
        Some(Struct {
            attrs: input.attrs.clone(),
            vis: input.vis.clone(),
            struct_token,
            ident: input.ident.clone(),
            generics: input.generics.clone(),
            fields,
            options,
        })
    }
}

impl Field {
    fn from_syn(cx: &Ctxt, field: &syn::Field) -> Option<Field> {
        let ident = field.ident.clone()?;
        let attrs = attr::field_attrs(cx, &field.attrs);
        Some(Field {
            attrs: attrs.kept,
            cfgs: attrs.cfgs,
            vis: field.vis.clone(),
            name: ident.unraw().to_string(),
            ident,
            ty: field.ty.clone(),
            default: attrs.default,
            no_inherit: attrs.no_inherit,
            trace: attrs.trace,
            propagate: attrs.propagate,
        })
    }
}

/// The error for an item that is not a struct, enum or union (those are reported by
/// [`Struct::from_syn`]), at its keyword.
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
