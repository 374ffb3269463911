#[allow(dead_code)]
pub(crate) struct Db {
    pub(crate) conn: std::rc::Rc<Connection>,
}
#[allow(non_snake_case, dead_code)]
const _: () = {
    use ::ctxlocal::__private as __ctxlocal;
    use ::ctxlocal::__private::core as __core;
    type __CtxlocalSlot<T> = __ctxlocal::Slot<T, __ctxlocal::ThisThread>;
    type __CtxlocalField<T> = __ctxlocal::FieldRef<
        __CtxlocalValues,
        T,
        __ctxlocal::ThisThread,
    >;
    #[derive(__core::clone::Clone, __core::default::Default)]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        conn: __CtxlocalSlot<std::rc::Rc<Connection>>,
    }
    unsafe impl __ctxlocal::Values for __CtxlocalValues {
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            any_set |= self.conn.is_set();
            !any_set
        }
    }
    static __CTXLOCAL_KEY: __ctxlocal::StructKey<
        __CtxlocalValues,
        __ctxlocal::ThisThread,
    > = __ctxlocal::StructKey::new_local();
    const __CTXLOCAL_FIELD_0: __CtxlocalField<std::rc::Rc<Connection>> = (
        (&__CTXLOCAL_KEY, "Db", "conn"),
        (|__v| &__v.conn, |__v| &mut __v.conn),
        __ctxlocal::FieldProof::local(),
    );
    #[inline]
    fn __ctxlocal_values(value: Db) -> __CtxlocalValues {
        __CtxlocalValues {
            conn: __ctxlocal::field_slot(__CTXLOCAL_FIELD_0, value.conn),
        }
    }
    #[automatically_derived]
    impl Db
    where
        for<'__ctxlocal> std::rc::Rc<Connection>: __core::clone::Clone,
    {
        ///Returns a clone of `conn` in the current context, or `None` if it is unset ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        pub(crate) fn conn() -> __core::option::Option<std::rc::Rc<Connection>> {
            __ctxlocal::field_get(__CTXLOCAL_FIELD_0)
        }
        ///Sets `conn` in the current context and returns the previous value; panics where [`try_set_conn`](Self::try_set_conn) returns an error ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        #[track_caller]
        pub(crate) fn replace_conn(
            value: std::rc::Rc<Connection>,
        ) -> __core::option::Option<std::rc::Rc<Connection>> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_0, value)
        }
        ///Unsets `conn` in the current context and returns its value; panics where [`try_set_conn`](Self::try_set_conn) returns an error ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        #[track_caller]
        pub(crate) fn take_conn() -> __core::option::Option<std::rc::Rc<Connection>> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_0)
        }
        ///Mutates `conn` in the current context in place, copy-on-write, through `f` (given `None` if it is unset); panics where [`try_set_conn`](Self::try_set_conn) returns an error ([rule T3](::ctxlocal#which-mode)).
        #[track_caller]
        pub(crate) fn update_conn<__R>(
            f: impl __core::ops::FnOnce(
                &mut __core::option::Option<std::rc::Rc<Connection>>,
            ) -> __R,
        ) -> __R {
            __ctxlocal::field_update(__CTXLOCAL_FIELD_0, f)
        }
    }
    #[automatically_derived]
    impl Db {
        ///Calls `f` with a borrow of `conn` in the current context, or `None` if it is unset, without cloning ([rule T3](::ctxlocal#which-mode)).
        pub(crate) fn with_conn<__R>(
            f: impl __core::ops::FnOnce(
                __core::option::Option<&std::rc::Rc<Connection>>,
            ) -> __R,
        ) -> __R {
            __ctxlocal::field_with(__CTXLOCAL_FIELD_0, f)
        }
        ///Returns true if `conn` is set in the current context (a default does not count) ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        pub(crate) fn is_conn_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_0)
        }
        ///Sets `conn` in the current context, for this task and those it spawns later; panics where [`try_set_conn`](Self::try_set_conn) returns an error ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        #[track_caller]
        pub(crate) fn set_conn(value: std::rc::Rc<Connection>) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Sets `conn` in the current context, or returns why writing is refused here ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        pub(crate) fn try_set_conn(
            value: std::rc::Rc<Connection>,
        ) -> __core::result::Result<(), ::ctxlocal::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Runs `future` in a child of the current context where `conn` is `value` ([rule T3](::ctxlocal#which-mode)).
        pub(crate) fn scope_conn<__F: __core::future::IntoFuture>(
            value: std::rc::Rc<Connection>,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_0, value, future)
        }
        ///Runs `f` in a child of the current context where `conn` is `value` ([rule T3](::ctxlocal#which-mode)).
        pub(crate) fn sync_scope_conn<__R>(
            value: std::rc::Rc<Connection>,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_0, value, f)
        }
        ///Calls `f` with a borrow of `conn` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_conn`](Self::try_set_conn) returns an error ([rule T3](::ctxlocal#which-mode)).
        #[track_caller]
        pub(crate) fn with_conn_or_init<__R>(
            init: impl __core::ops::FnOnce() -> std::rc::Rc<Connection>,
            f: impl __core::ops::FnOnce(&std::rc::Rc<Connection>) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_0, init, f)
        }
        ///Runs `future` in a child of the current context where every field has its value in `self` ([rule T3](::ctxlocal#which-mode)).
        pub(crate) fn scope<__F: __core::future::IntoFuture>(
            self,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), future)
        }
        ///Runs `f` in a child of the current context where every field has its value in `self` ([rule T3](::ctxlocal#which-mode)).
        pub(crate) fn sync_scope<__R>(
            self,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::sync_scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), f)
        }
        ///Sets every field in the current context to its value in `self`; panics where the fields' setters do ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        #[track_caller]
        pub(crate) fn set(self) {
            __ctxlocal::set_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), "Db::set")
        }
        ///Unsets every field in the current context; if any is set, panics where the fields' setters do ([rule T3](::ctxlocal#which-mode)).
        #[inline]
        #[track_caller]
        pub(crate) fn clear() {
            __ctxlocal::clear_struct(&__CTXLOCAL_KEY, "Db::clear")
        }
    }
};
