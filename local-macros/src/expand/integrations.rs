//! What the struct offers beyond its accessors: its `#[local(trace)]` fields to log events,
//! its `#[local(propagate)]` fields to the baggage header, a `Debug` view of its current values
//! (`debug`), and `impl AsyncLocal` so its value can go into a `Context`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::docs::Docs;
use super::names::Names;
use crate::model::{Mode, Struct, StructFn};

/// `Some(T)` if `ty` is written `Option<T>` (or `std::option::Option<T>`, ...): a propagated
/// `Option` field travels when it is `Some`, as its `T`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// What a propagated or traced field of type `ty` shows, and the pattern that binds it as
/// `value` from the `Option<&ty>` a borrowing read gives: the value itself, or for an
/// `Option<T>` field its `T` when it is `Some` (a `None` shows nothing).
fn shown_value<'a>(core: &syn::Ident, ty: &'a syn::Type) -> (&'a syn::Type, TokenStream) {
    let some = quote!(#core::option::Option::Some);
    match option_inner(ty) {
        Some(inner) => (inner, quote!(#some(#some(value)))),
        None => (ty, quote!(#some(value))),
    }
}

/// For `#[local(propagate)]` fields: the functions that read them out of the current context
/// (inject) and into a `Context` (extract), registered for the `baggage` module.
pub(super) fn propagation(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        krate,
        private,
        core,
        ..
    } = names;
    let mut keys = Vec::new();
    let mut proofs = Vec::new();
    let mut injects = Vec::new();
    let mut extracts = Vec::new();
    for (field, field_names) in input.fields.iter().zip(&names.fields) {
        let Some(name) = field.propagate_key() else {
            continue;
        };
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        let handle = &field_names.handle;
        let text = &field_names.text_proof;
        let (text_ty, present) = shown_value(core, ty);
        let wrap = match option_inner(ty) {
            Some(_) => quote!(#core::option::Option::Some(value)),
            None => quote!(value),
        };
        let field_name = &field.name;
        keys.push(quote! {
            #(#cfgs)*
            #private::PropagatedField { key: #name, field: #field_name }
        });
        // Spanned at the type: one error there for a type that cannot travel as text.
        proofs.push(quote_spanned! {text_ty.span()=>
            #(#cfgs)*
            const #text: __CtxlocalTextProof<#text_ty> = __CtxlocalTextProof::new();
        });
        injects.push(quote! {
            #(#cfgs)*
            #private::field_with(#handle, |value| {
                if let #present = value {
                    put(#name, #text.to_text(value));
                }
            });
        });
        extracts.push(quote! {
            #(#cfgs)*
            if let #core::option::Option::Some(text) = source.lookup(#name) {
                if let #core::option::Option::Some(value) = #text.from_text(text) {
                    #private::field_insert(context, #handle, #wrap);
                }
            }
        });
    }
    if keys.is_empty() {
        return TokenStream::new();
    }
    let owner = input.ident.unraw().to_string();
    quote! {
        use #private::TextProof as __CtxlocalTextProof;
        #(#proofs)*

        // Unused without the `baggage` feature, which registers them.
        #[allow(dead_code)]
        fn __ctxlocal_inject(put: &mut dyn #core::ops::FnMut(&'static str, ::std::string::String)) {
            #(#injects)*
        }

        #[allow(dead_code)]
        fn __ctxlocal_extract(context: &mut #krate::Context, source: &dyn #private::Lookup) {
            #(#extracts)*
        }

        #private::register_propagation! {
            #private::Propagation {
                owner: #core::concat!(
                    #core::module_path!(),
                    "::",
                    #owner,
                ),
                fields: &[#(#keys),*],
                inject: __ctxlocal_inject,
                extract: __ctxlocal_extract,
            }
        }
    }
}

/// `impl AsyncLocal`, so the struct's value can be put into a `Context` (`Context::with`).
/// Thread-critical structs do not get it: a `Context` never holds their values.
pub(super) fn async_local_impl(input: &Struct, names: &Names) -> TokenStream {
    if input.options.mode == Mode::ThreadCritical {
        return TokenStream::new();
    }
    let Names {
        krate,
        private,
        key,
        into_values,
        ..
    } = names;
    let ident = &input.ident;
    quote! {
        #[automatically_derived]
        impl #krate::AsyncLocal for #ident {
            #[inline]
            fn insert_into(self, context: &mut #krate::Context) {
                #private::insert_struct(context, &#key, #into_values(self))
            }
        }
    }
}

