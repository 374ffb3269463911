//! What is emitted next to the errors when the input is rejected: the user's item, minus our
//! `#[local]` attributes, and (for a struct with named fields) every accessor it would have had,
//! with its signature and a body that never runs. Code that uses the struct then compiles
//! against what it expects, so the errors above are the only ones: no "cannot find type", no
//! "no function named `set_x`".

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields};

use crate::model::{Accessor, Field, Struct, StructFn};
use crate::valid::unsized_advice;

pub(crate) fn fallback(input: &DeriveInput, partial: Option<&Struct>) -> TokenStream {
    let original = original_item(input);
    let stubs = partial.map(stubs).unwrap_or_default();
    quote!(#original #stubs)
}

/// The input without our `#[local]` field attributes, and with an unsized field type (already
/// reported) replaced by a `PhantomData` of it, so that the struct itself raises no second
/// error.
fn original_item(input: &DeriveInput) -> DeriveInput {
    let mut input = input.clone();
    let strip = |fields: &mut Fields| {
        for field in fields.iter_mut() {
            field.attrs.retain(|attr| !attr.path().is_ident("local"));
            if unsized_advice(&field.ty).is_some() {
                let ty = &field.ty;
                field.ty = syn::parse_quote!(::core::marker::PhantomData<#ty>);
            }
        }
    };
    match &mut input.data {
        Data::Struct(data) => strip(&mut data.fields),
        Data::Enum(data) => data.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        Data::Union(data) => data
            .fields
            .named
            .iter_mut()
            .for_each(|field| field.attrs.retain(|attr| !attr.path().is_ident("local"))),
    }
    input
}

/// `impl Owner { fn set_x(_: T) { loop {} } .. }`: each generated name once (a collision is
/// one of the errors already reported), in the struct's generics (also an error already).
fn stubs(input: &Struct) -> TokenStream {
    let krate = &input.options.krate;
    let vis = &input.vis;
    let owner = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for function in input.struct_fns() {
        let name = format_ident!("{}", function.name());
        seen.insert(name.to_string());
        items.push(match function {
            StructFn::Scope => quote! {
                #vis fn #name<__F: ::core::future::IntoFuture>(self, _future: __F)
                    -> #krate::WithContext<__F::IntoFuture> { loop {} }
            },
            StructFn::SyncScope => quote! {
                #vis fn #name<__R>(self, _f: impl ::core::ops::FnOnce() -> __R) -> __R { loop {} }
            },
            StructFn::Set => quote!(#vis fn #name(self) { loop {} }),
            StructFn::Clear => quote!(#vis fn #name() { loop {} }),
            StructFn::DebugCurrent => {
                quote!(#vis fn #name() -> impl ::core::fmt::Debug { loop {} })
            }
        });
    }
    for field in &input.fields {
        if unsized_advice(&field.ty).is_some() {
            continue;
        }
        for accessor in Accessor::ALL {
            if seen.insert(accessor.name(&field.name)) {
                items.push(field_stub(krate, field, accessor));
            }
        }
    }
    quote! {
        #[allow(dead_code, unused, clippy::all)]
        impl #impl_generics #owner #ty_generics #where_clause {
            #(#items)*
        }
    }
}

/// The stub of one accessor of `field`.
fn field_stub(krate: &syn::Path, field: &Field, accessor: Accessor) -> TokenStream {
    let vis = &field.vis;
    let ty = &field.ty;
    let cfgs = &field.cfgs;
    let ident = match accessor {
        Accessor::Get => field.ident.clone(),
        _ => syn::Ident::new(&accessor.name(&field.name), field.ident.span()),
    };
    let option = quote!(::core::option::Option);
    let has_default = field.default.is_some();
    let signature = match accessor {
        Accessor::Get if has_default => quote!(fn #ident() -> #ty),
        Accessor::Get => quote!(fn #ident() -> #option<#ty>),
        Accessor::With if has_default => {
            quote!(fn #ident<__R>(_f: impl ::core::ops::FnOnce(&#ty) -> __R) -> __R)
        }
        Accessor::With => {
            quote!(fn #ident<__R>(_f: impl ::core::ops::FnOnce(#option<&#ty>) -> __R) -> __R)
        }
        Accessor::IsSet => quote!(fn #ident() -> bool),
        Accessor::Set => quote!(fn #ident(_value: #ty)),
        Accessor::TrySet => quote! {
            fn #ident(_value: #ty) -> ::core::result::Result<(), #krate::AccessError>
        },
        Accessor::Replace => quote!(fn #ident(_value: #ty) -> #option<#ty>),
        Accessor::Take => quote!(fn #ident() -> #option<#ty>),
        Accessor::Update if has_default => {
            quote!(fn #ident<__R>(_f: impl ::core::ops::FnOnce(&mut #ty) -> __R) -> __R)
        }
        Accessor::Update => quote! {
            fn #ident<__R>(_f: impl ::core::ops::FnOnce(&mut #option<#ty>) -> __R) -> __R
        },
        Accessor::Scope => quote! {
            fn #ident<__F: ::core::future::IntoFuture>(_value: #ty, _future: __F)
                -> #krate::WithContext<__F::IntoFuture>
        },
        Accessor::SyncScope => quote! {
            fn #ident<__R>(_value: #ty, _f: impl ::core::ops::FnOnce() -> __R) -> __R
        },
        Accessor::WithOrInit => quote! {
            fn #ident<__R>(
                _init: impl ::core::ops::FnOnce() -> #ty,
                _f: impl ::core::ops::FnOnce(&#ty) -> __R,
            ) -> __R
        },
    };
    quote! {
        #(#cfgs)*
        #vis #signature { loop {} }
    }
}
