//! The functions on the struct: each field's accessors (one per [`Accessor`], the list the
//! collision check uses too) and those of the whole struct (one per [`StructFn`]). Each is one
//! call of the runtime with the field's description (see `storage::handles`); both modes share
//! this code, since the runtime's operations are generic over the mode the key's type carries.
//!
//! Every function that is not generic is `#[inline]`, like the runtime operations it calls:
//! besides letting other crates inline it, this means it is compiled only where it is used. A
//! struct's accessors are mostly unused, and compiling them all in the struct's crate was most
//! of what the macro cost to build.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::docs::Docs;
use super::names::{FieldNames, Names};
use crate::model::{Accessor, Field, Struct, StructFn};

/// A field's accessors, in two groups: those any field type gets, and those that clone it
/// (the getter, `replace_*`, `take_*` and `update_*`, which clone a value another context
/// shares), to go in an `impl` bounded by `T: Clone`. That bound is on the `impl`, not on the
/// struct: a field type without `Clone` still gets every other accessor, and calling one of
/// these is an error at the call.
pub(super) struct FieldAccessors {
    pub any: TokenStream,
    pub cloning: TokenStream,
}

pub(super) fn field_accessors(
    input: &Struct,
    names: &Names,
    field: &Field,
    field_names: &FieldNames,
) -> FieldAccessors {
    let docs = Docs::new(input, names);
    let mut any = TokenStream::new();
    let mut cloning = TokenStream::new();
    for accessor in Accessor::ALL {
        let doc = docs.accessor(field, field_names, accessor);
        let function = accessor_fn(names, field, field_names, accessor);
        let group = match accessor {
            Accessor::Get | Accessor::Replace | Accessor::Take | Accessor::Update => &mut cloning,
            _ => &mut any,
        };
        group.extend(quote! {
            #[doc = #doc]
            #function
        });
    }
    FieldAccessors { any, cloning }
}

