//! Every name the expansion uses, computed once: the short paths into the runtime, the hidden
//! items, and each field's accessors. Hidden items live inside an anonymous `const` block, so
//! their names cannot clash with anything of the user's; the user's own tokens (field types,
//! default expressions) are resolved in that block too, which is why every name it adds starts
//! with `__ctxlocal`/`__Ctxlocal`/`__CTXLOCAL` (or `__core`) and none shadows a prelude name.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Path;

use crate::model::{Accessor, Field, Mode, Struct};

pub(crate) struct Names<'a> {
    /// `::ctxlocal`, or the `crate = ..` path (for the public types: `AccessError`, ...).
    pub krate: &'a Path,
    /// The krate path as text, for doc links.
    pub krate_text: String,
    /// `#krate::__private`, the runtime's operations for generated code.
    pub private_path: TokenStream,
    /// What the block imports `#krate::__private` as.
    pub private: Ident,
    /// What the block imports `#krate::__private::core` as. Signatures name `Option`,
    /// `FnOnce`, ... through it: rustdoc shows a path's last segment, so the docs read
    /// `Option<T>`, while the user's own `Option` (if any) cannot be shadowed.
    pub core: Ident,
    /// The storage mode's marker type: `__ctxlocal::AnyThread` or `__ctxlocal::ThisThread`.
    pub mode: TokenStream,
    /// The struct's table of slots, one per field.
    pub values: Ident,
    /// `__CtxlocalSlot<T>`: a slot of the struct's mode.
    pub slot: Ident,
    /// `__CtxlocalField<T>`: the type of a field's description (`FieldRef`).
    pub field: Ident,
    /// The struct's `static` key.
    pub key: Ident,
    /// The function that turns a struct value into a values table.
    pub into_values: Ident,
    /// The owner as written, in messages and `Debug` output.
    pub owner: String,
    pub fields: Vec<FieldNames>,
}

pub(crate) struct FieldNames {
    /// In the order of [`Accessor::ALL`]. The getter is the field's identifier as written
    /// (`r#type`); the others are built from its name (`set_type`), spanned at the field.
    accessors: [Ident; 11],
    /// The `const` describing the field to the runtime (`FieldRef`): key, projections, proof.
    pub handle: Ident,
    /// The function that makes the field's default, if it has one.
    pub default_fn: Ident,
    /// The `const` proving a propagated field's type converts to and from text.
    pub text_proof: Ident,
}

impl<'a> Names<'a> {
    pub(crate) fn new(input: &'a Struct) -> Self {
        let krate = &input.options.krate;
        let private = format_ident!("__ctxlocal");
        let mode = match input.options.mode {
            Mode::Default => quote!(#private::AnyThread),
            Mode::ThreadCritical => quote!(#private::ThisThread),
        };
        let fields = input
            .fields
            .iter()
            .enumerate()
            .map(|(index, field)| FieldNames::new(index, field))
            .collect();
        Names {
            krate,
            krate_text: quote!(#krate).to_string().replace(' ', ""),
            private_path: quote!(#krate::__private),
            private,
            core: format_ident!("__core"),
            mode,
            values: format_ident!("__CtxlocalValues"),
            slot: format_ident!("__CtxlocalSlot"),
            field: format_ident!("__CtxlocalField"),
            key: format_ident!("__CTXLOCAL_KEY"),
            into_values: format_ident!("__ctxlocal_values"),
            owner: input.ident.to_string(),
            fields,
        }
    }
}

impl FieldNames {
    fn new(index: usize, field: &Field) -> Self {
        let span = field.ident.span();
        let accessors = Accessor::ALL.map(|accessor| match accessor {
            Accessor::Get => field.ident.clone(),
            _ => Ident::new(&accessor.name(&field.name), span),
        });
        FieldNames {
            accessors,
            handle: format_ident!("__CTXLOCAL_FIELD_{}", index),
            default_fn: format_ident!("__ctxlocal_default_{}", index),
            text_proof: format_ident!("__CTXLOCAL_TEXT_{}", index),
        }
    }

    pub(crate) fn accessor(&self, accessor: Accessor) -> &Ident {
        &self.accessors[accessor as usize]
    }
}
