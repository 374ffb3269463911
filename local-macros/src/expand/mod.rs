//! From the checked model to tokens. Cannot fail: everything was checked in `valid`.
//!
//! Output, for `#[async_local] struct Owner { field: T }`:
//!
//! ```text
//! struct Owner { field: T }                  // as written, minus `#[local]`
//! const _: () = {
//!     struct __CtxlocalValues { field: Slot<T, Mode> }   // the values in one context
//!     impl Values for __CtxlocalValues { .. }           // `no_inherit` hooks, if any
//!     static __CTXLOCAL_KEY: StructKey<__CtxlocalValues, Mode>;
//!     const __CTXLOCAL_PROOF_0: FieldProof<T, Mode>;    // "T may be stored": one error site
//!     fn __ctxlocal_default_0() -> T { .. }             // per `default`
//!     impl Owner { /* accessors */ }
//! };
//! ```
//!
//! Split by what it generates: [`names`] computes every name once, [`storage`] the values
//! table, key, proofs and defaults, [`accessors`] the functions on the struct (documented by
//! [`docs`]), [`integrations`] what the struct offers to tracing, baggage, `Debug` and
//! `Context::with`.

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
    let values_struct = storage::values_struct(input, &names);
    let values_impl = storage::values_impl(input, &names);
    let (proof_imports, proofs) = storage::proofs(input, &names);
    let defaults = storage::defaults(input, &names);
    let (hooks, with_hooks) = match integrations::trace_hooks(input, &names) {
        Some(hooks) => (hooks, quote!(.with_hooks(&__CTXLOCAL_HOOKS))),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let key_static = storage::key(input, &names, with_hooks);
    let accessors = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| accessors::field_accessors(input, &names, field, field_names));
    let struct_methods = accessors::struct_methods(input, &names);
    let async_local_impl = integrations::async_local_impl(input, &names);
    let propagation = integrations::propagation(input, &names);
    let debug_view = input
        .options
        .debug
        .then(|| integrations::debug_view(input, &names));

    quote! {
        #original

        const _: () = {
            #values_struct
            #values_impl
            #proof_imports
            #hooks
            #key_static
            #proofs
            #defaults

            // Accessor names are built from field names (`_data` gives `set__data`); a field
            // named against the style lints is already reported at the field itself.
            #[automatically_derived]
            #[allow(non_snake_case)]
            impl #ident {
                #(#accessors)*
                #struct_methods
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
