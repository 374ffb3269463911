//! From the checked model to tokens. Cannot fail: everything was checked in `valid`.
//!
//! Output, for `#[async_local] struct Owner { field: T }`:
//!
//! ```text
//! struct Owner { field: T }                    // as written, minus `#[local]`
//! const _: () = {
//!     use ::ctxlocal::__private as __ctxlocal; // and its `core` as `__core`
//!     struct __CtxlocalValues { field: Slot<T, Mode> }   // the values in one context
//!     unsafe impl Values for __CtxlocalValues { .. }    // `no_inherit` hooks, if any
//!     static __CTXLOCAL_KEY: StructKey<__CtxlocalValues, Mode>;
//!     const __CTXLOCAL_FIELD_0: FieldRef<..> =  // the field, described once to the runtime
//!         ((&KEY, "Owner", "field"), (|v| &v.field, |v| &mut v.field), proof);
//!     fn __ctxlocal_default_0() -> T { .. }    // per `default`
//!     fn __ctxlocal_values(value: Owner) -> __CtxlocalValues { .. }
//!     impl Owner { fn with_field(..) { __ctxlocal::field_with(__CTXLOCAL_FIELD_0, f) } .. }
//!     impl Owner where T: Clone { fn field() -> Option<T> { .. } .. }
//! };
//! ```
//!
//! Split by what it generates: [`names`] computes every name once, [`storage`] the values
//! table, key, field descriptions and defaults, [`accessors`] the functions on the struct
//! (documented by [`docs`]), [`integrations`] what the struct offers to tracing, baggage,
//! `Debug` and `Context::with`.

mod accessors;
mod docs;
mod integrations;
mod names;
mod storage;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Struct;
use names::Names;

pub(crate) fn expand(input: &Struct) -> TokenStream {
    let names = Names::new(input);
    let ident = &input.ident;

    let original = original_struct(input);
    let prelude = storage::prelude(&names);
    let values = storage::values(input, &names);
    let (hooks, with_hooks) = match integrations::trace_hooks(input, &names) {
        Some(hooks) => (hooks, quote!(.with_hooks(&__CTXLOCAL_HOOKS))),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let key = storage::key(input, &names, with_hooks);
    let handles = storage::handles(input, &names);
    let defaults = storage::defaults(input, &names);
    let into_values = storage::into_values(input, &names);

    // The accessors any field type gets go in one `impl` with the struct's functions, unless
    // the field is under a `cfg`, which then goes on an `impl` of the field's own; the cloning
    // ones go in an `impl` per field, bounded by `T: Clone`.
    let mut shared = Vec::new();
    let mut per_field = Vec::new();
    for (field, field_names) in input.fields.iter().zip(&names.fields) {
        let accessors::FieldAccessors { any, cloning } =
            accessors::field_accessors(input, &names, field, field_names);
        let cfgs = &field.cfgs;
        if cfgs.is_empty() {
            shared.push(any);
        } else {
            per_field.push(quote! {
                #(#cfgs)*
                #[automatically_derived]
                impl #ident {
                    #any
                }
            });
        }
        let clone_bound = accessors::clone_bound(&names, field);
        // Spanned at the field: a call that does not meet the bound is told it is the field's.
        let mut owner = ident.clone();
        owner.set_span(field.ident.span());
        per_field.push(quote! {
            #(#cfgs)*
            #[automatically_derived]
            impl #owner #clone_bound {
                #cloning
            }
        });
    }
    let struct_fns = accessors::struct_fns(input, &names);
    let debug_view = input
        .options
        .debug
        .then(|| integrations::debug_view(input, &names));
    let async_local_impl = integrations::async_local_impl(input, &names);
    let propagation = integrations::propagation(input, &names);

    // Accessor names are built from field names (`_data` gives `set__data`); a field named
    // against the style lints is already reported at the field itself. Most accessors of a
    // struct go unused, and the user cannot remove them: none is dead code. (The `allow`s
    // cover the user's `default` expressions too, the price of one `allow` instead of one per
    // item.)
    quote! {
        #original

        #[allow(non_snake_case, dead_code)]
        const _: () = {
            #prelude
            #values
            #hooks
            #key
            #handles
            #defaults
            #into_values

            #(#per_field)*
            #[automatically_derived]
            impl #ident {
                #(#shared)*
                #struct_fns
                #debug_view
            }

            #async_local_impl
            #propagation
        };
    }
}

/// The user's struct as written, minus our `#[local]` attributes.
fn original_struct(input: &Struct) -> TokenStream {
    let attrs = &input.attrs;
    let vis = &input.vis;
    let struct_token = &input.struct_token;
    let ident = &input.ident;
    let fields = input.fields.iter().map(|field| {
        let attrs = &field.attrs;
        let vis = &field.vis;
        let name = &field.ident;
        let ty = &field.ty;
        quote! { #(#attrs)* #vis #name: #ty }
    });
    // Fields of a context struct are usually only read through the generated accessors
    // (`value.set()`, `value.scope(..)` move them into the context), which rustc does not count.
    quote! {
        #(#attrs)*
        #[allow(dead_code)]
        #vis #struct_token #ident {
            #(#fields,)*
        }
    }
}
