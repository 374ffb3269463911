//! From the checked model to tokens. Cannot fail: everything was checked in `parse`.
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

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::model::{Field, FieldDefault, Mode, Struct};

/// Names of the hidden items, inside an anonymous `const` block so they cannot clash with
/// anything of the user's.
const VALUES: &str = "__CtxlocalValues";
const KEY: &str = "__CTXLOCAL_KEY";

pub(crate) fn expand(input: &Struct) -> TokenStream {
    let original = original_struct(input);
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let ident = &input.ident;
    let values = format_ident!("{}", VALUES);
    let key = format_ident!("{}", KEY);
    let mode = mode_type(input);
    let (key_new, proof_new) = match input.options.mode {
        Mode::Default => (quote!(new), "new"),
        Mode::ThreadCritical => (quote!(new_local), "local"),
    };

    let value_fields = input.fields.iter().map(|field| {
        let name = &field.ident;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            #name: #private::Slot<#ty, #mode>
        }
    });
    let proofs = input.fields.iter().enumerate().map(|(index, field)| {
        let proof = proof_ident(index);
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        let proof_new = syn::Ident::new(proof_new, ty.span());
        // Spanned at the field's type: a type that may not cross threads is reported there,
        // once, and nowhere else (the accessors only pass the proof along).
        let value = quote_spanned!(ty.span()=> __CtxlocalFieldProof::#proof_new());
        let value = match input.options.mode {
            Mode::Default => quote_spanned!(ty.span()=> __ctxlocal_storable(#value)),
            Mode::ThreadCritical => value,
        };
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            const #proof: __CtxlocalFieldProof<#ty, #mode> = #value;
        }
    });
    let storable = (input.options.mode == Mode::Default)
        .then(|| quote!(use #private::storable as __ctxlocal_storable;));
    let defaults = input
        .fields
        .iter()
        .enumerate()
        .filter_map(|(index, field)| default_fn(input, index, field));
    let values_impl = values_impl(input);
    let accessors = input
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| field_accessors(input, index, field));
    let struct_methods = struct_methods(input);
    let debug_view = input.options.debug.then(|| debug_view(input));
    let async_local_impl = async_local_impl(input);
    let propagation = propagation(input);
    let (hooks, with_hooks) = match trace_hooks(input) {
        Some(hooks) => (hooks, quote!(.with_hooks(&__CTXLOCAL_HOOKS))),
        None => (TokenStream::new(), TokenStream::new()),
    };

    quote! {
        #original

        const _: () = {
            #[derive(
                #private::core::clone::Clone,
                #private::core::default::Default
            )]
            // A field whose accessors are never called leaves its slot unread. A field name
            // against the style lints is reported (or allowed) at the user's own field.
            #[allow(non_camel_case_types, non_snake_case, dead_code)]
            struct #values {
                #(#value_fields,)*
            }

            #values_impl

            use #private::FieldProof as __CtxlocalFieldProof;
            #storable

            #hooks

            static #key: #private::StructKey<#values, #mode> =
                #private::StructKey::#key_new()#with_hooks;

            #(#proofs)*
            #(#defaults)*

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
fn shown_value<'a>(private: &TokenStream, ty: &'a syn::Type) -> (&'a syn::Type, TokenStream) {
    let some = quote!(#private::core::option::Option::Some);
    match option_inner(ty) {
        Some(inner) => (inner, quote!(#some(#some(value)))),
        None => (ty, quote!(#some(value))),
    }
}

/// For `#[local(propagate)]` fields: the functions that read them out of the current context
/// (inject) and into a `Context` (extract), registered for the `baggage` module.
fn propagation(input: &Struct) -> TokenStream {
    let propagated: Vec<_> = input
        .fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.propagate.is_some())
        .collect();
    if propagated.is_empty() {
        return TokenStream::new();
    }
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let values = format_ident!("{}", VALUES);
    let key = format_ident!("{}", KEY);
    let mut keys = Vec::new();
    let mut proofs = Vec::new();
    let mut injects = Vec::new();
    let mut extracts = Vec::new();
    for (index, field) in propagated {
        let name = field.propagate.as_deref().unwrap_or_default();
        let ident = &field.ident;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        let proof = proof_ident(index);
        let text = format_ident!("__CTXLOCAL_TEXT_{}", index);
        let (text_ty, present) = shown_value(&private, ty);
        let wrap = match option_inner(ty) {
            Some(_) => quote!(#private::core::option::Option::Some(value)),
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
            #private::with(&#key, |__v: &#values| &__v.#ident, |value| {
                if let #present = value {
                    put(#name, #text.to_text(value));
                }
            });
        });
        extracts.push(quote! {
            #(#cfgs)*
            if let #private::core::option::Option::Some(text) = source.lookup(#name) {
                if let #private::core::option::Option::Some(value) = #text.from_text(text) {
                    #private::insert_field(
                        context,
                        &#key,
                        |__v: &mut #values| &mut __v.#ident,
                        #proof,
                        #wrap,
                    );
                }
            }
        });
    }
    let owner = input.ident.unraw().to_string();
    quote! {
        use #private::TextProof as __CtxlocalTextProof;
        #(#proofs)*

        // Unused without the `baggage` feature, which registers them.
        #[allow(dead_code)]
        fn __ctxlocal_inject(put: &mut dyn #private::core::ops::FnMut(&'static str, ::std::string::String)) {
            #(#injects)*
        }

        #[allow(dead_code)]
        fn __ctxlocal_extract(context: &mut #krate::Context, source: &dyn #private::Lookup) {
            #(#extracts)*
        }

        #private::register_propagation! {
            #private::Propagation {
                owner: #private::core::concat!(
                    #private::core::module_path!(),
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
fn async_local_impl(input: &Struct) -> TokenStream {
    if input.options.mode == Mode::ThreadCritical {
        return TokenStream::new();
    }
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let ident = &input.ident;
    let key = format_ident!("{}", KEY);
    let into_values = into_values(input);
    quote! {
        #[automatically_derived]
        impl #krate::AsyncLocal for #ident {
            fn insert_into(self, context: &mut #krate::Context) {
                let __values = { #into_values };
                #private::insert_struct(context, &#key, __values)
            }
        }
    }
}

/// The hooks static and the function that shows `#[local(trace)]` fields on log events, or
/// nothing if no field is traced.
fn trace_hooks(input: &Struct) -> Option<TokenStream> {
    let traced: Vec<_> = input.fields.iter().filter(|field| field.trace).collect();
    if traced.is_empty() {
        return None;
    }
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let values = format_ident!("{}", VALUES);
    let key = format_ident!("{}", KEY);
    let visits = traced.iter().map(|field| {
        let ident = &field.ident;
        let name = &field.name;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        let (shown_ty, present) = shown_value(&private, ty);
        // Spanned at the field's type, all of it: a type with neither `Display` nor `Debug`
        // is reported there.
        let name = syn::LitStr::new(name, shown_ty.span());
        let show = quote_spanned! {shown_ty.span()=>
            (&__CtxlocalTrace::<#shown_ty>(value)).visit_trace(#name, visit)
        };
        quote! {
            #(#cfgs)*
            #private::with(&#key, |__v: &#values| &__v.#ident, |value| {
                if let #present = value {
                    #show
                }
            });
        }
    });
    Some(quote! {
        fn __ctxlocal_trace(
            visit: &mut dyn #private::core::ops::FnMut(
                &'static str,
                &dyn #private::core::fmt::Display,
            ),
        ) {
            #[allow(unused_imports)]
            use #private::{Trace as __CtxlocalTrace, TraceDebug as _, TraceDisplay as _};
            #(#visits)*
        }

        static __CTXLOCAL_HOOKS: #private::StructHooks =
            #private::StructHooks::new(#private::core::option::Option::Some(__ctxlocal_trace));
    })
}

