//! Every name the expansion uses, computed once: paths into the runtime, the hidden items, and
//! each field's accessors. Hidden items live inside an anonymous `const` block, so their names
//! cannot clash with anything of the user's.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Path;

use crate::model::{Accessor, Field, Mode, Struct};

pub(crate) struct Names<'a> {
    /// `::ctxlocal`, or the `crate = ..` path.
    pub krate: &'a Path,
    /// `#krate::__private`: everything generated code uses from the runtime.
    pub private: TokenStream,
    /// The storage mode's marker type: `AnyThread` or `ThisThread`.
    pub mode: TokenStream,
    /// The struct's table of slots, one per field.
    pub values: Ident,
    /// The struct's `static` key.
    pub key: Ident,
    /// The owner as written in messages and `Debug` output.
    pub owner: String,
    /// The krate path as text, for doc links.
    pub krate_text: String,
    pub fields: Vec<FieldNames>,
}

pub(crate) struct FieldNames {
    /// In the order of [`Accessor::ALL`]. The getter is the field's identifier as written
    /// (`r#type`); the others are built from its name (`set_type`), spanned at the field.
    accessors: [Ident; 10],
    /// `Owner::accessor` for each accessor, as panic messages name it.
    paths: [String; 10],
    /// The `const` proving the field's type may be stored.
    pub proof: Ident,
    /// The function that makes the field's default, if it has one.
    pub default_fn: Ident,
    /// The `const` proving a propagated field's type converts to and from text.
    pub text_proof: Ident,
}

impl<'a> Names<'a> {
    pub(crate) fn new(input: &'a Struct) -> Self {
        let krate = &input.options.krate;
        let private = quote!(#krate::__private);
        let mode = match input.options.mode {
            Mode::Default => quote!(#private::AnyThread),
            Mode::ThreadCritical => quote!(#private::ThisThread),
        };
        let owner = input.ident.to_string();
        let fields = input
            .fields
            .iter()
            .enumerate()
            .map(|(index, field)| FieldNames::new(&owner, index, field))
            .collect();
        Names {
            krate,
            private,
            mode,
            values: format_ident!("__CtxlocalValues"),
            key: format_ident!("__CTXLOCAL_KEY"),
            owner,
            krate_text: quote!(#krate).to_string().replace(' ', ""),
            fields,
        }
    }
}

impl FieldNames {
    fn new(owner: &str, index: usize, field: &Field) -> Self {
        let span = field.ident.span();
        let accessors = Accessor::ALL.map(|accessor| match accessor {
            Accessor::Get => field.ident.clone(),
            _ => Ident::new(&accessor.name(&field.name), span),
        });
        let paths =
            Accessor::ALL.map(|accessor| format!("{owner}::{}", accessor.name(&field.name)));
        FieldNames {
            accessors,
            paths,
            proof: format_ident!("__CTXLOCAL_PROOF_{}", index),
            default_fn: format_ident!("__ctxlocal_default_{}", index),
            text_proof: format_ident!("__CTXLOCAL_TEXT_{}", index),
        }
    }

    pub(crate) fn accessor(&self, accessor: Accessor) -> &Ident {
        &self.accessors[accessor as usize]
    }

    /// `Owner::accessor`, as panic messages name it.
    pub(crate) fn path(&self, accessor: Accessor) -> &str {
        &self.paths[accessor as usize]
    }
}