/// The hooks static and the function that shows `#[local(trace)]` fields on log events, or
/// nothing if no field is traced.
pub(super) fn trace_hooks(input: &Struct, names: &Names) -> Option<TokenStream> {
    let Names { private, core, .. } = names;
    let traced: Vec<_> = (input.fields.iter().zip(&names.fields))
        .filter(|(field, _)| field.trace)
        .collect();
    if traced.is_empty() {
        return None;
    }
    let visits = traced.iter().map(|(field, field_names)| {
        let handle = &field_names.handle;
        let name = &field.name;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        let (shown_ty, present) = shown_value(core, ty);
        // Spanned at the field's type, all of it: a type with neither `Display` nor `Debug`
        // is reported there.
        let name = syn::LitStr::new(name, shown_ty.span());
        let show = quote_spanned! {shown_ty.span()=>
            (&__CtxlocalTrace::<#shown_ty>(value)).visit_trace(#name, visit)
        };
        quote! {
            #(#cfgs)*
            #private::field_with(#handle, |value| {
                if let #present = value {
                    #show
                }
            });
        }
    });
    Some(quote! {
        fn __ctxlocal_trace(
            visit: &mut dyn #core::ops::FnMut(&'static str, &dyn #core::fmt::Display),
        ) {
            #[allow(unused_imports)]
            use #private::{Trace as __CtxlocalTrace, TraceDebug as _, TraceDisplay as _};
            #(#visits)*
        }

        static __CTXLOCAL_HOOKS: #private::StructHooks =
            #private::StructHooks::new(#core::option::Option::Some(__ctxlocal_trace));
    })
}

/// `debug_current()`: a `Debug` view of the values in the current context. Generated only with
/// the `debug` option, so structs without it get no `Debug` requirement on their fields.
pub(super) fn debug_view(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private,
        core,
        mode,
        values,
        key,
        owner,
        ..
    } = names;
    let vis = &input.vis;
    let docs = Docs::new(input, names);

    // One spanned check per field: a field type without `Debug` is reported at the field.
    let checks = input.fields.iter().map(|field| {
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            #private::assert_debug::<#ty>();
        }
    });
    let bounds: Vec<_> = input
        .fields
        .iter()
        .map(|field| {
            let ty = &field.ty;
            quote_spanned!(ty.span()=> for<'__ctxlocal> #ty: #core::fmt::Debug)
        })
        .collect();
    let entries = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| {
            let name = &field.ident;
            let label = &field.name;
            let cfgs = &field.cfgs;
            let default = match field.default {
                Some(_) => {
                    let function = &field_names.default_fn;
                    quote!(#core::option::Option::Some(#function as fn() -> _))
                }
                None => quote!(#core::option::Option::None),
            };
            quote! {
                #(#cfgs)*
                {
                    debug.field(#label, &#private::DebugField::new(&values.#name, #default));
                }
            }
        });
    let doc = docs.struct_fn(StructFn::DebugCurrent);
    quote! {
        #[doc = #doc]
        #[inline]
        #vis fn debug_current() -> impl #core::fmt::Debug
        where
            #(#bounds,)*
        {
            const _: fn() = || {
                #(#checks)*
            };
            struct __CtxlocalDebugView(#core::option::Option<#values>);
            impl #core::fmt::Debug for __CtxlocalDebugView
            where
                #(#bounds,)*
            {
                fn fmt(
                    &self,
                    f: &mut #core::fmt::Formatter<'_>,
                ) -> #core::fmt::Result {
                    let empty = #values::default();
                    let values = self.0.as_ref().unwrap_or(&empty);
                    let mut debug = f.debug_struct(#owner);
                    #(#entries)*
                    debug.finish()
                }
            }
            __CtxlocalDebugView(#private::snapshot::<#mode, #values>(&#key))
        }
    }
}
