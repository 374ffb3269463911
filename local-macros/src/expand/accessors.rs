//! The functions on the struct: each field's accessors (one per [`Accessor`], the list the
//! collision check uses too) and those of the whole struct (one per [`StructFn`]). Both modes
//! share this code: the runtime functions are generic over the mode, which the key's type
//! carries.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::docs::Docs;
use super::names::{FieldNames, Names};
use super::storage::into_values;
use crate::model::{Accessor, Field, Struct, StructFn};

pub(super) fn field_accessors(
    input: &Struct,
    names: &Names,
    field: &Field,
    field_names: &FieldNames,
) -> TokenStream {
    let Names {
        krate,
        private,
        values,
        key,
        ..
    } = names;
    let docs = Docs::new(input, names);
    let proof = &field_names.proof;
    let default_fn = &field_names.default_fn;
    let vis = &field.vis;
    let cfgs = &field.cfgs;
    let ident = &field.ident;
    let ty = &field.ty;
    let span = field.ident.span();

    let field_ref = quote_spanned!(span=> |__v: &#values| &__v.#ident);
    let field_mut = quote_spanned!(span=> |__v: &mut #values| &mut __v.#ident);
    let clone_bound =
        quote_spanned!(ty.span()=> where for<'__ctxlocal> #ty: #private::core::clone::Clone);
    let option = quote!(#private::core::option::Option);
    let has_default = field.default.is_some();

    let accessors = Accessor::ALL.map(|accessor| {
        let name = field_names.accessor(accessor);
        let what = field_names.path(accessor);
        let doc = docs.accessor(field, field_names, accessor);
        let function = match accessor {
            Accessor::Get if has_default => quote_spanned! {span=>
                #[inline]
                #vis fn #name() -> #ty #clone_bound {
                    #private::get_or(&#key, #field_ref, #default_fn)
                }
            },
            Accessor::Get => quote_spanned! {span=>
                #[inline]
                #vis fn #name() -> #option<#ty> #clone_bound {
                    #private::get(&#key, #field_ref)
                }
            },
            Accessor::With if has_default => quote_spanned! {span=>
                #[inline]
                #vis fn #name<__R>(
                    f: impl #private::core::ops::FnOnce(&#ty) -> __R,
                ) -> __R {
                    #private::with_or(&#key, #field_ref, #default_fn, f)
                }
            },
            Accessor::With => quote_spanned! {span=>
                #[inline]
                #vis fn #name<__R>(
                    f: impl #private::core::ops::FnOnce(#option<&#ty>) -> __R,
                ) -> __R {
                    #private::with(&#key, #field_ref, f)
                }
            },
            Accessor::IsSet => quote! {
                #[inline]
                #vis fn #name() -> bool {
                    #private::is_set(&#key, #field_ref)
                }
            },
            Accessor::Set => quote! {
                #[inline]
                #[track_caller]
                #vis fn #name(value: #ty) {
                    #private::set(&#key, #field_mut, #proof, value, #what)
                }
            },
            Accessor::TrySet => quote! {
                #[inline]
                #vis fn #name(value: #ty) -> #private::core::result::Result<(), #krate::AccessError> {
                    #private::try_set(&#key, #field_mut, #proof, value)
                }
            },
            Accessor::Replace => quote! {
                #[track_caller]
                #vis fn #name(value: #ty) -> #option<#ty> #clone_bound {
                    #private::replace(&#key, #field_mut, #proof, value, #what)
                }
            },
            Accessor::Take => quote! {
                #[track_caller]
                #vis fn #name() -> #option<#ty> #clone_bound {
                    #private::take(&#key, #field_ref, #field_mut, #what)
                }
            },
            Accessor::Update if has_default => quote_spanned! {span=>
                #[track_caller]
                #vis fn #name<__R>(
                    f: impl #private::core::ops::FnOnce(&mut #ty) -> __R,
                ) -> __R #clone_bound {
                    #private::update_or(&#key, #field_mut, #proof, #default_fn, f, #what)
                }
            },
            Accessor::Update => quote_spanned! {span=>
                #[track_caller]
                #vis fn #name<__R>(
                    f: impl #private::core::ops::FnOnce(&mut #option<#ty>) -> __R,
                ) -> __R #clone_bound {
                    #private::update(&#key, #field_mut, #proof, f, #what)
                }
            },
            Accessor::Scope => quote! {
                #vis fn #name<__F: #private::core::future::IntoFuture>(
                    value: #ty,
                    future: __F,
                ) -> #krate::WithContext<__F::IntoFuture> {
                    #private::scope(&#key, #field_mut, #proof, value, future)
                }
            },
            Accessor::SyncScope => quote! {
                #vis fn #name<__R>(
                    value: #ty,
                    f: impl #private::core::ops::FnOnce() -> __R,
                ) -> __R {
                    #private::sync_scope(&#key, #field_mut, #proof, value, f)
                }
            },
        };
        // The accessors whose signatures name the field's type in a closure or a bound are
        // spanned at the field, doc included, so that an unmet bound points there.
        let doc_span = match accessor {
            Accessor::Get | Accessor::With | Accessor::Update => span,
            _ => proc_macro2::Span::call_site(),
        };
        let doc = quote_spanned!(doc_span=> #[doc = #doc]);
        quote! {
            #(#cfgs)*
            #doc
            #function
        }
    });
    quote!(#(#accessors)*)
}

/// The functions of the whole struct (`debug_current` is in `integrations`).
pub(super) fn struct_methods(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        krate,
        private,
        key,
        owner,
        ..
    } = names;
    let vis = &input.vis;
    let docs = Docs::new(input, names);
    let into_values = into_values(input, names);
    let methods = input.struct_fns().map(|function| {
        let doc = docs.struct_fn(function);
        let what = format!("{owner}::{}", function.name());
        let method = match function {
            StructFn::Scope => quote! {
                #vis fn scope<__F: #private::core::future::IntoFuture>(
                    self,
                    future: __F,
                ) -> #krate::WithContext<__F::IntoFuture> {
                    let __values = { #into_values };
                    #private::scope_struct(&#key, __values, future)
                }
            },
            StructFn::SyncScope => quote! {
                #vis fn sync_scope<__R>(self, f: impl #private::core::ops::FnOnce() -> __R) -> __R {
                    let __values = { #into_values };
                    #private::sync_scope_struct(&#key, __values, f)
                }
            },
            StructFn::Set => quote! {
                #[track_caller]
                #vis fn set(self) {
                    let __values = { #into_values };
                    #private::set_struct(&#key, __values, #what)
                }
            },
            StructFn::Clear => quote! {
                #[track_caller]
                #vis fn clear() {
                    #private::clear_struct(&#key, #what)
                }
            },
            StructFn::DebugCurrent => return TokenStream::new(),
        };
        quote! {
            #[doc = #doc]
            #method
        }
    });
    quote!(#(#methods)*)
}
