#[allow(dead_code)]
pub(crate) struct Db {
    pub(crate) conn: std::rc::Rc<Connection>,
}
const _: () = {
    #[derive(
        ::ctxlocal::__private::core::clone::Clone,
        ::ctxlocal::__private::core::default::Default
    )]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        conn: ::ctxlocal::__private::Slot<
            std::rc::Rc<Connection>,
            ::ctxlocal::__private::ThisThread,
        >,
    }
    unsafe impl ::ctxlocal::__private::Values for __CtxlocalValues {
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            {
                any_set |= self.conn.is_set();
            }
            !any_set
        }
    }
    use ::ctxlocal::__private::FieldProof as __CtxlocalFieldProof;
    static __CTXLOCAL_KEY: ::ctxlocal::__private::StructKey<
        __CtxlocalValues,
        ::ctxlocal::__private::ThisThread,
    > = ::ctxlocal::__private::StructKey::new_local();
    const __CTXLOCAL_PROOF_0: __CtxlocalFieldProof<
        std::rc::Rc<Connection>,
        ::ctxlocal::__private::ThisThread,
    > = __CtxlocalFieldProof::local();
    #[automatically_derived]
    #[allow(non_snake_case)]
    impl Db {
        /**Returns a clone of the `conn` field of [`Db`] in the current context, or `None` if it is not set there.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        #[inline]
        pub(crate) fn conn() -> ::ctxlocal::__private::core::option::Option<
            std::rc::Rc<Connection>,
        >
        where
            for<'__ctxlocal> std::rc::Rc<
                Connection,
            >: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::get(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.conn,
            )
        }
        /**Calls `f` with a borrow of the `conn` field of [`Db`] in the current context (`None` if it is not set), without cloning it. Any accessor may be called inside `f`; a write to this field there leaves the borrow unchanged.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        #[inline]
        pub(crate) fn with_conn<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(
                ::ctxlocal::__private::core::option::Option<&std::rc::Rc<Connection>>,
            ) -> __R,
        ) -> __R {
            ::ctxlocal::__private::with(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.conn,
                f,
            )
        }
        /**Returns true if the `conn` field of [`Db`] is set in the current context (a default does not count).

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        #[inline]
        pub(crate) fn is_conn_set() -> bool {
            ::ctxlocal::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.conn,
            )
        }
        /**Sets the `conn` field of [`Db`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_conn`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub(crate) fn set_conn(value: std::rc::Rc<Connection>) {
            ::ctxlocal::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                value,
                "Db::set_conn",
            )
        }
        /**Sets the `conn` field of [`Db`] in the current context, or returns why writing is refused here (see [`::ctxlocal::AccessError`]).

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        #[inline]
        pub(crate) fn try_set_conn(
            value: std::rc::Rc<Connection>,
        ) -> ::ctxlocal::__private::core::result::Result<(), ::ctxlocal::AccessError> {
            ::ctxlocal::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                value,
            )
        }
        /**Sets the `conn` field of [`Db`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_conn`] to get an error instead.*/
        #[track_caller]
        pub(crate) fn replace_conn(
            value: std::rc::Rc<Connection>,
        ) -> ::ctxlocal::__private::core::option::Option<std::rc::Rc<Connection>>
        where
            for<'__ctxlocal> std::rc::Rc<
                Connection,
            >: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                value,
                "Db::replace_conn",
            )
        }
        /**Unsets the `conn` field of [`Db`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_conn`] to get an error instead.*/
        #[track_caller]
        pub(crate) fn take_conn() -> ::ctxlocal::__private::core::option::Option<
            std::rc::Rc<Connection>,
        >
        where
            for<'__ctxlocal> std::rc::Rc<
                Connection,
            >: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.conn,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                "Db::take_conn",
            )
        }
        /**Mutates the `conn` field of [`Db`] in the current context: `f` gets the value (`None` if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_conn`] to get an error instead.*/
        #[track_caller]
        pub(crate) fn update_conn<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(
                &mut ::ctxlocal::__private::core::option::Option<std::rc::Rc<Connection>>,
            ) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> std::rc::Rc<
                Connection,
            >: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::update(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                f,
                "Db::update_conn",
            )
        }
        /**Runs `future` in a child of the current context where the `conn` field of [`Db`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        pub(crate) fn scope_conn<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            value: std::rc::Rc<Connection>,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            ::ctxlocal::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `conn` field of [`Db`] is `value`, then restores the previous context, also if `f` panics.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        pub(crate) fn sync_scope_conn<__R>(
            value: std::rc::Rc<Connection>,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            ::ctxlocal::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.conn,
                __CTXLOCAL_PROOF_0,
                value,
                f,
            )
        }
        /**Runs `future` in a child of the current context where every field of [`Db`] has the value in `self`. Nothing it writes reaches the caller's context.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        pub(crate) fn scope<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            self,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            let __values = {
                let Db { conn } = self;
                __CtxlocalValues {
                    conn: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_0, conn),
                }
            };
            ::ctxlocal::__private::scope_struct(&__CTXLOCAL_KEY, __values, future)
        }
        /**Runs `f` in a child of the current context where every field of [`Db`] has the value in `self`, then restores the previous context, also if `f` panics.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).*/
        pub(crate) fn sync_scope<__R>(
            self,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            let __values = {
                let Db { conn } = self;
                __CtxlocalValues {
                    conn: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_0, conn),
                }
            };
            ::ctxlocal::__private::sync_scope_struct(&__CTXLOCAL_KEY, __values, f)
        }
        /**Sets every field of [`Db`] in the current context to the value in `self`.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Where the per-field setters panic: inside untracked tokio work (see [`::ctxlocal::AccessError`]).*/
        #[track_caller]
        pub(crate) fn set(self) {
            let __values = {
                let Db { conn } = self;
                __CtxlocalValues {
                    conn: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_0, conn),
                }
            };
            ::ctxlocal::__private::set_struct(&__CTXLOCAL_KEY, __values, "Db::set")
        }
        /**Unsets every field of [`Db`] in the current context; other contexts keep their values.

Thread-critical: follows [rule T3](::ctxlocal#which-mode).

# Panics

Where the per-field setters panic, if any field is set.*/
        #[track_caller]
        pub(crate) fn clear() {
            ::ctxlocal::__private::clear_struct(&__CTXLOCAL_KEY, "Db::clear")
        }
    }
};
