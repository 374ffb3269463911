#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Job {
    pub id: u64,
    pub transaction: u64,
    #[cfg(feature = "tracing")]
    pub span: String,
}
#[allow(non_snake_case, dead_code)]
const _: () = {
    use framework::context::__private as __ctxlocal;
    use framework::context::__private::core as __core;
    type __CtxlocalSlot<T> = __ctxlocal::Slot<T, __ctxlocal::AnyThread>;
    type __CtxlocalField<T> = __ctxlocal::FieldRef<
        __CtxlocalValues,
        T,
        __ctxlocal::AnyThread,
    >;
    #[derive(__core::clone::Clone, __core::default::Default)]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        id: __CtxlocalSlot<u64>,
        transaction: __CtxlocalSlot<u64>,
        #[cfg(feature = "tracing")]
        span: __CtxlocalSlot<String>,
    }
    unsafe impl __ctxlocal::Values for __CtxlocalValues {
        const NOT_INHERITED: bool = true;
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            any_set |= self.id.is_set();
            any_set |= self.transaction.is_set();
            #[cfg(feature = "tracing")]
            {
                any_set |= self.span.is_set();
            }
            !any_set
        }
        fn inherited(&self) -> __core::option::Option<Self> {
            #[allow(unused_mut)]
            let mut any_set = false;
            any_set |= self.transaction.is_set();
            if !any_set {
                return __core::option::Option::None;
            }
            let mut copy = __core::clone::Clone::clone(self);
            {
                copy.transaction = __core::default::Default::default();
            }
            __core::option::Option::Some(copy)
        }
    }
    fn __ctxlocal_trace(
        visit: &mut dyn __core::ops::FnMut(&'static str, &dyn __core::fmt::Display),
    ) {
        #[allow(unused_imports)]
        use __ctxlocal::{Trace as __CtxlocalTrace, TraceDebug as _, TraceDisplay as _};
        __ctxlocal::field_with(
            __CTXLOCAL_FIELD_0,
            |value| {
                if let __core::option::Option::Some(value) = value {
                    (&__CtxlocalTrace::<u64>(value)).visit_trace("id", visit)
                }
            },
        );
    }
    static __CTXLOCAL_HOOKS: __ctxlocal::StructHooks = __ctxlocal::StructHooks::new(
        __core::option::Option::Some(__ctxlocal_trace),
    );
    static __CTXLOCAL_KEY: __ctxlocal::StructKey<
        __CtxlocalValues,
        __ctxlocal::AnyThread,
    > = __ctxlocal::StructKey::new().with_hooks(&__CTXLOCAL_HOOKS);
    const __CTXLOCAL_FIELD_0: __CtxlocalField<u64> = (
        (&__CTXLOCAL_KEY, "Job", "id"),
        (|__v| &__v.id, |__v| &mut __v.id),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    const __CTXLOCAL_FIELD_1: __CtxlocalField<u64> = (
        (&__CTXLOCAL_KEY, "Job", "transaction"),
        (|__v| &__v.transaction, |__v| &mut __v.transaction),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    #[cfg(feature = "tracing")]
    const __CTXLOCAL_FIELD_2: __CtxlocalField<String> = (
        (&__CTXLOCAL_KEY, "Job", "span"),
        (|__v| &__v.span, |__v| &mut __v.span),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    fn __ctxlocal_default_1() -> u64 {
        <u64 as __core::default::Default>::default()
    }
    #[inline]
    fn __ctxlocal_values(value: Job) -> __CtxlocalValues {
        __CtxlocalValues {
            id: __ctxlocal::field_slot(__CTXLOCAL_FIELD_0, value.id),
            transaction: __ctxlocal::field_slot(__CTXLOCAL_FIELD_1, value.transaction),
            #[cfg(feature = "tracing")]
            span: __ctxlocal::field_slot(__CTXLOCAL_FIELD_2, value.span),
        }
    }
    #[automatically_derived]
    impl Job
    where
        for<'__ctxlocal> u64: __core::clone::Clone,
    {
        ///Returns a clone of `id` in the current context, or `None` if it is unset ([rule D10](framework::context#rules)).
        #[inline]
        pub fn id() -> __core::option::Option<u64> {
            __ctxlocal::field_get(__CTXLOCAL_FIELD_0)
        }
        ///Sets `id` in the current context and returns the previous value; panics where [`try_set_id`](Self::try_set_id) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn replace_id(value: u64) -> __core::option::Option<u64> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_0, value)
        }
        ///Unsets `id` in the current context and returns its value; panics where [`try_set_id`](Self::try_set_id) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn take_id() -> __core::option::Option<u64> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_0)
        }
        ///Mutates `id` in the current context in place, copy-on-write, through `f` (given `None` if it is unset); panics where [`try_set_id`](Self::try_set_id) returns an error ([rule D12](framework::context#rules)).
        #[track_caller]
        pub fn update_id<__R>(
            f: impl __core::ops::FnOnce(&mut __core::option::Option<u64>) -> __R,
        ) -> __R {
            __ctxlocal::field_update(__CTXLOCAL_FIELD_0, f)
        }
    }
    #[automatically_derived]
    impl Job
    where
        for<'__ctxlocal> u64: __core::clone::Clone,
    {
        ///Returns a clone of `transaction` in the current context, or its default, `Default::default()`, if it is unset; tasks and threads spawned from a context start without it (`no_inherit`) ([rule D10](framework::context#rules)).
        #[inline]
        pub fn transaction() -> u64 {
            __ctxlocal::field_get_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1)
        }
        ///Sets `transaction` in the current context and returns the previous value; panics where [`try_set_transaction`](Self::try_set_transaction) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn replace_transaction(value: u64) -> __core::option::Option<u64> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_1, value)
        }
        ///Unsets `transaction` in the current context and returns its value; panics where [`try_set_transaction`](Self::try_set_transaction) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn take_transaction() -> __core::option::Option<u64> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_1)
        }
        ///Mutates `transaction` in the current context in place, copy-on-write, through `f` (given its default, `Default::default()`, if it is unset); panics where [`try_set_transaction`](Self::try_set_transaction) returns an error ([rule D12](framework::context#rules)).
        #[track_caller]
        pub fn update_transaction<__R>(
            f: impl __core::ops::FnOnce(&mut u64) -> __R,
        ) -> __R {
            __ctxlocal::field_update_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1, f)
        }
    }
    #[cfg(feature = "tracing")]
    #[automatically_derived]
    impl Job {
        ///Calls `f` with a borrow of `span` in the current context, or `None` if it is unset, without cloning ([rule D2](framework::context#rules)).
        pub fn with_span<__R>(
            f: impl __core::ops::FnOnce(__core::option::Option<&String>) -> __R,
        ) -> __R {
            __ctxlocal::field_with(__CTXLOCAL_FIELD_2, f)
        }
        ///Returns true if `span` is set in the current context (a default does not count) ([rule D10](framework::context#rules)).
        #[inline]
        pub fn is_span_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_2)
        }
        ///Sets `span` in the current context, for this task and those it spawns later; panics where [`try_set_span`](Self::try_set_span) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn set_span(value: String) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_2, value)
        }
        ///Sets `span` in the current context, or returns why writing is refused here ([rule D8](framework::context#rules)).
        #[inline]
        pub fn try_set_span(
            value: String,
        ) -> __core::result::Result<(), framework::context::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_2, value)
        }
        ///Runs `future` in a child of the current context where `span` is `value` ([rule D13](framework::context#rules)).
        pub fn scope_span<__F: __core::future::IntoFuture>(
            value: String,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_2, value, future)
        }
        ///Runs `f` in a child of the current context where `span` is `value` ([rule D13](framework::context#rules)).
        pub fn sync_scope_span<__R>(
            value: String,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_2, value, f)
        }
        ///Calls `f` with a borrow of `span` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_span`](Self::try_set_span) returns an error ([rule D2](framework::context#rules)).
        #[track_caller]
        pub fn with_span_or_init<__R>(
            init: impl __core::ops::FnOnce() -> String,
            f: impl __core::ops::FnOnce(&String) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_2, init, f)
        }
    }
    #[cfg(feature = "tracing")]
    #[automatically_derived]
    impl Job
    where
        for<'__ctxlocal> String: __core::clone::Clone,
    {
        ///Returns a clone of `span` in the current context, or `None` if it is unset ([rule D10](framework::context#rules)).
        #[inline]
        pub fn span() -> __core::option::Option<String> {
            __ctxlocal::field_get(__CTXLOCAL_FIELD_2)
        }
        ///Sets `span` in the current context and returns the previous value; panics where [`try_set_span`](Self::try_set_span) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn replace_span(value: String) -> __core::option::Option<String> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_2, value)
        }
        ///Unsets `span` in the current context and returns its value; panics where [`try_set_span`](Self::try_set_span) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn take_span() -> __core::option::Option<String> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_2)
        }
        ///Mutates `span` in the current context in place, copy-on-write, through `f` (given `None` if it is unset); panics where [`try_set_span`](Self::try_set_span) returns an error ([rule D12](framework::context#rules)).
        #[track_caller]
        pub fn update_span<__R>(
            f: impl __core::ops::FnOnce(&mut __core::option::Option<String>) -> __R,
        ) -> __R {
            __ctxlocal::field_update(__CTXLOCAL_FIELD_2, f)
        }
    }
    #[automatically_derived]
    impl Job {
        ///Calls `f` with a borrow of `id` in the current context, or `None` if it is unset, without cloning ([rule D2](framework::context#rules)).
        pub fn with_id<__R>(
            f: impl __core::ops::FnOnce(__core::option::Option<&u64>) -> __R,
        ) -> __R {
            __ctxlocal::field_with(__CTXLOCAL_FIELD_0, f)
        }
        ///Returns true if `id` is set in the current context (a default does not count) ([rule D10](framework::context#rules)).
        #[inline]
        pub fn is_id_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_0)
        }
        ///Sets `id` in the current context, for this task and those it spawns later; panics where [`try_set_id`](Self::try_set_id) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn set_id(value: u64) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Sets `id` in the current context, or returns why writing is refused here ([rule D8](framework::context#rules)).
        #[inline]
        pub fn try_set_id(
            value: u64,
        ) -> __core::result::Result<(), framework::context::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Runs `future` in a child of the current context where `id` is `value` ([rule D13](framework::context#rules)).
        pub fn scope_id<__F: __core::future::IntoFuture>(
            value: u64,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_0, value, future)
        }
        ///Runs `f` in a child of the current context where `id` is `value` ([rule D13](framework::context#rules)).
        pub fn sync_scope_id<__R>(
            value: u64,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_0, value, f)
        }
        ///Calls `f` with a borrow of `id` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_id`](Self::try_set_id) returns an error ([rule D2](framework::context#rules)).
        #[track_caller]
        pub fn with_id_or_init<__R>(
            init: impl __core::ops::FnOnce() -> u64,
            f: impl __core::ops::FnOnce(&u64) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_0, init, f)
        }
        ///Calls `f` with a borrow of `transaction` in the current context, or of its default, `Default::default()`, if it is unset, without cloning ([rule D2](framework::context#rules)).
        pub fn with_transaction<__R>(f: impl __core::ops::FnOnce(&u64) -> __R) -> __R {
            __ctxlocal::field_with_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1, f)
        }
        ///Returns true if `transaction` is set in the current context (a default does not count) ([rule D10](framework::context#rules)).
        #[inline]
        pub fn is_transaction_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_1)
        }
        ///Sets `transaction` in the current context, for this task and those it spawns later; panics where [`try_set_transaction`](Self::try_set_transaction) returns an error ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn set_transaction(value: u64) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_1, value)
        }
        ///Sets `transaction` in the current context, or returns why writing is refused here ([rule D8](framework::context#rules)).
        #[inline]
        pub fn try_set_transaction(
            value: u64,
        ) -> __core::result::Result<(), framework::context::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_1, value)
        }
        ///Runs `future` in a child of the current context where `transaction` is `value` ([rule D13](framework::context#rules)).
        pub fn scope_transaction<__F: __core::future::IntoFuture>(
            value: u64,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_1, value, future)
        }
        ///Runs `f` in a child of the current context where `transaction` is `value` ([rule D13](framework::context#rules)).
        pub fn sync_scope_transaction<__R>(
            value: u64,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_1, value, f)
        }
        ///Calls `f` with a borrow of `transaction` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_transaction`](Self::try_set_transaction) returns an error ([rule D2](framework::context#rules)).
        #[track_caller]
        pub fn with_transaction_or_init<__R>(
            init: impl __core::ops::FnOnce() -> u64,
            f: impl __core::ops::FnOnce(&u64) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_1, init, f)
        }
        ///Runs `future` in a child of the current context where every field has its value in `self` ([rule D13](framework::context#rules)).
        pub fn scope<__F: __core::future::IntoFuture>(
            self,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            __ctxlocal::scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), future)
        }
        ///Runs `f` in a child of the current context where every field has its value in `self` ([rule D13](framework::context#rules)).
        pub fn sync_scope<__R>(self, f: impl __core::ops::FnOnce() -> __R) -> __R {
            __ctxlocal::sync_scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), f)
        }
        ///Sets every field in the current context to its value in `self`; panics where the fields' setters do ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn set(self) {
            __ctxlocal::set_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), "Job::set")
        }
        ///Unsets every field in the current context; if any is set, panics where the fields' setters do ([rule D4](framework::context#rules)).
        #[inline]
        #[track_caller]
        pub fn clear() {
            __ctxlocal::clear_struct(&__CTXLOCAL_KEY, "Job::clear")
        }
        ///Returns a snapshot of the fields in the current context that prints with `{:?}`: set fields show their value, unset ones their default or `<unset>` ([rule D2](framework::context#rules)).
        #[inline]
        pub fn debug_current() -> impl __core::fmt::Debug
        where
            for<'__ctxlocal> u64: __core::fmt::Debug,
            for<'__ctxlocal> u64: __core::fmt::Debug,
            for<'__ctxlocal> String: __core::fmt::Debug,
        {
            const _: fn() = || {
                __ctxlocal::assert_debug::<u64>();
                __ctxlocal::assert_debug::<u64>();
                #[cfg(feature = "tracing")] __ctxlocal::assert_debug::<String>();
            };
            struct __CtxlocalDebugView(__core::option::Option<__CtxlocalValues>);
            impl __core::fmt::Debug for __CtxlocalDebugView
            where
                for<'__ctxlocal> u64: __core::fmt::Debug,
                for<'__ctxlocal> u64: __core::fmt::Debug,
                for<'__ctxlocal> String: __core::fmt::Debug,
            {
                fn fmt(
                    &self,
                    f: &mut __core::fmt::Formatter<'_>,
                ) -> __core::fmt::Result {
                    let empty = __CtxlocalValues::default();
                    let values = self.0.as_ref().unwrap_or(&empty);
                    let mut debug = f.debug_struct("Job");
                    {
                        debug
                            .field(
                                "id",
                                &__ctxlocal::DebugField::new(
                                    &values.id,
                                    __core::option::Option::None,
                                ),
                            );
                    }
                    {
                        debug
                            .field(
                                "transaction",
                                &__ctxlocal::DebugField::new(
                                    &values.transaction,
                                    __core::option::Option::Some(
                                        __ctxlocal_default_1 as fn() -> _,
                                    ),
                                ),
                            );
                    }
                    #[cfg(feature = "tracing")]
                    {
                        debug
                            .field(
                                "span",
                                &__ctxlocal::DebugField::new(
                                    &values.span,
                                    __core::option::Option::None,
                                ),
                            );
                    }
                    debug.finish()
                }
            }
            __CtxlocalDebugView(
                __ctxlocal::snapshot::<
                    __ctxlocal::AnyThread,
                    __CtxlocalValues,
                >(&__CTXLOCAL_KEY),
            )
        }
    }
    #[automatically_derived]
    impl framework::context::AsyncLocal for Job {
        #[inline]
        fn insert_into(self, context: &mut framework::context::Context) {
            __ctxlocal::insert_struct(context, &__CTXLOCAL_KEY, __ctxlocal_values(self))
        }
    }
};