/// `let Owner { a, b } = self; Values { a: Slot::new(..), b: Slot::new(..) }`
fn into_values(input: &Struct) -> TokenStream {
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let owner = &input.ident;
    let values = format_ident!("{}", VALUES);
    let names: Vec<_> = input.fields.iter().map(|f| &f.ident).collect();
    let cfgs: Vec<_> = input.fields.iter().map(|f| &f.cfgs).collect();
    let slots = input.fields.iter().enumerate().map(|(index, field)| {
        let name = &field.ident;
        let proof = proof_ident(index);
        let cfgs = &field.cfgs;
        quote! { #(#cfgs)* #name: #private::Slot::new(#proof, #name) }
    });
    quote! {
        let #owner { #(#(#cfgs)* #names,)* } = self;
        #values { #(#slots,)* }
    }
}

/// The user's struct as written, minus our `#[local]` attributes.
pub(crate) fn original_struct(input: &Struct) -> TokenStream {
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

fn mode_type(input: &Struct) -> TokenStream {
    let krate = &input.options.krate;
    match input.options.mode {
        Mode::Default => quote!(#krate::__private::AnyThread),
        Mode::ThreadCritical => quote!(#krate::__private::ThisThread),
    }
}

fn proof_ident(index: usize) -> syn::Ident {
    format_ident!("__CTXLOCAL_PROOF_{}", index)
}

fn default_ident(index: usize) -> syn::Ident {
    format_ident!("__ctxlocal_default_{}", index)
}

/// One function per default, so that a type without `Default` (spanned at the `default`
/// option) or an expression of the wrong type (spanned at the expression) is reported once;
/// the accessors only call it.
fn default_fn(input: &Struct, index: usize, field: &Field) -> Option<TokenStream> {
    let krate = &input.options.krate;
    let default = field.default.as_ref()?;
    let function = default_ident(index);
    let ty = &field.ty;
    let cfgs = &field.cfgs;
    Some(match default {
        FieldDefault::Trait(span) => quote_spanned! {*span=>
            #(#cfgs)*
            fn #function() -> #ty {
                <#ty as #krate::__private::core::default::Default>::default()
            }
        },
        FieldDefault::Expr(expr) => quote_spanned! {expr.span()=>
            #(#cfgs)*
            fn #function() -> #ty {
                #expr
            }
        },
    })
}

/// `impl Values`: whether any field is set, and the hook that drops `no_inherit` values from a
/// child's snapshot.
fn values_impl(input: &Struct) -> TokenStream {
    let private = {
        let krate = &input.options.krate;
        quote!(#krate::__private)
    };
    let values = format_ident!("{}", VALUES);
    let all_set = any_set(&input.fields.iter().collect::<Vec<_>>());
    let is_empty = quote! {
        fn is_empty(&self) -> bool {
            #all_set
            !any_set
        }
    };
    let not_inherited: Vec<_> = input.fields.iter().filter(|f| f.no_inherit).collect();
    if not_inherited.is_empty() {
        return quote! {
            // SAFETY: the values table is a struct of slots with derived `Clone` and `Default`,
            // which clone and create pointers and run no user code.
            unsafe impl #private::Values for #values {
                #is_empty
            }
        };
    }
    let not_inherited_set = any_set(&not_inherited);
    let resets = not_inherited.iter().map(|field| {
        let name = &field.ident;
        let cfgs = &field.cfgs;
        quote! { #(#cfgs)* { copy.#name = #private::core::default::Default::default(); } }
    });
    quote! {
        // SAFETY: as above; `inherited` only clones the table and resets slots.
        unsafe impl #private::Values for #values {
            const NOT_INHERITED: bool = true;

            #is_empty

            fn inherited(&self) -> #private::core::option::Option<Self> {
                #not_inherited_set
                if !any_set {
                    return #private::core::option::Option::None;
                }
                let mut copy = #private::core::clone::Clone::clone(self);
                #(#resets)*
                #private::core::option::Option::Some(copy)
            }
        }
    }
}

/// Statements that leave `any_set` true if any of `fields` is set in `self` (a values table);
/// fields under `#[cfg]` count only where they exist.
fn any_set(fields: &[&Field]) -> TokenStream {
    let checks = fields.iter().map(|field| {
        let name = &field.ident;
        let cfgs = &field.cfgs;
        quote! { #(#cfgs)* { any_set |= self.#name.is_set(); } }
    });
    quote! {
        #[allow(unused_mut)]
        let mut any_set = false;
        #(#checks)*
    }
}

/// Doc text linking to the crate's rules.
struct Docs {
    /// `[`Owner`]`
    owner: String,
    /// Path of the crate, for links: `::ctxlocal` or the `crate = ..` path.
    krate: String,
    mode: Mode,
}

impl Docs {
    fn new(input: &Struct) -> Self {
        let krate = &input.options.krate;
        Docs {
            owner: format!("[`{}`]", input.ident),
            krate: quote!(#krate).to_string().replace(' ', ""),
            mode: input.options.mode,
        }
    }

    /// A link to the rules table (default mode) or the "Which mode?" table.
    fn rules(&self, default_mode: &str, thread_critical: &str) -> String {
        match self.mode {
            Mode::Default => format!("\n\nFollows [rule {default_mode}]({}#rules).", self.krate),
            Mode::ThreadCritical => format!(
                "\n\nThread-critical: follows [rule {thread_critical}]({}#which-mode).",
                self.krate
            ),
        }
    }

    fn refusal(&self, setter: &syn::Ident) -> String {
        format!(
            "\n\n# Panics\n\nInside a task started with plain `tokio::spawn` or \
             `tokio::task::spawn_blocking`, which carries no context (the value would leak to \
             other tasks on the thread): use `{krate}::spawn` or `.in_current_context()` there, \
             or [`Self::{setter}`] to get an error instead.",
            krate = self.krate,
            setter = setter
        )
    }
}

/// Both modes share the accessor code: the runtime functions are generic over the mode, which
/// the key's type carries.
fn field_accessors(input: &Struct, index: usize, field: &Field) -> TokenStream {
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let owner = &input.ident;
    let values = format_ident!("{}", VALUES);
    let key = format_ident!("{}", KEY);
    let proof = proof_ident(index);
    let vis = &field.vis;
    let cfgs = &field.cfgs;
    let ident = &field.ident;
    let ty = &field.ty;
    let name = &field.name;
    let span = field.ident.span();
    let docs = Docs::new(input);

    // The getter is the field's identifier as written (`r#type`); the others are built from
    // its name (`set_type`).
    let [
        _,
        with_name,
        is_set_name,
        set_name,
        try_set_name,
        replace_name,
        take_name,
        update_name,
        scope_name,
        sync_scope_name,
    ] = field
        .accessor_names()
        .map(|(accessor, _)| syn::Ident::new(&accessor, span));

    let what = |accessor: &syn::Ident| format!("{owner}::{accessor}");
    let what_set = what(&set_name);
    let what_replace = what(&replace_name);
    let what_take = what(&take_name);
    let what_update = what(&update_name);

    let field_ref = quote_spanned!(span=> |__v: &#values| &__v.#ident);
    let field_mut = quote_spanned!(span=> |__v: &mut #values| &mut __v.#ident);
    let clone_bound =
        quote_spanned!(ty.span()=> where for<'__ctxlocal> #ty: #private::core::clone::Clone);
    let option = quote!(#private::core::option::Option);

    let doc_field = format!("`{name}`");
    let doc_owner = &docs.owner;
    let inherit_note = if field.no_inherit {
        format!(
            "\n\n`no_inherit`: tasks and threads spawned from a context do not inherit this \
             field (it starts unset there); `{krate}::sync_to_async` / `async_to_sync` carry \
             it.",
            krate = docs.krate
        )
    } else {
        String::new()
    };
    let refusal = docs.refusal(&try_set_name);

    let (getter, with, update) = match &field.default {
        None => {
            let getter_doc = format!(
                "Returns a clone of the {doc_field} field of {doc_owner} in the current \
                 context, or `None` if it is not set there.{}{inherit_note}",
                docs.rules("D10", "T3")
            );
            let with_doc = format!(
                "Calls `f` with a borrow of the {doc_field} field of {doc_owner} in the \
                 current context (`None` if it is not set), without cloning it. Any accessor \
                 may be called inside `f`; a write to this field there leaves the borrow \
                 unchanged.{}",
                docs.rules("D2", "T3")
            );
            let update_doc = format!(
                "Mutates the {doc_field} field of {doc_owner} in the current context: `f` gets \
                 the value (`None` if unset) and whatever it leaves is stored, also if it \
                 panics. Copy-on-write: if another context shares the value, `f` mutates a \
                 private clone. While `f` runs the field reads as unset, and writes to it from \
                 inside `f` are overwritten.{}{refusal}",
                docs.rules("D12", "T3")
            );
            (
                quote_spanned! {span=>
                    #[doc = #getter_doc]
                    #[inline]
                    #vis fn #ident() -> #option<#ty> #clone_bound {
                        #private::get(&#key, #field_ref)
                    }
                },
                quote_spanned! {span=>
                    #[doc = #with_doc]
                    #[inline]
                    #vis fn #with_name<__R>(
                        f: impl #private::core::ops::FnOnce(#option<&#ty>) -> __R,
                    ) -> __R {
                        #private::with(&#key, #field_ref, f)
                    }
                },
                quote_spanned! {span=>
                    #[doc = #update_doc]
                    #[track_caller]
                    #vis fn #update_name<__R>(
                        f: impl #private::core::ops::FnOnce(&mut #option<#ty>) -> __R,
                    ) -> __R #clone_bound {
                        #private::update(&#key, #field_mut, #proof, f, #what_update)
                    }
                },
            )
        }
        Some(default) => {
            let default_text = match default {
                FieldDefault::Trait(_) => "`Default::default()`".to_owned(),
                FieldDefault::Expr(expr) => format!("`{}`", quote!(#expr)),
            };
            let default_fn = default_ident(index);
            let getter_doc = format!(
                "Returns a clone of the {doc_field} field of {doc_owner} in the current \
                 context, or its default, {default_text}, if it is not set there.{}{inherit_note}",
                docs.rules("D10", "T3")
            );
            let with_doc = format!(
                "Calls `f` with a borrow of the {doc_field} field of {doc_owner} in the \
                 current context, or of its default, {default_text}, if it is not set, without \
                 cloning. Any accessor may be called inside `f`.{}",
                docs.rules("D2", "T3")
            );
            let update_doc = format!(
                "Mutates the {doc_field} field of {doc_owner} in the current context: `f` gets \
                 the value (its default, {default_text}, if unset) and whatever it leaves is \
                 stored, also if it panics. Copy-on-write: if another context shares the \
                 value, `f` mutates a private clone. While `f` runs the field reads as unset, \
                 and writes to it from inside `f` are overwritten.{}{refusal}",
                docs.rules("D12", "T3")
            );
            (
                quote_spanned! {span=>
                    #[doc = #getter_doc]
                    #[inline]
                    #vis fn #ident() -> #ty #clone_bound {
                        #private::get_or(&#key, #field_ref, #default_fn)
                    }
                },
                quote_spanned! {span=>
                    #[doc = #with_doc]
                    #[inline]
                    #vis fn #with_name<__R>(
                        f: impl #private::core::ops::FnOnce(&#ty) -> __R,
                    ) -> __R {
                        #private::with_or(&#key, #field_ref, #default_fn, f)
                    }
                },
                quote_spanned! {span=>
                    #[doc = #update_doc]
                    #[track_caller]
                    #vis fn #update_name<__R>(
                        f: impl #private::core::ops::FnOnce(&mut #ty) -> __R,
                    ) -> __R #clone_bound {
                        #private::update_or(&#key, #field_mut, #proof, #default_fn, f, #what_update)
                    }
                },
            )
        }
    };

    let is_set_doc = format!(
        "Returns true if the {doc_field} field of {doc_owner} is set in the current context \
         (a default does not count).{}",
        docs.rules("D10", "T3")
    );
    let set_doc = format!(
        "Sets the {doc_field} field of {doc_owner} in the current context: visible to this \
         task (or thread) from now on, and to tasks it spawns later, never to others.{}{refusal}",
        docs.rules("D4", "T3")
    );
    let try_set_doc = format!(
        "Sets the {doc_field} field of {doc_owner} in the current context, or returns why \
         writing is refused here (see [`{krate}::AccessError`]).{}",
        docs.rules("D8", "T3"),
        krate = docs.krate,
    );
    let replace_doc = format!(
        "Sets the {doc_field} field of {doc_owner} in the current context and returns the \
         previous value (`None` if it was not set). The previous value is moved out, or cloned \
         if another context still shares it.{}{refusal}",
        docs.rules("D4", "T3")
    );
    let take_doc = format!(
        "Unsets the {doc_field} field of {doc_owner} in the current context and returns its \
         value (`None` if it was not set). The value is moved out, or cloned if another context \
         still shares it; other contexts keep theirs.{}{refusal}",
        docs.rules("D4", "T3")
    );
    let scope_doc = format!(
        "Runs `future` in a child of the current context where the {doc_field} field of \
         {doc_owner} is `value`. The override, and anything else the future writes, ends with \
         it: the caller's context is never changed.{}",
        docs.rules("D13", "T3")
    );
    let sync_scope_doc = format!(
        "Runs `f` in a child of the current context where the {doc_field} field of \
         {doc_owner} is `value`, then restores the previous context, also if `f` panics.{}",
        docs.rules("D13", "T3")
    );

    quote! {
        #(#cfgs)*
        #getter

        #(#cfgs)*
        #with

        #(#cfgs)*
        #[doc = #is_set_doc]
        #[inline]
        #vis fn #is_set_name() -> bool {
            #private::is_set(&#key, #field_ref)
        }

        #(#cfgs)*
        #[doc = #set_doc]
        #[inline]
        #[track_caller]
        #vis fn #set_name(value: #ty) {
            #private::set(&#key, #field_mut, #proof, value, #what_set)
        }

        #(#cfgs)*
        #[doc = #try_set_doc]
        #[inline]
        #vis fn #try_set_name(value: #ty) -> #private::core::result::Result<(), #krate::AccessError> {
            #private::try_set(&#key, #field_mut, #proof, value)
        }

        #(#cfgs)*
        #[doc = #replace_doc]
        #[track_caller]
        #vis fn #replace_name(value: #ty) -> #option<#ty> #clone_bound {
            #private::replace(&#key, #field_mut, #proof, value, #what_replace)
        }

        #(#cfgs)*
        #[doc = #take_doc]
        #[track_caller]
        #vis fn #take_name() -> #option<#ty> #clone_bound {
            #private::take(&#key, #field_ref, #field_mut, #what_take)
        }

        #(#cfgs)*
        #update

        #(#cfgs)*
        #[doc = #scope_doc]
        #vis fn #scope_name<__F: #private::core::future::IntoFuture>(
            value: #ty,
            future: __F,
        ) -> #krate::WithContext<__F::IntoFuture> {
            #private::scope(&#key, #field_mut, #proof, value, future)
        }

        #(#cfgs)*
        #[doc = #sync_scope_doc]
        #vis fn #sync_scope_name<__R>(
            value: #ty,
            f: impl #private::core::ops::FnOnce() -> __R,
        ) -> __R {
            #private::sync_scope(&#key, #field_mut, #proof, value, f)
        }
    }
}

