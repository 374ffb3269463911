//! The doc text of every generated function, linking to the crate's rules.

use quote::quote;

use super::names::{FieldNames, Names};
use crate::model::{Accessor, Field, FieldDefault, Mode, Struct, StructFn};

pub(super) struct Docs<'a> {
    /// `[`Owner`]`
    owner: String,
    /// Path of the crate, for links: `::ctxlocal` or the `crate = ..` path.
    krate: &'a str,
    mode: Mode,
}

impl<'a> Docs<'a> {
    pub(super) fn new(input: &Struct, names: &'a Names) -> Self {
        Docs {
            owner: format!("[`{}`]", input.ident),
            krate: &names.krate_text,
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

    /// The doc of one field's accessor.
    pub(super) fn accessor(&self, field: &Field, names: &FieldNames, accessor: Accessor) -> String {
        let doc_field = format!("`{}`", field.name);
        let doc_owner = &self.owner;
        let refusal = self.refusal(names.accessor(Accessor::TrySet));
        let inherit_note = if field.no_inherit.is_some() {
            format!(
                "\n\n`no_inherit`: tasks and threads spawned from a context do not inherit \
                 this field (it starts unset there); `{krate}::sync_to_async` / \
                 `async_to_sync` carry it.",
                krate = self.krate
            )
        } else {
            String::new()
        };
        let default_text = field.default.as_ref().map(|default| match default {
            FieldDefault::Trait(_) => "`Default::default()`".to_owned(),
            FieldDefault::Expr(expr) => format!("`{}`", quote!(#expr)),
        });
        match (accessor, default_text) {
            (Accessor::Get, None) => format!(
                "Returns a clone of the {doc_field} field of {doc_owner} in the current \
                 context, or `None` if it is not set there.{}{inherit_note}",
                self.rules("D10", "T3")
            ),
            (Accessor::Get, Some(default_text)) => format!(
                "Returns a clone of the {doc_field} field of {doc_owner} in the current \
                 context, or its default, {default_text}, if it is not set there.{}{inherit_note}",
                self.rules("D10", "T3")
            ),
            (Accessor::With, None) => format!(
                "Calls `f` with a borrow of the {doc_field} field of {doc_owner} in the \
                 current context (`None` if it is not set), without cloning it. Any accessor \
                 may be called inside `f`; a write to this field there leaves the borrow \
                 unchanged.{}",
                self.rules("D2", "T3")
            ),
            (Accessor::With, Some(default_text)) => format!(
                "Calls `f` with a borrow of the {doc_field} field of {doc_owner} in the \
                 current context, or of its default, {default_text}, if it is not set, without \
                 cloning. Any accessor may be called inside `f`.{}",
                self.rules("D2", "T3")
            ),
            (Accessor::Update, None) => format!(
                "Mutates the {doc_field} field of {doc_owner} in the current context: `f` gets \
                 the value (`None` if unset) and whatever it leaves is stored, also if it \
                 panics. Copy-on-write: if another context shares the value, `f` mutates a \
                 private clone. While `f` runs the field reads as unset, and writes to it from \
                 inside `f` are overwritten.{}{refusal}",
                self.rules("D12", "T3")
            ),
            (Accessor::Update, Some(default_text)) => format!(
                "Mutates the {doc_field} field of {doc_owner} in the current context: `f` gets \
                 the value (its default, {default_text}, if unset) and whatever it leaves is \
                 stored, also if it panics. Copy-on-write: if another context shares the \
                 value, `f` mutates a private clone. While `f` runs the field reads as unset, \
                 and writes to it from inside `f` are overwritten.{}{refusal}",
                self.rules("D12", "T3")
            ),
            (Accessor::IsSet, _) => format!(
                "Returns true if the {doc_field} field of {doc_owner} is set in the current \
                 context (a default does not count).{}",
                self.rules("D10", "T3")
            ),
            (Accessor::Set, _) => format!(
                "Sets the {doc_field} field of {doc_owner} in the current context: visible to \
                 this task (or thread) from now on, and to tasks it spawns later, never to \
                 others.{}{refusal}",
                self.rules("D4", "T3")
            ),
            (Accessor::TrySet, _) => format!(
                "Sets the {doc_field} field of {doc_owner} in the current context, or returns \
                 why writing is refused here (see [`{krate}::AccessError`]).{}",
                self.rules("D8", "T3"),
                krate = self.krate,
            ),
            (Accessor::Replace, _) => format!(
                "Sets the {doc_field} field of {doc_owner} in the current context and returns \
                 the previous value (`None` if it was not set). The previous value is moved \
                 out, or cloned if another context still shares it.{}{refusal}",
                self.rules("D4", "T3")
            ),
            (Accessor::Take, _) => format!(
                "Unsets the {doc_field} field of {doc_owner} in the current context and \
                 returns its value (`None` if it was not set). The value is moved out, or \
                 cloned if another context still shares it; other contexts keep \
                 theirs.{}{refusal}",
                self.rules("D4", "T3")
            ),
            (Accessor::Scope, _) => format!(
                "Runs `future` in a child of the current context where the {doc_field} field \
                 of {doc_owner} is `value`. The override, and anything else the future \
                 writes, ends with it: the caller's context is never changed.{}",
                self.rules("D13", "T3")
            ),
            (Accessor::SyncScope, _) => format!(
                "Runs `f` in a child of the current context where the {doc_field} field of \
                 {doc_owner} is `value`, then restores the previous context, also if `f` \
                 panics.{}",
                self.rules("D13", "T3")
            ),
        }
    }

    /// The doc of a function generated once for the struct.
    pub(super) fn struct_fn(&self, function: StructFn) -> String {
        let doc_owner = &self.owner;
        match function {
            StructFn::Scope => format!(
                "Runs `future` in a child of the current context where every field of \
                 {doc_owner} has the value in `self`. Nothing it writes reaches the caller's \
                 context.{}",
                self.rules("D13", "T3")
            ),
            StructFn::SyncScope => format!(
                "Runs `f` in a child of the current context where every field of {doc_owner} \
                 has the value in `self`, then restores the previous context, also if `f` \
                 panics.{}",
                self.rules("D13", "T3")
            ),
            StructFn::Set => format!(
                "Sets every field of {doc_owner} in the current context to the value in \
                 `self`.{}\n\n# Panics\n\nWhere the per-field setters panic: inside untracked \
                 tokio work (see [`{krate}::AccessError`]).",
                self.rules("D4", "T3"),
                krate = self.krate,
            ),
            StructFn::Clear => format!(
                "Unsets every field of {doc_owner} in the current context; other contexts keep \
                 their values.{}\n\n# Panics\n\nWhere the per-field setters panic, if any field \
                 is set.",
                self.rules("D4", "T3")
            ),
            StructFn::DebugCurrent => format!(
                "Returns a snapshot of the fields of {doc_owner} in the current context that \
                 prints with `{{:?}}` (or `{{:#?}}`): set fields show their value, unset ones \
                 their default or `<unset>`. Generated by `#[async_local(debug)]`.{}",
                self.rules("D2", "T3")
            ),
        }
    }
}
