//! The `#[async_local]` attribute of [`ctxlocal`](https://docs.rs/ctxlocal).
//!
//! Use it through the `ctxlocal` crate, which re-exports it and documents it in full.
//! Structure: `parse` checks the input and builds a plain `model` (collecting every error),
//! `expand` turns the model into tokens and cannot fail; `fallback` is what a rejected input
//! becomes next to its errors.

mod expand;
mod fallback;
mod model;
mod parse;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Turns a struct with named fields into typed, async-aware context storage. See the
/// `ctxlocal` crate for the full reference.
#[proc_macro_attribute]
pub fn async_local(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let input = match syn::parse2::<syn::DeriveInput>(item.clone()) {
        Ok(input) => input,
        Err(_) => {
            let error = parse::not_a_struct(&item).to_compile_error();
            return quote::quote!(#item #error).into();
        }
    };
    match parse::parse(args.into(), &input) {
        Ok(model) => expand::expand(&model).into(),
        Err(rejected) => {
            // Emit the user's item anyway, with stubs of its accessors, so that code using it
            // does not produce a second wave of errors.
            let fallback = fallback::fallback(&input, rejected.partial.as_deref());
            let errors = rejected.errors.to_compile_error();
            quote::quote!(#fallback #errors).into()
        }
    }
}
