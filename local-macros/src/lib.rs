//! The `#[async_local]` attribute of [`ctxlocal`](https://docs.rs/ctxlocal).
//!
//! Use it through the `ctxlocal` crate, which re-exports it and documents it in full.

// One file per pass, the way thiserror's `impl` is laid out: `attr` parses the options, `ast`
// turns the input's shape into a plain `model`, `valid` checks it, all of them reporting into
// one `errors::Ctxt` so that every problem is reported at once; then either `expand` turns the
// model into tokens (it cannot fail) or, if anything was wrong, `fallback` emits the user's
// item with stubs of its accessors next to the errors.

mod ast;
mod attr;
mod errors;
mod expand;
mod fallback;
mod model;
#[cfg(test)]
mod snapshots;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;

use crate::errors::Ctxt;
use crate::model::Struct;

/// Turns a struct with named fields into typed, async-aware context storage. See the
/// `ctxlocal` crate for the full reference.
#[proc_macro_attribute]
pub fn async_local(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    let input = match syn::parse2::<syn::DeriveInput>(item.clone()) {
        Ok(input) => input,
        Err(_) => {
            let error = ast::not_a_struct(&item).to_compile_error();
            return quote::quote!(#item #error).into();
        }
    };
    match model(args.into(), &input) {
        Ok(model) => expand::expand(&model).into(),
        Err((errors, partial)) => {
            // Emit the user's item anyway, with stubs of its accessors, so that code using it
            // does not produce a second wave of errors.
            let fallback = fallback::fallback(&input, partial.as_deref());
            let errors = errors.to_compile_error();
            quote::quote!(#fallback #errors).into()
        }
    }
}

/// The checked model of the input, or every error found in it with as much of the model as
/// could be built (for a struct with named fields), from which the fallback emits stubs.
fn model(
    args: TokenStream2,
    input: &syn::DeriveInput,
) -> Result<Struct, (syn::Error, Option<Box<Struct>>)> {
    let cx = Ctxt::new();
    let options = attr::struct_options(&cx, args);
    valid::generics(&cx, &input.generics);
    let model = Struct::from_syn(&cx, input, options);
    if let Some(model) = &model {
        valid::check(&cx, model);
    }
    match (cx.check(), model) {
        (Ok(()), Some(model)) => Ok(model),
        (Err(errors), partial) => Err((errors, partial.map(Box::new))),
        // `Struct::from_syn` reports every input it returns no model for; this is only a guard.
        (Ok(()), None) => Err((
            syn::Error::new(input.ident.span(), "expected a struct with named fields"),
            None,
        )),
    }
}