/// The `where` clause of the `impl` of a field's cloning accessors. The bound names a
/// lifetime so that it is not trivially false for a type that is not `Clone` (an error on
/// the `impl` itself), only unmet when one of them is called.
pub(super) fn clone_bound(names: &Names, field: &Field) -> TokenStream {
    let core = &names.core;
    let ty = &field.ty;
    quote_spanned!(ty.span()=> where for<'__ctxlocal> #ty: #core::clone::Clone)
}

fn accessor_fn(
    names: &Names,
    field: &Field,
    field_names: &FieldNames,
    accessor: Accessor,
) -> TokenStream {
    let Names {
        krate,
        private,
        core,
        ..
    } = names;
    let name = field_names.accessor(accessor);
    let handle = &field_names.handle;
    let default_fn = &field_names.default_fn;
    let vis = &field.vis;
    let ty = &field.ty;
    let option = quote!(#core::option::Option);
    let has_default = field.default.is_some();
    // Those naming the field's type in a closure or a return value are spanned at the field,
    // so that an error about them points there.
    let span = match accessor {
        Accessor::Get | Accessor::With | Accessor::Update | Accessor::WithOrInit => {
            field.ident.span()
        }
        _ => Span::call_site(),
    };
    match accessor {
        Accessor::Get if has_default => quote_spanned! {span=>
            #[inline]
            #vis fn #name() -> #ty {
                #private::field_get_or(#handle, #default_fn)
            }
        },
        Accessor::Get => quote_spanned! {span=>
            #[inline]
            #vis fn #name() -> #option<#ty> {
                #private::field_get(#handle)
            }
        },
        Accessor::With if has_default => quote_spanned! {span=>
            #vis fn #name<__R>(f: impl #core::ops::FnOnce(&#ty) -> __R) -> __R {
                #private::field_with_or(#handle, #default_fn, f)
            }
        },
        Accessor::With => quote_spanned! {span=>
            #vis fn #name<__R>(f: impl #core::ops::FnOnce(#option<&#ty>) -> __R) -> __R {
                #private::field_with(#handle, f)
            }
        },
        Accessor::IsSet => quote! {
            #[inline]
            #vis fn #name() -> bool {
                #private::field_is_set(#handle)
            }
        },
        Accessor::Set => quote! {
            #[inline]
            #[track_caller]
            #vis fn #name(value: #ty) {
                #private::field_set(#handle, value)
            }
        },
        Accessor::TrySet => quote! {
            #[inline]
            #vis fn #name(value: #ty) -> #core::result::Result<(), #krate::AccessError> {
                #private::field_try_set(#handle, value)
            }
        },
        Accessor::Replace => quote! {
            #[inline]
            #[track_caller]
            #vis fn #name(value: #ty) -> #option<#ty> {
                #private::field_replace(#handle, value)
            }
        },
        Accessor::Take => quote! {
            #[inline]
            #[track_caller]
            #vis fn #name() -> #option<#ty> {
                #private::field_take(#handle)
            }
        },
        Accessor::Update if has_default => quote_spanned! {span=>
            #[track_caller]
            #vis fn #name<__R>(f: impl #core::ops::FnOnce(&mut #ty) -> __R) -> __R {
                #private::field_update_or(#handle, #default_fn, f)
            }
        },
        Accessor::Update => quote_spanned! {span=>
            #[track_caller]
            #vis fn #name<__R>(f: impl #core::ops::FnOnce(&mut #option<#ty>) -> __R) -> __R {
                #private::field_update(#handle, f)
            }
        },
        Accessor::Scope => quote! {
            #vis fn #name<__F: #core::future::IntoFuture>(
                value: #ty,
                future: __F,
            ) -> #krate::WithContext<__F::IntoFuture> {
                #private::field_scope(#handle, value, future)
            }
        },
        Accessor::SyncScope => quote! {
            #vis fn #name<__R>(value: #ty, f: impl #core::ops::FnOnce() -> __R) -> __R {
                #private::field_sync_scope(#handle, value, f)
            }
        },
        Accessor::WithOrInit => quote_spanned! {span=>
            #[track_caller]
            #vis fn #name<__R>(
                init: impl #core::ops::FnOnce() -> #ty,
                f: impl #core::ops::FnOnce(&#ty) -> __R,
            ) -> __R {
                #private::field_with_or_init(#handle, init, f)
            }
        },
    }
}

/// The functions of the whole struct (`debug_current` is in `integrations`).
pub(super) fn struct_fns(input: &Struct, names: &Names) -> TokenStream {
    let Names {
        krate,
        private,
        core,
        key,
        into_values,
        owner,
        ..
    } = names;
    let vis = &input.vis;
    let docs = Docs::new(input, names);
    let functions = input.struct_fns().map(|function| {
        let doc = docs.struct_fn(function);
        let what = format!("{owner}::{}", function.name());
        let function = match function {
            StructFn::Scope => quote! {
                #vis fn scope<__F: #core::future::IntoFuture>(
                    self,
                    future: __F,
                ) -> #krate::WithContext<__F::IntoFuture> {
                    #private::scope_struct(&#key, #into_values(self), future)
                }
            },
            StructFn::SyncScope => quote! {
                #vis fn sync_scope<__R>(self, f: impl #core::ops::FnOnce() -> __R) -> __R {
                    #private::sync_scope_struct(&#key, #into_values(self), f)
                }
            },
            StructFn::Set => quote! {
                #[inline]
                #[track_caller]
                #vis fn set(self) {
                    #private::set_struct(&#key, #into_values(self), #what)
                }
            },
            StructFn::Clear => quote! {
                #[inline]
                #[track_caller]
                #vis fn clear() {
                    #private::clear_struct(&#key, #what)
                }
            },
            StructFn::DebugCurrent => return TokenStream::new(),
        };
        quote! {
            #[doc = #doc]
            #function
        }
    });
    quote!(#(#functions)*)
}