fn struct_methods(input: &Struct) -> TokenStream {
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let vis = &input.vis;
    let owner = &input.ident;
    let key = format_ident!("{}", KEY);
    let docs = Docs::new(input);
    let into_values = into_values(input);

    let doc_owner = &docs.owner;
    let scope_doc = format!(
        "Runs `future` in a child of the current context where every field of {doc_owner} has \
         the value in `self`. Nothing it writes reaches the caller's context.{}",
        docs.rules("D13", "T3")
    );
    let sync_scope_doc = format!(
        "Runs `f` in a child of the current context where every field of {doc_owner} has the \
         value in `self`, then restores the previous context, also if `f` panics.{}",
        docs.rules("D13", "T3")
    );
    let set_doc = format!(
        "Sets every field of {doc_owner} in the current context to the value in `self`.{}\n\n\
         # Panics\n\nWhere the per-field setters panic: inside untracked tokio work (see \
         [`{krate}::AccessError`]).",
        docs.rules("D4", "T3"),
        krate = docs.krate,
    );
    let clear_doc = format!(
        "Unsets every field of {doc_owner} in the current context; other contexts keep their \
         values.{}\n\n# Panics\n\nWhere the per-field setters panic, if any field is set.",
        docs.rules("D4", "T3")
    );
    let what_set = format!("{owner}::set");
    let what_clear = format!("{owner}::clear");

    quote! {
        #[doc = #scope_doc]
        #vis fn scope<__F: #private::core::future::IntoFuture>(
            self,
            future: __F,
        ) -> #krate::WithContext<__F::IntoFuture> {
            let __values = { #into_values };
            #private::scope_struct(&#key, __values, future)
        }

        #[doc = #sync_scope_doc]
        #vis fn sync_scope<__R>(self, f: impl #private::core::ops::FnOnce() -> __R) -> __R {
            let __values = { #into_values };
            #private::sync_scope_struct(&#key, __values, f)
        }

        #[doc = #set_doc]
        #[track_caller]
        #vis fn set(self) {
            let __values = { #into_values };
            #private::set_struct(&#key, __values, #what_set)
        }

        #[doc = #clear_doc]
        #[track_caller]
        #vis fn clear() {
            #private::clear_struct(&#key, #what_clear)
        }
    }
}

