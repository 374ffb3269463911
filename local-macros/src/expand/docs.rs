//! The doc of every generated function: one sentence, and a link to the rule of the crate
//! documentation it follows (where the behaviour is told in full).

use super::names::{FieldNames, Names};
use crate::model::{Accessor, Field, FieldDefault, Mode, Struct, StructFn};
use crate::valid::code_text;

pub(super) struct Docs<'a> {
    /// Path of the crate, for links: `::ctxlocal` or the `crate = ..` path.
    krate: &'a str,
    mode: Mode,
}

impl<'a> Docs<'a> {
    pub(super) fn new(input: &Struct, names: &'a Names) -> Self {
        Docs {
            krate: &names.krate_text,
            mode: input.options.mode,
        }
    }

    /// ` ([rule D4](::ctxlocal#rules))`, or the thread-critical rule in the "Which mode?"
    /// table.
    fn rule(&self, default_mode: &str, thread_critical: &str) -> String {
        match self.mode {
            Mode::Default => format!(" ([rule {default_mode}]({}#rules))", self.krate),
            Mode::ThreadCritical => {
                format!(" ([rule {thread_critical}]({}#which-mode))", self.krate)
            }
        }
    }

    /// The doc of one field's accessor.
    pub(super) fn accessor(&self, field: &Field, names: &FieldNames, accessor: Accessor) -> String {
        let name = &field.name;
        let unset = match &field.default {
            None => "`None`".to_owned(),
            Some(FieldDefault::Trait(_)) => "its default, `Default::default()`,".to_owned(),
            Some(FieldDefault::Expr(expr)) => format!("its default, `{}`,", code_text(expr)),
        };
        // Writes are refused where `try_set_*` returns an error, and the others panic there.
        let panics = format!(
            "; panics where [`{try_set}`](Self::{try_set}) returns an error",
            try_set = names.accessor(Accessor::TrySet)
        );
        let not_inherited = match field.no_inherit {
            Some(_) => "; tasks and threads spawned from a context start without it (`no_inherit`)",
            None => "",
        };
        match accessor {
            Accessor::Get => format!(
                "Returns a clone of `{name}` in the current context, or {unset} if it is \
                 unset{not_inherited}{}.",
                self.rule("D10", "T3")
            ),
            Accessor::With => format!(
                "Calls `f` with a borrow of `{name}` in the current context, or {of}{unset} if \
                 it is unset, without cloning{}.",
                self.rule("D2", "T3"),
                of = if field.default.is_some() { "of " } else { "" },
            ),
            Accessor::IsSet => format!(
                "Returns true if `{name}` is set in the current context (a default does not \
                 count){}.",
                self.rule("D10", "T3")
            ),
            Accessor::Set => format!(
                "Sets `{name}` in the current context, for this task and those it spawns \
                 later{panics}{}.",
                self.rule("D4", "T3")
            ),
            Accessor::TrySet => format!(
                "Sets `{name}` in the current context, or returns why writing is refused \
                 here{}.",
                self.rule("D8", "T3")
            ),
            Accessor::Replace => format!(
                "Sets `{name}` in the current context and returns the previous value{panics}{}.",
                self.rule("D4", "T3")
            ),
            Accessor::Take => format!(
                "Unsets `{name}` in the current context and returns its value{panics}{}.",
                self.rule("D4", "T3")
            ),
            Accessor::Update => format!(
                "Mutates `{name}` in the current context in place, copy-on-write, through `f` \
                 (given {unset} if it is unset){panics}{}.",
                self.rule("D12", "T3")
            ),
            Accessor::Scope => format!(
                "Runs `future` in a child of the current context where `{name}` is `value`{}.",
                self.rule("D13", "T3")
            ),
            Accessor::SyncScope => format!(
                "Runs `f` in a child of the current context where `{name}` is `value`{}.",
                self.rule("D13", "T3")
            ),
            Accessor::WithOrInit => format!(
                "Calls `f` with a borrow of `{name}` in the current context, first setting it \
                 to `init()` if it is not set there (a default does not count): `init` runs at \
                 most once per context, and calling this again from inside `init` \
                 panics{panics}{}.",
                self.rule("D2", "T3")
            ),
        }
    }

    /// The doc of a function generated once for the struct.
    pub(super) fn struct_fn(&self, function: StructFn) -> String {
        match function {
            StructFn::Scope => format!(
                "Runs `future` in a child of the current context where every field has its \
                 value in `self`{}.",
                self.rule("D13", "T3")
            ),
            StructFn::SyncScope => format!(
                "Runs `f` in a child of the current context where every field has its value \
                 in `self`{}.",
                self.rule("D13", "T3")
            ),
            StructFn::Set => format!(
                "Sets every field in the current context to its value in `self`; panics where \
                 the fields' setters do{}.",
                self.rule("D4", "T3")
            ),
            StructFn::Clear => format!(
                "Unsets every field in the current context; if any is set, panics where the \
                 fields' setters do{}.",
                self.rule("D4", "T3")
            ),
            StructFn::DebugCurrent => format!(
                "Returns a snapshot of the fields in the current context that prints with \
                 `{{:?}}`: set fields show their value, unset ones their default or \
                 `<unset>`{}.",
                self.rule("D2", "T3")
            ),
        }
    }
}
