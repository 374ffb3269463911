#[allow(dead_code)]
pub struct RequestCtx {
    /// The request's id.
    pub request_id: String,
    pub user: Option<u64>,
    retries: u32,
}
#[allow(non_snake_case, dead_code)]
const _: () = {
    use ::ctxlocal::__private as __ctxlocal;
    use ::ctxlocal::__private::core as __core;
    type __CtxlocalSlot<T> = __ctxlocal::Slot<T, __ctxlocal::AnyThread>;
    type __CtxlocalField<T> = __ctxlocal::FieldRef<
        __CtxlocalValues,
        T,
        __ctxlocal::AnyThread,
    >;
    #[derive(__core::clone::Clone, __core::default::Default)]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        request_id: __CtxlocalSlot<String>,
        user: __CtxlocalSlot<Option<u64>>,
        retries: __CtxlocalSlot<u32>,
    }
    unsafe impl __ctxlocal::Values for __CtxlocalValues {
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            any_set |= self.request_id.is_set();
            any_set |= self.user.is_set();
            any_set |= self.retries.is_set();
            !any_set
        }
    }
    static __CTXLOCAL_KEY: __ctxlocal::StructKey<
        __CtxlocalValues,
        __ctxlocal::AnyThread,
    > = __ctxlocal::StructKey::new();
    const __CTXLOCAL_FIELD_0: __CtxlocalField<String> = (
        (&__CTXLOCAL_KEY, "RequestCtx", "request_id"),
        (|__v| &__v.request_id, |__v| &mut __v.request_id),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    const __CTXLOCAL_FIELD_1: __CtxlocalField<Option<u64>> = (
        (&__CTXLOCAL_KEY, "RequestCtx", "user"),
        (|__v| &__v.user, |__v| &mut __v.user),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    const __CTXLOCAL_FIELD_2: __CtxlocalField<u32> = (
        (&__CTXLOCAL_KEY, "RequestCtx", "retries"),
        (|__v| &__v.retries, |__v| &mut __v.retries),
        __ctxlocal::storable(__ctxlocal::FieldProof::new()),
    );
    fn __ctxlocal_default_1() -> Option<u64> {
        <Option<u64> as __core::default::Default>::default()
    }
    fn __ctxlocal_default_2() -> u32 {
        3
    }
    #[inline]
    fn __ctxlocal_values(value: RequestCtx) -> __CtxlocalValues {
        __CtxlocalValues {
            request_id: __ctxlocal::field_slot(__CTXLOCAL_FIELD_0, value.request_id),
            user: __ctxlocal::field_slot(__CTXLOCAL_FIELD_1, value.user),
            retries: __ctxlocal::field_slot(__CTXLOCAL_FIELD_2, value.retries),
        }
    }
    #[automatically_derived]
    impl RequestCtx
    where
        for<'__ctxlocal> String: __core::clone::Clone,
    {
        ///Returns a clone of `request_id` in the current context, or `None` if it is unset ([rule D10](::ctxlocal#rules)).
        #[inline]
        pub fn request_id() -> __core::option::Option<String> {
            __ctxlocal::field_get(__CTXLOCAL_FIELD_0)
        }
        ///Sets `request_id` in the current context and returns the previous value; panics where [`try_set_request_id`](Self::try_set_request_id) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn replace_request_id(value: String) -> __core::option::Option<String> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_0, value)
        }
        ///Unsets `request_id` in the current context and returns its value; panics where [`try_set_request_id`](Self::try_set_request_id) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn take_request_id() -> __core::option::Option<String> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_0)
        }
        ///Mutates `request_id` in the current context in place, copy-on-write, through `f` (given `None` if it is unset); panics where [`try_set_request_id`](Self::try_set_request_id) returns an error ([rule D12](::ctxlocal#rules)).
        #[track_caller]
        pub fn update_request_id<__R>(
            f: impl __core::ops::FnOnce(&mut __core::option::Option<String>) -> __R,
        ) -> __R {
            __ctxlocal::field_update(__CTXLOCAL_FIELD_0, f)
        }
    }
    #[automatically_derived]
    impl RequestCtx
    where
        for<'__ctxlocal> Option<u64>: __core::clone::Clone,
    {
        ///Returns a clone of `user` in the current context, or its default, `Default::default()`, if it is unset ([rule D10](::ctxlocal#rules)).
        #[inline]
        pub fn user() -> Option<u64> {
            __ctxlocal::field_get_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1)
        }
        ///Sets `user` in the current context and returns the previous value; panics where [`try_set_user`](Self::try_set_user) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn replace_user(value: Option<u64>) -> __core::option::Option<Option<u64>> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_1, value)
        }
        ///Unsets `user` in the current context and returns its value; panics where [`try_set_user`](Self::try_set_user) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn take_user() -> __core::option::Option<Option<u64>> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_1)
        }
        ///Mutates `user` in the current context in place, copy-on-write, through `f` (given its default, `Default::default()`, if it is unset); panics where [`try_set_user`](Self::try_set_user) returns an error ([rule D12](::ctxlocal#rules)).
        #[track_caller]
        pub fn update_user<__R>(
            f: impl __core::ops::FnOnce(&mut Option<u64>) -> __R,
        ) -> __R {
            __ctxlocal::field_update_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1, f)
        }
    }
    #[automatically_derived]
    impl RequestCtx
    where
        for<'__ctxlocal> u32: __core::clone::Clone,
    {
        ///Returns a clone of `retries` in the current context, or its default, `3`, if it is unset ([rule D10](::ctxlocal#rules)).
        #[inline]
        fn retries() -> u32 {
            __ctxlocal::field_get_or(__CTXLOCAL_FIELD_2, __ctxlocal_default_2)
        }
        ///Sets `retries` in the current context and returns the previous value; panics where [`try_set_retries`](Self::try_set_retries) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        fn replace_retries(value: u32) -> __core::option::Option<u32> {
            __ctxlocal::field_replace(__CTXLOCAL_FIELD_2, value)
        }
        ///Unsets `retries` in the current context and returns its value; panics where [`try_set_retries`](Self::try_set_retries) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        fn take_retries() -> __core::option::Option<u32> {
            __ctxlocal::field_take(__CTXLOCAL_FIELD_2)
        }
        ///Mutates `retries` in the current context in place, copy-on-write, through `f` (given its default, `3`, if it is unset); panics where [`try_set_retries`](Self::try_set_retries) returns an error ([rule D12](::ctxlocal#rules)).
        #[track_caller]
        fn update_retries<__R>(f: impl __core::ops::FnOnce(&mut u32) -> __R) -> __R {
            __ctxlocal::field_update_or(__CTXLOCAL_FIELD_2, __ctxlocal_default_2, f)
        }
    }
    #[automatically_derived]
    impl RequestCtx {
        ///Calls `f` with a borrow of `request_id` in the current context, or `None` if it is unset, without cloning ([rule D2](::ctxlocal#rules)).
        pub fn with_request_id<__R>(
            f: impl __core::ops::FnOnce(__core::option::Option<&String>) -> __R,
        ) -> __R {
            __ctxlocal::field_with(__CTXLOCAL_FIELD_0, f)
        }
        ///Returns true if `request_id` is set in the current context (a default does not count) ([rule D10](::ctxlocal#rules)).
        #[inline]
        pub fn is_request_id_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_0)
        }
        ///Sets `request_id` in the current context, for this task and those it spawns later; panics where [`try_set_request_id`](Self::try_set_request_id) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn set_request_id(value: String) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Sets `request_id` in the current context, or returns why writing is refused here ([rule D8](::ctxlocal#rules)).
        #[inline]
        pub fn try_set_request_id(
            value: String,
        ) -> __core::result::Result<(), ::ctxlocal::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_0, value)
        }
        ///Runs `future` in a child of the current context where `request_id` is `value` ([rule D13](::ctxlocal#rules)).
        pub fn scope_request_id<__F: __core::future::IntoFuture>(
            value: String,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_0, value, future)
        }
        ///Runs `f` in a child of the current context where `request_id` is `value` ([rule D13](::ctxlocal#rules)).
        pub fn sync_scope_request_id<__R>(
            value: String,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_0, value, f)
        }
        ///Calls `f` with a borrow of `request_id` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_request_id`](Self::try_set_request_id) returns an error ([rule D2](::ctxlocal#rules)).
        #[track_caller]
        pub fn with_request_id_or_init<__R>(
            init: impl __core::ops::FnOnce() -> String,
            f: impl __core::ops::FnOnce(&String) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_0, init, f)
        }
        ///Calls `f` with a borrow of `user` in the current context, or of its default, `Default::default()`, if it is unset, without cloning ([rule D2](::ctxlocal#rules)).
        pub fn with_user<__R>(f: impl __core::ops::FnOnce(&Option<u64>) -> __R) -> __R {
            __ctxlocal::field_with_or(__CTXLOCAL_FIELD_1, __ctxlocal_default_1, f)
        }
        ///Returns true if `user` is set in the current context (a default does not count) ([rule D10](::ctxlocal#rules)).
        #[inline]
        pub fn is_user_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_1)
        }
        ///Sets `user` in the current context, for this task and those it spawns later; panics where [`try_set_user`](Self::try_set_user) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn set_user(value: Option<u64>) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_1, value)
        }
        ///Sets `user` in the current context, or returns why writing is refused here ([rule D8](::ctxlocal#rules)).
        #[inline]
        pub fn try_set_user(
            value: Option<u64>,
        ) -> __core::result::Result<(), ::ctxlocal::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_1, value)
        }
        ///Runs `future` in a child of the current context where `user` is `value` ([rule D13](::ctxlocal#rules)).
        pub fn scope_user<__F: __core::future::IntoFuture>(
            value: Option<u64>,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_1, value, future)
        }
        ///Runs `f` in a child of the current context where `user` is `value` ([rule D13](::ctxlocal#rules)).
        pub fn sync_scope_user<__R>(
            value: Option<u64>,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_1, value, f)
        }
        ///Calls `f` with a borrow of `user` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_user`](Self::try_set_user) returns an error ([rule D2](::ctxlocal#rules)).
        #[track_caller]
        pub fn with_user_or_init<__R>(
            init: impl __core::ops::FnOnce() -> Option<u64>,
            f: impl __core::ops::FnOnce(&Option<u64>) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_1, init, f)
        }
        ///Calls `f` with a borrow of `retries` in the current context, or of its default, `3`, if it is unset, without cloning ([rule D2](::ctxlocal#rules)).
        fn with_retries<__R>(f: impl __core::ops::FnOnce(&u32) -> __R) -> __R {
            __ctxlocal::field_with_or(__CTXLOCAL_FIELD_2, __ctxlocal_default_2, f)
        }
        ///Returns true if `retries` is set in the current context (a default does not count) ([rule D10](::ctxlocal#rules)).
        #[inline]
        fn is_retries_set() -> bool {
            __ctxlocal::field_is_set(__CTXLOCAL_FIELD_2)
        }
        ///Sets `retries` in the current context, for this task and those it spawns later; panics where [`try_set_retries`](Self::try_set_retries) returns an error ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        fn set_retries(value: u32) {
            __ctxlocal::field_set(__CTXLOCAL_FIELD_2, value)
        }
        ///Sets `retries` in the current context, or returns why writing is refused here ([rule D8](::ctxlocal#rules)).
        #[inline]
        fn try_set_retries(
            value: u32,
        ) -> __core::result::Result<(), ::ctxlocal::AccessError> {
            __ctxlocal::field_try_set(__CTXLOCAL_FIELD_2, value)
        }
        ///Runs `future` in a child of the current context where `retries` is `value` ([rule D13](::ctxlocal#rules)).
        fn scope_retries<__F: __core::future::IntoFuture>(
            value: u32,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::field_scope(__CTXLOCAL_FIELD_2, value, future)
        }
        ///Runs `f` in a child of the current context where `retries` is `value` ([rule D13](::ctxlocal#rules)).
        fn sync_scope_retries<__R>(
            value: u32,
            f: impl __core::ops::FnOnce() -> __R,
        ) -> __R {
            __ctxlocal::field_sync_scope(__CTXLOCAL_FIELD_2, value, f)
        }
        ///Calls `f` with a borrow of `retries` in the current context, first setting it to `init()` if it is not set there (a default does not count): `init` runs at most once per context, and calling this again from inside `init` panics; panics where [`try_set_retries`](Self::try_set_retries) returns an error ([rule D2](::ctxlocal#rules)).
        #[track_caller]
        fn with_retries_or_init<__R>(
            init: impl __core::ops::FnOnce() -> u32,
            f: impl __core::ops::FnOnce(&u32) -> __R,
        ) -> __R {
            __ctxlocal::field_with_or_init(__CTXLOCAL_FIELD_2, init, f)
        }
        ///Runs `future` in a child of the current context where every field has its value in `self` ([rule D13](::ctxlocal#rules)).
        pub fn scope<__F: __core::future::IntoFuture>(
            self,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            __ctxlocal::scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), future)
        }
        ///Runs `f` in a child of the current context where every field has its value in `self` ([rule D13](::ctxlocal#rules)).
        pub fn sync_scope<__R>(self, f: impl __core::ops::FnOnce() -> __R) -> __R {
            __ctxlocal::sync_scope_struct(&__CTXLOCAL_KEY, __ctxlocal_values(self), f)
        }
        ///Sets every field in the current context to its value in `self`; panics where the fields' setters do ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn set(self) {
            __ctxlocal::set_struct(
                &__CTXLOCAL_KEY,
                __ctxlocal_values(self),
                "RequestCtx::set",
            )
        }
        ///Unsets every field in the current context; if any is set, panics where the fields' setters do ([rule D4](::ctxlocal#rules)).
        #[inline]
        #[track_caller]
        pub fn clear() {
            __ctxlocal::clear_struct(&__CTXLOCAL_KEY, "RequestCtx::clear")
        }
    }
    #[automatically_derived]
    impl ::ctxlocal::AsyncLocal for RequestCtx {
        #[inline]
        fn insert_into(self, context: &mut ::ctxlocal::Context) {
            __ctxlocal::insert_struct(context, &__CTXLOCAL_KEY, __ctxlocal_values(self))
        }
    }
    use __ctxlocal::TextProof as __CtxlocalTextProof;
    const __CTXLOCAL_TEXT_0: __CtxlocalTextProof<String> = __CtxlocalTextProof::new();
    #[allow(dead_code)]
    fn __ctxlocal_inject(
        put: &mut dyn __core::ops::FnMut(&'static str, ::std::string::String),
    ) {
        __ctxlocal::field_with(
            __CTXLOCAL_FIELD_0,
            |value| {
                if let __core::option::Option::Some(value) = value {
                    put("request_id", __CTXLOCAL_TEXT_0.to_text(value));
                }
            },
        );
    }
    #[allow(dead_code)]
    fn __ctxlocal_extract(
        context: &mut ::ctxlocal::Context,
        source: &dyn __ctxlocal::Lookup,
    ) {
        if let __core::option::Option::Some(text) = source.lookup("request_id") {
            if let __core::option::Option::Some(value) = __CTXLOCAL_TEXT_0
                .from_text(text)
            {
                __ctxlocal::field_insert(context, __CTXLOCAL_FIELD_0, value);
            }
        }
    }
    __ctxlocal::register_propagation! {
        __ctxlocal::Propagation { owner : __core::concat!(__core::module_path!(), "::",
        "RequestCtx",), fields : & [__ctxlocal::PropagatedField { key : "request_id",
        field : "request_id" }], inject : __ctxlocal_inject, extract :
        __ctxlocal_extract, }
    }
};