/// `debug_current()`: a `Debug` view of the values in the current context. Generated only with
/// the `debug` option, so structs without it get no `Debug` requirement on their fields.
fn debug_view(input: &Struct) -> TokenStream {
    let krate = &input.options.krate;
    let private = quote!(#krate::__private);
    let vis = &input.vis;
    let owner = &input.ident;
    let owner_text = owner.to_string();
    let values = format_ident!("{}", VALUES);
    let key = format_ident!("{}", KEY);
    let mode = mode_type(input);
    let docs = Docs::new(input);

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
            quote_spanned!(ty.span()=> for<'__ctxlocal> #ty: #private::core::fmt::Debug)
        })
        .collect();
    let entries = input.fields.iter().enumerate().map(|(index, field)| {
        let name = &field.ident;
        let label = &field.name;
        let cfgs = &field.cfgs;
        let default = match field.default {
            Some(_) => {
                let function = default_ident(index);
                quote!(#private::core::option::Option::Some(#function as fn() -> _))
            }
            None => quote!(#private::core::option::Option::None),
        };
        quote! {
            #(#cfgs)*
            {
                debug.field(#label, &#private::DebugField::new(&values.#name, #default));
            }
        }
    });
    let doc = format!(
        "Returns a snapshot of the fields of {} in the current context that prints with `{{:?}}` \
         (or `{{:#?}}`): set fields show their value, unset ones their default or `<unset>`. \
         Generated by `#[async_local(debug)]`.{}",
        docs.owner,
        docs.rules("D2", "T3")
    );
    quote! {
        #[doc = #doc]
        #vis fn debug_current() -> impl #private::core::fmt::Debug
        where
            #(#bounds,)*
        {
            const _: fn() = || {
                #(#checks)*
            };
            struct __CtxlocalDebugView(#private::core::option::Option<#values>);
            impl #private::core::fmt::Debug for __CtxlocalDebugView
            where
                #(#bounds,)*
            {
                fn fmt(
                    &self,
                    f: &mut #private::core::fmt::Formatter<'_>,
                ) -> #private::core::fmt::Result {
                    let empty = #values::default();
                    let values = self.0.as_ref().unwrap_or(&empty);
                    let mut debug = f.debug_struct(#owner_text);
                    #(#entries)*
                    debug.finish()
                }
            }
            __CtxlocalDebugView(#private::snapshot::<#mode, #values>(&#key))
        }
    }
}
