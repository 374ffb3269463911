//! Where the values live: the struct's table of slots and its `Values` impl, the key, each
//! field's proof and default, and the conversion of a struct value into a table.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::names::Names;
use crate::model::{Field, FieldDefault, Mode, Struct};

/// `struct __CtxlocalValues { field: Slot<T, Mode>, .. }`: the struct's values in one context.
pub(super) fn values_struct(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private,
        mode,
        values,
        ..
    } = names;
    let value_fields = input.fields.iter().map(|field| {
        let name = &field.ident;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            #name: #private::Slot<#ty, #mode>
        }
    });
    quote! {
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
    }
}

/// `impl Values`: whether any field is set, and the hook that drops `no_inherit` values from a
/// child's snapshot.
pub(super) fn values_impl(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private, values, ..
    } = names;
    let all_set = any_set(&input.fields.iter().collect::<Vec<_>>());
    let is_empty = quote! {
        fn is_empty(&self) -> bool {
            #all_set
            !any_set
        }
    };
    let not_inherited: Vec<_> = input
        .fields
        .iter()
        .filter(|f| f.no_inherit.is_some())
        .collect();
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

/// The struct's key: `static __CTXLOCAL_KEY: StructKey<__CtxlocalValues, Mode>`, with the
/// trace hooks if any (`with_hooks`).
pub(super) fn key(input: &Struct, names: &Names, with_hooks: TokenStream) -> TokenStream {
    let Names {
        private,
        mode,
        values,
        key,
        ..
    } = names;
    let key_new = match input.options.mode {
        Mode::Default => quote!(new),
        Mode::ThreadCritical => quote!(new_local),
    };
    quote! {
        static #key: #private::StructKey<#values, #mode> =
            #private::StructKey::#key_new()#with_hooks;
    }
}

/// One `const` per field proving its type may be stored (and the imports they use): a type
/// that may not cross threads is reported there, once, and nowhere else (the accessors only
/// pass the proof along).
pub(super) fn proofs(input: &Struct, names: &Names) -> (TokenStream, TokenStream) {
    let Names { private, mode, .. } = names;
    let proof_new = match input.options.mode {
        Mode::Default => "new",
        Mode::ThreadCritical => "local",
    };
    let proofs = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| {
            let proof = &field_names.proof;
            let ty = &field.ty;
            let cfgs = &field.cfgs;
            let proof_new = syn::Ident::new(proof_new, ty.span());
            // Spanned at the field's type.
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
    let imports = quote! {
        use #private::FieldProof as __CtxlocalFieldProof;
        #storable
    };
    (imports, quote!(#(#proofs)*))
}

/// One function per default, so that a type without `Default` (spanned at the `default`
/// option) or an expression of the wrong type (spanned at the expression) is reported once;
/// the accessors only call it.
pub(super) fn defaults(input: &Struct, names: &Names) -> TokenStream {
    let private = &names.private;
    let defaults = input
        .fields
        .iter()
        .zip(&names.fields)
        .filter_map(|(field, field_names)| {
            let default = field.default.as_ref()?;
            let function = &field_names.default_fn;
            let ty = &field.ty;
            let cfgs = &field.cfgs;
            Some(match default {
                FieldDefault::Trait(span) => quote_spanned! {*span=>
                    #(#cfgs)*
                    fn #function() -> #ty {
                        <#ty as #private::core::default::Default>::default()
                    }
                },
                FieldDefault::Expr(expr) => quote_spanned! {expr.span()=>
                    #(#cfgs)*
                    fn #function() -> #ty {
                        #expr
                    }
                },
            })
        });
    quote!(#(#defaults)*)
}

/// `let Owner { a, b } = self; Values { a: Slot::new(..), b: Slot::new(..) }`
pub(super) fn into_values(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private, values, ..
    } = names;
    let owner = &input.ident;
    let idents: Vec<_> = input.fields.iter().map(|f| &f.ident).collect();
    let cfgs: Vec<_> = input.fields.iter().map(|f| &f.cfgs).collect();
    let slots = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| {
            let name = &field.ident;
            let proof = &field_names.proof;
            let cfgs = &field.cfgs;
            quote! { #(#cfgs)* #name: #private::Slot::new(#proof, #name) }
        });
    quote! {
        let #owner { #(#(#cfgs)* #idents,)* } = self;
        #values { #(#slots,)* }
    }
}
