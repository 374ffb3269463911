//! Where the values live: the struct's table of slots and its `Values` impl, the key, each
//! field's description for the runtime (key, projections, proof) and default, and the
//! conversion of a struct value into a table.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::names::Names;
use crate::model::{Field, FieldDefault, Mode, Struct};

/// The block's imports and the aliases of the struct's slot and field-description types.
pub(super) fn prelude(names: &Names) -> TokenStream {
    let Names {
        private_path,
        private,
        core,
        mode,
        values,
        slot,
        field,
        ..
    } = names;
    quote! {
        use #private_path as #private;
        use #private_path::core as #core;
        type #slot<T> = #private::Slot<T, #mode>;
        type #field<T> = #private::FieldRef<#values, T, #mode>;
    }
}

/// `struct __CtxlocalValues { field: __CtxlocalSlot<T>, .. }`: the struct's values in one
/// context, and its `Values` impl.
pub(super) fn values(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private,
        core,
        values,
        slot,
        ..
    } = names;
    let value_fields = input.fields.iter().map(|field| {
        let name = &field.ident;
        let ty = &field.ty;
        let cfgs = &field.cfgs;
        quote_spanned! {ty.span()=>
            #(#cfgs)*
            #name: #slot<#ty>
        }
    });
    let values_impl = values_impl(input, names);
    quote! {
        #[derive(#core::clone::Clone, #core::default::Default)]
        // A field whose accessors are never called leaves its slot unread. A field name
        // against the style lints is reported (or allowed) at the user's own field.
        #[allow(non_camel_case_types, non_snake_case, dead_code)]
        struct #values {
            #(#value_fields,)*
        }

        // SAFETY: the values table is a struct of slots with derived `Clone` and `Default`,
        // which clone and create pointers and run no user code; `inherited` (if any) only
        // clones the table and resets slots.
        unsafe impl #private::Values for #values {
            #values_impl
        }
    }
}

/// The items of `impl Values`: whether any field is set, and the hook that drops `no_inherit`
/// values from a child's snapshot.
fn values_impl(input: &Struct, names: &Names) -> TokenStream {
    let core = &names.core;
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
        return is_empty;
    }
    let not_inherited_set = any_set(&not_inherited);
    let resets = not_inherited.iter().map(|field| {
        let name = &field.ident;
        let cfgs = &field.cfgs;
        quote! { #(#cfgs)* { copy.#name = #core::default::Default::default(); } }
    });
    quote! {
        const NOT_INHERITED: bool = true;

        #is_empty

        fn inherited(&self) -> #core::option::Option<Self> {
            #not_inherited_set
            if !any_set {
                return #core::option::Option::None;
            }
            let mut copy = #core::clone::Clone::clone(self);
            #(#resets)*
            #core::option::Option::Some(copy)
        }
    }
}

/// Statements that leave `any_set` true if any of `fields` is set in `self` (a values table);
/// fields under `#[cfg]` count only where they exist (in a block: a `cfg` on an expression
/// statement is unstable).
fn any_set(fields: &[&Field]) -> TokenStream {
    let checks = fields.iter().map(|field| {
        let name = &field.ident;
        let cfgs = &field.cfgs;
        let check = quote!(any_set |= self.#name.is_set(););
        match cfgs.is_empty() {
            true => check,
            false => quote!(#(#cfgs)* { #check }),
        }
    });
    quote! {
        #[allow(unused_mut)]
        let mut any_set = false;
        #(#checks)*
    }
}

/// The struct's key, with the trace hooks if any (`with_hooks`).
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
        static #key: #private::StructKey<#values, #mode> = #private::StructKey::#key_new()#with_hooks;
    }
}

/// One `const` per field describing it to the runtime (`FieldRef`): which field it is (the
/// key, and the names for messages), the projections to its slot, and the proof that its type
/// may be stored. The proof is spanned at the field's type: a type that may not cross threads
/// is reported there, once, and nowhere else (the accessors only pass the description along).
pub(super) fn handles(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private,
        field: field_type,
        key,
        owner,
        ..
    } = names;
    let handles = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| {
            let handle = &field_names.handle;
            let ident = &field.ident;
            let ty = &field.ty;
            let cfgs = &field.cfgs;
            let name = &field.name;
            // Every token at the type, the paths too: rustc points at a call's path.
            let mut private = private.clone();
            private.set_span(ty.span());
            let proof = match input.options.mode {
                Mode::Default => quote_spanned! {ty.span()=>
                    #private::storable(#private::FieldProof::new())
                },
                Mode::ThreadCritical => {
                    quote_spanned!(ty.span()=> #private::FieldProof::local())
                }
            };
            quote! {
                #(#cfgs)*
                const #handle: #field_type<#ty> = (
                    (&#key, #owner, #name),
                    (|__v| &__v.#ident, |__v| &mut __v.#ident),
                    #proof,
                );
            }
        });
    quote!(#(#handles)*)
}

/// One function per default, so that a type without `Default` (spanned at the `default`
/// option) or an expression of the wrong type (spanned at the expression) is reported once;
/// the accessors only name it.
pub(super) fn defaults(input: &Struct, names: &Names) -> TokenStream {
    let core = &names.core;
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
                        <#ty as #core::default::Default>::default()
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

/// `fn __ctxlocal_values(value: Owner) -> __CtxlocalValues`: a struct value as a values table
/// (for `value.set()`, `value.scope(..)`, `Context::with(value)`).
pub(super) fn into_values(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        private,
        values,
        into_values,
        ..
    } = names;
    let owner = &input.ident;
    let slots = input
        .fields
        .iter()
        .zip(&names.fields)
        .map(|(field, field_names)| {
            let name = &field.ident;
            let handle = &field_names.handle;
            let cfgs = &field.cfgs;
            quote! { #(#cfgs)* #name: #private::field_slot(#handle, value.#name) }
        });
    quote! {
        #[inline]
        fn #into_values(value: #owner) -> #values {
            #values { #(#slots,)* }
        }
    }
}
