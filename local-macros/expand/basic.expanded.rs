#[allow(dead_code)]
pub struct RequestCtx {
    /// The request's id.
    pub request_id: String,
    pub user: Option<u64>,
    retries: u32,
}
const _: () = {
    #[derive(
        ::ctxlocal::__private::core::clone::Clone,
        ::ctxlocal::__private::core::default::Default
    )]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        request_id: ::ctxlocal::__private::Slot<
            String,
            ::ctxlocal::__private::AnyThread,
        >,
        user: ::ctxlocal::__private::Slot<Option<u64>, ::ctxlocal::__private::AnyThread>,
        retries: ::ctxlocal::__private::Slot<u32, ::ctxlocal::__private::AnyThread>,
    }
    unsafe impl ::ctxlocal::__private::Values for __CtxlocalValues {
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            {
                any_set |= self.request_id.is_set();
            }
            {
                any_set |= self.user.is_set();
            }
            {
                any_set |= self.retries.is_set();
            }
            !any_set
        }
    }
    use ::ctxlocal::__private::FieldProof as __CtxlocalFieldProof;
    use ::ctxlocal::__private::storable as __ctxlocal_storable;
    static __CTXLOCAL_KEY: ::ctxlocal::__private::StructKey<
        __CtxlocalValues,
        ::ctxlocal::__private::AnyThread,
    > = ::ctxlocal::__private::StructKey::new();
    const __CTXLOCAL_PROOF_0: __CtxlocalFieldProof<
        String,
        ::ctxlocal::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    const __CTXLOCAL_PROOF_1: __CtxlocalFieldProof<
        Option<u64>,
        ::ctxlocal::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    const __CTXLOCAL_PROOF_2: __CtxlocalFieldProof<
        u32,
        ::ctxlocal::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    fn __ctxlocal_default_1() -> Option<u64> {
        <Option<u64> as ::ctxlocal::__private::core::default::Default>::default()
    }
    fn __ctxlocal_default_2() -> u32 {
        3
    }
    #[automatically_derived]
    #[allow(non_snake_case)]
    impl RequestCtx {
        /**Returns a clone of the `request_id` field of [`RequestCtx`] in the current context, or `None` if it is not set there.

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        pub fn request_id() -> ::ctxlocal::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::get(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.request_id,
            )
        }
        /**Calls `f` with a borrow of the `request_id` field of [`RequestCtx`] in the current context (`None` if it is not set), without cloning it. Any accessor may be called inside `f`; a write to this field there leaves the borrow unchanged.

Follows [rule D2](::ctxlocal#rules).*/
        #[inline]
        pub fn with_request_id<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(
                ::ctxlocal::__private::core::option::Option<&String>,
            ) -> __R,
        ) -> __R {
            ::ctxlocal::__private::with(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.request_id,
                f,
            )
        }
        /**Returns true if the `request_id` field of [`RequestCtx`] is set in the current context (a default does not count).

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        pub fn is_request_id_set() -> bool {
            ::ctxlocal::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.request_id,
            )
        }
        /**Sets the `request_id` field of [`RequestCtx`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_request_id`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub fn set_request_id(value: String) {
            ::ctxlocal::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                value,
                "RequestCtx::set_request_id",
            )
        }
        /**Sets the `request_id` field of [`RequestCtx`] in the current context, or returns why writing is refused here (see [`::ctxlocal::AccessError`]).

Follows [rule D8](::ctxlocal#rules).*/
        #[inline]
        pub fn try_set_request_id(
            value: String,
        ) -> ::ctxlocal::__private::core::result::Result<(), ::ctxlocal::AccessError> {
            ::ctxlocal::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                value,
            )
        }
        /**Sets the `request_id` field of [`RequestCtx`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_request_id`] to get an error instead.*/
        #[track_caller]
        pub fn replace_request_id(
            value: String,
        ) -> ::ctxlocal::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                value,
                "RequestCtx::replace_request_id",
            )
        }
        /**Unsets the `request_id` field of [`RequestCtx`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_request_id`] to get an error instead.*/
        #[track_caller]
        pub fn take_request_id() -> ::ctxlocal::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.request_id,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                "RequestCtx::take_request_id",
            )
        }
        /**Mutates the `request_id` field of [`RequestCtx`] in the current context: `f` gets the value (`None` if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_request_id`] to get an error instead.*/
        #[track_caller]
        pub fn update_request_id<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(
                &mut ::ctxlocal::__private::core::option::Option<String>,
            ) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> String: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::update(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                f,
                "RequestCtx::update_request_id",
            )
        }
        /**Runs `future` in a child of the current context where the `request_id` field of [`RequestCtx`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn scope_request_id<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            value: String,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            ::ctxlocal::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `request_id` field of [`RequestCtx`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn sync_scope_request_id<__R>(
            value: String,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            ::ctxlocal::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.request_id,
                __CTXLOCAL_PROOF_0,
                value,
                f,
            )
        }
        /**Returns a clone of the `user` field of [`RequestCtx`] in the current context, or its default, `Default::default()`, if it is not set there.

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        pub fn user() -> Option<u64>
        where
            for<'__ctxlocal> Option<u64>: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::get_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.user,
                __ctxlocal_default_1,
            )
        }
        /**Calls `f` with a borrow of the `user` field of [`RequestCtx`] in the current context, or of its default, `Default::default()`, if it is not set, without cloning. Any accessor may be called inside `f`.

Follows [rule D2](::ctxlocal#rules).*/
        #[inline]
        pub fn with_user<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(&Option<u64>) -> __R,
        ) -> __R {
            ::ctxlocal::__private::with_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.user,
                __ctxlocal_default_1,
                f,
            )
        }
        /**Returns true if the `user` field of [`RequestCtx`] is set in the current context (a default does not count).

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        pub fn is_user_set() -> bool {
            ::ctxlocal::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.user,
            )
        }
        /**Sets the `user` field of [`RequestCtx`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_user`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub fn set_user(value: Option<u64>) {
            ::ctxlocal::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                value,
                "RequestCtx::set_user",
            )
        }
        /**Sets the `user` field of [`RequestCtx`] in the current context, or returns why writing is refused here (see [`::ctxlocal::AccessError`]).

Follows [rule D8](::ctxlocal#rules).*/
        #[inline]
        pub fn try_set_user(
            value: Option<u64>,
        ) -> ::ctxlocal::__private::core::result::Result<(), ::ctxlocal::AccessError> {
            ::ctxlocal::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                value,
            )
        }
        /**Sets the `user` field of [`RequestCtx`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_user`] to get an error instead.*/
        #[track_caller]
        pub fn replace_user(
            value: Option<u64>,
        ) -> ::ctxlocal::__private::core::option::Option<Option<u64>>
        where
            for<'__ctxlocal> Option<u64>: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                value,
                "RequestCtx::replace_user",
            )
        }
        /**Unsets the `user` field of [`RequestCtx`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_user`] to get an error instead.*/
        #[track_caller]
        pub fn take_user() -> ::ctxlocal::__private::core::option::Option<Option<u64>>
        where
            for<'__ctxlocal> Option<u64>: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.user,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                "RequestCtx::take_user",
            )
        }
        /**Mutates the `user` field of [`RequestCtx`] in the current context: `f` gets the value (its default, `Default::default()`, if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_user`] to get an error instead.*/
        #[track_caller]
        pub fn update_user<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(&mut Option<u64>) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> Option<u64>: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::update_or(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                __ctxlocal_default_1,
                f,
                "RequestCtx::update_user",
            )
        }
        /**Runs `future` in a child of the current context where the `user` field of [`RequestCtx`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn scope_user<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            value: Option<u64>,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            ::ctxlocal::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `user` field of [`RequestCtx`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn sync_scope_user<__R>(
            value: Option<u64>,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            ::ctxlocal::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.user,
                __CTXLOCAL_PROOF_1,
                value,
                f,
            )
        }
        /**Returns a clone of the `retries` field of [`RequestCtx`] in the current context, or its default, `3`, if it is not set there.

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        fn retries() -> u32
        where
            for<'__ctxlocal> u32: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::get_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.retries,
                __ctxlocal_default_2,
            )
        }
        /**Calls `f` with a borrow of the `retries` field of [`RequestCtx`] in the current context, or of its default, `3`, if it is not set, without cloning. Any accessor may be called inside `f`.

Follows [rule D2](::ctxlocal#rules).*/
        #[inline]
        fn with_retries<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(&u32) -> __R,
        ) -> __R {
            ::ctxlocal::__private::with_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.retries,
                __ctxlocal_default_2,
                f,
            )
        }
        /**Returns true if the `retries` field of [`RequestCtx`] is set in the current context (a default does not count).

Follows [rule D10](::ctxlocal#rules).*/
        #[inline]
        fn is_retries_set() -> bool {
            ::ctxlocal::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.retries,
            )
        }
        /**Sets the `retries` field of [`RequestCtx`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_retries`] to get an error instead.*/
        #[inline]
        #[track_caller]
        fn set_retries(value: u32) {
            ::ctxlocal::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                value,
                "RequestCtx::set_retries",
            )
        }
        /**Sets the `retries` field of [`RequestCtx`] in the current context, or returns why writing is refused here (see [`::ctxlocal::AccessError`]).

Follows [rule D8](::ctxlocal#rules).*/
        #[inline]
        fn try_set_retries(
            value: u32,
        ) -> ::ctxlocal::__private::core::result::Result<(), ::ctxlocal::AccessError> {
            ::ctxlocal::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                value,
            )
        }
        /**Sets the `retries` field of [`RequestCtx`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_retries`] to get an error instead.*/
        #[track_caller]
        fn replace_retries(
            value: u32,
        ) -> ::ctxlocal::__private::core::option::Option<u32>
        where
            for<'__ctxlocal> u32: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                value,
                "RequestCtx::replace_retries",
            )
        }
        /**Unsets the `retries` field of [`RequestCtx`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_retries`] to get an error instead.*/
        #[track_caller]
        fn take_retries() -> ::ctxlocal::__private::core::option::Option<u32>
        where
            for<'__ctxlocal> u32: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.retries,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                "RequestCtx::take_retries",
            )
        }
        /**Mutates the `retries` field of [`RequestCtx`] in the current context: `f` gets the value (its default, `3`, if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](::ctxlocal#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `::ctxlocal::spawn` or `.in_current_context()` there, or [`Self::try_set_retries`] to get an error instead.*/
        #[track_caller]
        fn update_retries<__R>(
            f: impl ::ctxlocal::__private::core::ops::FnOnce(&mut u32) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> u32: ::ctxlocal::__private::core::clone::Clone,
        {
            ::ctxlocal::__private::update_or(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                __ctxlocal_default_2,
                f,
                "RequestCtx::update_retries",
            )
        }
        /**Runs `future` in a child of the current context where the `retries` field of [`RequestCtx`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](::ctxlocal#rules).*/
        fn scope_retries<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            value: u32,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            ::ctxlocal::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `retries` field of [`RequestCtx`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](::ctxlocal#rules).*/
        fn sync_scope_retries<__R>(
            value: u32,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            ::ctxlocal::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.retries,
                __CTXLOCAL_PROOF_2,
                value,
                f,
            )
        }
        /**Runs `future` in a child of the current context where every field of [`RequestCtx`] has the value in `self`. Nothing it writes reaches the caller's context.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn scope<__F: ::ctxlocal::__private::core::future::IntoFuture>(
            self,
            future: __F,
        ) -> ::ctxlocal::WithContext<__F::IntoFuture> {
            let __values = {
                let RequestCtx { request_id, user, retries } = self;
                __CtxlocalValues {
                    request_id: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_0,
                        request_id,
                    ),
                    user: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_1, user),
                    retries: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        retries,
                    ),
                }
            };
            ::ctxlocal::__private::scope_struct(&__CTXLOCAL_KEY, __values, future)
        }
        /**Runs `f` in a child of the current context where every field of [`RequestCtx`] has the value in `self`, then restores the previous context, also if `f` panics.

Follows [rule D13](::ctxlocal#rules).*/
        pub fn sync_scope<__R>(
            self,
            f: impl ::ctxlocal::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            let __values = {
                let RequestCtx { request_id, user, retries } = self;
                __CtxlocalValues {
                    request_id: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_0,
                        request_id,
                    ),
                    user: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_1, user),
                    retries: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        retries,
                    ),
                }
            };
            ::ctxlocal::__private::sync_scope_struct(&__CTXLOCAL_KEY, __values, f)
        }
        /**Sets every field of [`RequestCtx`] in the current context to the value in `self`.

Follows [rule D4](::ctxlocal#rules).

# Panics

Where the per-field setters panic: inside untracked tokio work (see [`::ctxlocal::AccessError`]).*/
        #[track_caller]
        pub fn set(self) {
            let __values = {
                let RequestCtx { request_id, user, retries } = self;
                __CtxlocalValues {
                    request_id: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_0,
                        request_id,
                    ),
                    user: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_1, user),
                    retries: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        retries,
                    ),
                }
            };
            ::ctxlocal::__private::set_struct(
                &__CTXLOCAL_KEY,
                __values,
                "RequestCtx::set",
            )
        }
        /**Unsets every field of [`RequestCtx`] in the current context; other contexts keep their values.

Follows [rule D4](::ctxlocal#rules).

# Panics

Where the per-field setters panic, if any field is set.*/
        #[track_caller]
        pub fn clear() {
            ::ctxlocal::__private::clear_struct(&__CTXLOCAL_KEY, "RequestCtx::clear")
        }
    }
    #[automatically_derived]
    impl ::ctxlocal::AsyncLocal for RequestCtx {
        fn insert_into(self, context: &mut ::ctxlocal::Context) {
            let __values = {
                let RequestCtx { request_id, user, retries } = self;
                __CtxlocalValues {
                    request_id: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_0,
                        request_id,
                    ),
                    user: ::ctxlocal::__private::Slot::new(__CTXLOCAL_PROOF_1, user),
                    retries: ::ctxlocal::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        retries,
                    ),
                }
            };
            ::ctxlocal::__private::insert_struct(context, &__CTXLOCAL_KEY, __values)
        }
    }
    use ::ctxlocal::__private::TextProof as __CtxlocalTextProof;
    const __CTXLOCAL_TEXT_0: __CtxlocalTextProof<String> = __CtxlocalTextProof::new();
    #[allow(dead_code)]
    fn __ctxlocal_inject(
        put: &mut dyn ::ctxlocal::__private::core::ops::FnMut(
            &'static str,
            ::std::string::String,
        ),
    ) {
        ::ctxlocal::__private::with(
            &__CTXLOCAL_KEY,
            |__v: &__CtxlocalValues| &__v.request_id,
            |value| {
                if let ::ctxlocal::__private::core::option::Option::Some(value) = value {
                    put("request_id", __CTXLOCAL_TEXT_0.to_text(value));
                }
            },
        );
    }
    #[allow(dead_code)]
    fn __ctxlocal_extract(
        context: &mut ::ctxlocal::Context,
        source: &dyn ::ctxlocal::__private::Lookup,
    ) {
        if let ::ctxlocal::__private::core::option::Option::Some(text) = source
            .lookup("request_id")
        {
            if let ::ctxlocal::__private::core::option::Option::Some(value) = __CTXLOCAL_TEXT_0
                .from_text(text)
            {
                ::ctxlocal::__private::insert_field(
                    context,
                    &__CTXLOCAL_KEY,
                    |__v: &mut __CtxlocalValues| &mut __v.request_id,
                    __CTXLOCAL_PROOF_0,
                    value,
                );
            }
        }
    }
    ::ctxlocal::__private::register_propagation! {
        ::ctxlocal::__private::Propagation { owner :
        ::ctxlocal::__private::core::concat!(::ctxlocal::__private::core::module_path!(),
        "::", "RequestCtx",), fields : & [::ctxlocal::__private::PropagatedField { key :
        "request_id", field : "request_id" }], inject : __ctxlocal_inject, extract :
        __ctxlocal_extract, }
    }
};
