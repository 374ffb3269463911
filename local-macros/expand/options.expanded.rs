#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Job {
    pub id: u64,
    pub transaction: u64,
    #[cfg(feature = "tracing")]
    pub span: String,
}
const _: () = {
    #[derive(
        framework::context::__private::core::clone::Clone,
        framework::context::__private::core::default::Default
    )]
    #[allow(non_camel_case_types, non_snake_case, dead_code)]
    struct __CtxlocalValues {
        id: framework::context::__private::Slot<
            u64,
            framework::context::__private::AnyThread,
        >,
        transaction: framework::context::__private::Slot<
            u64,
            framework::context::__private::AnyThread,
        >,
        #[cfg(feature = "tracing")]
        span: framework::context::__private::Slot<
            String,
            framework::context::__private::AnyThread,
        >,
    }
    unsafe impl framework::context::__private::Values for __CtxlocalValues {
        const NOT_INHERITED: bool = true;
        fn is_empty(&self) -> bool {
            #[allow(unused_mut)]
            let mut any_set = false;
            {
                any_set |= self.id.is_set();
            }
            {
                any_set |= self.transaction.is_set();
            }
            #[cfg(feature = "tracing")]
            {
                any_set |= self.span.is_set();
            }
            !any_set
        }
        fn inherited(
            &self,
        ) -> framework::context::__private::core::option::Option<Self> {
            #[allow(unused_mut)]
            let mut any_set = false;
            {
                any_set |= self.transaction.is_set();
            }
            if !any_set {
                return framework::context::__private::core::option::Option::None;
            }
            let mut copy = framework::context::__private::core::clone::Clone::clone(
                self,
            );
            {
                copy.transaction = framework::context::__private::core::default::Default::default();
            }
            framework::context::__private::core::option::Option::Some(copy)
        }
    }
    use framework::context::__private::FieldProof as __CtxlocalFieldProof;
    use framework::context::__private::storable as __ctxlocal_storable;
    fn __ctxlocal_trace(
        visit: &mut dyn framework::context::__private::core::ops::FnMut(
            &'static str,
            &dyn framework::context::__private::core::fmt::Display,
        ),
    ) {
        #[allow(unused_imports)]
        use framework::context::__private::{
            Trace as __CtxlocalTrace, TraceDebug as _, TraceDisplay as _,
        };
        framework::context::__private::with(
            &__CTXLOCAL_KEY,
            |__v: &__CtxlocalValues| &__v.id,
            |value| {
                if let framework::context::__private::core::option::Option::Some(
                    value,
                ) = value {
                    (&__CtxlocalTrace::<u64>(value)).visit_trace("id", visit)
                }
            },
        );
    }
    static __CTXLOCAL_HOOKS: framework::context::__private::StructHooks = framework::context::__private::StructHooks::new(
        framework::context::__private::core::option::Option::Some(__ctxlocal_trace),
    );
    static __CTXLOCAL_KEY: framework::context::__private::StructKey<
        __CtxlocalValues,
        framework::context::__private::AnyThread,
    > = framework::context::__private::StructKey::new().with_hooks(&__CTXLOCAL_HOOKS);
    const __CTXLOCAL_PROOF_0: __CtxlocalFieldProof<
        u64,
        framework::context::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    const __CTXLOCAL_PROOF_1: __CtxlocalFieldProof<
        u64,
        framework::context::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    #[cfg(feature = "tracing")]
    const __CTXLOCAL_PROOF_2: __CtxlocalFieldProof<
        String,
        framework::context::__private::AnyThread,
    > = __ctxlocal_storable(__CtxlocalFieldProof::new());
    fn __ctxlocal_default_1() -> u64 {
        <u64 as framework::context::__private::core::default::Default>::default()
    }
    #[automatically_derived]
    #[allow(non_snake_case)]
    impl Job {
        /**Returns a clone of the `id` field of [`Job`] in the current context, or `None` if it is not set there.

Follows [rule D10](framework::context#rules).*/
        #[inline]
        pub fn id() -> framework::context::__private::core::option::Option<u64>
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::get(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.id,
            )
        }
        /**Calls `f` with a borrow of the `id` field of [`Job`] in the current context (`None` if it is not set), without cloning it. Any accessor may be called inside `f`; a write to this field there leaves the borrow unchanged.

Follows [rule D2](framework::context#rules).*/
        #[inline]
        pub fn with_id<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(
                framework::context::__private::core::option::Option<&u64>,
            ) -> __R,
        ) -> __R {
            framework::context::__private::with(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.id,
                f,
            )
        }
        /**Returns true if the `id` field of [`Job`] is set in the current context (a default does not count).

Follows [rule D10](framework::context#rules).*/
        #[inline]
        pub fn is_id_set() -> bool {
            framework::context::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.id,
            )
        }
        /**Sets the `id` field of [`Job`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_id`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub fn set_id(value: u64) {
            framework::context::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                value,
                "Job::set_id",
            )
        }
        /**Sets the `id` field of [`Job`] in the current context, or returns why writing is refused here (see [`framework::context::AccessError`]).

Follows [rule D8](framework::context#rules).*/
        #[inline]
        pub fn try_set_id(
            value: u64,
        ) -> framework::context::__private::core::result::Result<
            (),
            framework::context::AccessError,
        > {
            framework::context::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                value,
            )
        }
        /**Sets the `id` field of [`Job`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_id`] to get an error instead.*/
        #[track_caller]
        pub fn replace_id(
            value: u64,
        ) -> framework::context::__private::core::option::Option<u64>
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                value,
                "Job::replace_id",
            )
        }
        /**Unsets the `id` field of [`Job`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_id`] to get an error instead.*/
        #[track_caller]
        pub fn take_id() -> framework::context::__private::core::option::Option<u64>
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.id,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                "Job::take_id",
            )
        }
        /**Mutates the `id` field of [`Job`] in the current context: `f` gets the value (`None` if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_id`] to get an error instead.*/
        #[track_caller]
        pub fn update_id<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(
                &mut framework::context::__private::core::option::Option<u64>,
            ) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::update(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                f,
                "Job::update_id",
            )
        }
        /**Runs `future` in a child of the current context where the `id` field of [`Job`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](framework::context#rules).*/
        pub fn scope_id<__F: framework::context::__private::core::future::IntoFuture>(
            value: u64,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            framework::context::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `id` field of [`Job`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](framework::context#rules).*/
        pub fn sync_scope_id<__R>(
            value: u64,
            f: impl framework::context::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            framework::context::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.id,
                __CTXLOCAL_PROOF_0,
                value,
                f,
            )
        }
        /**Returns a clone of the `transaction` field of [`Job`] in the current context, or its default, `Default::default()`, if it is not set there.

Follows [rule D10](framework::context#rules).

`no_inherit`: tasks and threads spawned from a context do not inherit this field (it starts unset there); `framework::context::sync_to_async` / `async_to_sync` carry it.*/
        #[inline]
        pub fn transaction() -> u64
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::get_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.transaction,
                __ctxlocal_default_1,
            )
        }
        /**Calls `f` with a borrow of the `transaction` field of [`Job`] in the current context, or of its default, `Default::default()`, if it is not set, without cloning. Any accessor may be called inside `f`.

Follows [rule D2](framework::context#rules).*/
        #[inline]
        pub fn with_transaction<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(&u64) -> __R,
        ) -> __R {
            framework::context::__private::with_or(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.transaction,
                __ctxlocal_default_1,
                f,
            )
        }
        /**Returns true if the `transaction` field of [`Job`] is set in the current context (a default does not count).

Follows [rule D10](framework::context#rules).*/
        #[inline]
        pub fn is_transaction_set() -> bool {
            framework::context::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.transaction,
            )
        }
        /**Sets the `transaction` field of [`Job`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_transaction`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub fn set_transaction(value: u64) {
            framework::context::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                value,
                "Job::set_transaction",
            )
        }
        /**Sets the `transaction` field of [`Job`] in the current context, or returns why writing is refused here (see [`framework::context::AccessError`]).

Follows [rule D8](framework::context#rules).*/
        #[inline]
        pub fn try_set_transaction(
            value: u64,
        ) -> framework::context::__private::core::result::Result<
            (),
            framework::context::AccessError,
        > {
            framework::context::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                value,
            )
        }
        /**Sets the `transaction` field of [`Job`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_transaction`] to get an error instead.*/
        #[track_caller]
        pub fn replace_transaction(
            value: u64,
        ) -> framework::context::__private::core::option::Option<u64>
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                value,
                "Job::replace_transaction",
            )
        }
        /**Unsets the `transaction` field of [`Job`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_transaction`] to get an error instead.*/
        #[track_caller]
        pub fn take_transaction() -> framework::context::__private::core::option::Option<
            u64,
        >
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.transaction,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                "Job::take_transaction",
            )
        }
        /**Mutates the `transaction` field of [`Job`] in the current context: `f` gets the value (its default, `Default::default()`, if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_transaction`] to get an error instead.*/
        #[track_caller]
        pub fn update_transaction<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(&mut u64) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> u64: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::update_or(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                __ctxlocal_default_1,
                f,
                "Job::update_transaction",
            )
        }
        /**Runs `future` in a child of the current context where the `transaction` field of [`Job`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](framework::context#rules).*/
        pub fn scope_transaction<
            __F: framework::context::__private::core::future::IntoFuture,
        >(value: u64, future: __F) -> framework::context::WithContext<__F::IntoFuture> {
            framework::context::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                value,
                future,
            )
        }
        /**Runs `f` in a child of the current context where the `transaction` field of [`Job`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](framework::context#rules).*/
        pub fn sync_scope_transaction<__R>(
            value: u64,
            f: impl framework::context::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            framework::context::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.transaction,
                __CTXLOCAL_PROOF_1,
                value,
                f,
            )
        }
        #[cfg(feature = "tracing")]
        /**Returns a clone of the `span` field of [`Job`] in the current context, or `None` if it is not set there.

Follows [rule D10](framework::context#rules).*/
        #[inline]
        pub fn span() -> framework::context::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::get(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.span,
            )
        }
        #[cfg(feature = "tracing")]
        /**Calls `f` with a borrow of the `span` field of [`Job`] in the current context (`None` if it is not set), without cloning it. Any accessor may be called inside `f`; a write to this field there leaves the borrow unchanged.

Follows [rule D2](framework::context#rules).*/
        #[inline]
        pub fn with_span<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(
                framework::context::__private::core::option::Option<&String>,
            ) -> __R,
        ) -> __R {
            framework::context::__private::with(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.span,
                f,
            )
        }
        #[cfg(feature = "tracing")]
        /**Returns true if the `span` field of [`Job`] is set in the current context (a default does not count).

Follows [rule D10](framework::context#rules).*/
        #[inline]
        pub fn is_span_set() -> bool {
            framework::context::__private::is_set(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.span,
            )
        }
        #[cfg(feature = "tracing")]
        /**Sets the `span` field of [`Job`] in the current context: visible to this task (or thread) from now on, and to tasks it spawns later, never to others.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_span`] to get an error instead.*/
        #[inline]
        #[track_caller]
        pub fn set_span(value: String) {
            framework::context::__private::set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                value,
                "Job::set_span",
            )
        }
        #[cfg(feature = "tracing")]
        /**Sets the `span` field of [`Job`] in the current context, or returns why writing is refused here (see [`framework::context::AccessError`]).

Follows [rule D8](framework::context#rules).*/
        #[inline]
        pub fn try_set_span(
            value: String,
        ) -> framework::context::__private::core::result::Result<
            (),
            framework::context::AccessError,
        > {
            framework::context::__private::try_set(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                value,
            )
        }
        #[cfg(feature = "tracing")]
        /**Sets the `span` field of [`Job`] in the current context and returns the previous value (`None` if it was not set). The previous value is moved out, or cloned if another context still shares it.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_span`] to get an error instead.*/
        #[track_caller]
        pub fn replace_span(
            value: String,
        ) -> framework::context::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::replace(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                value,
                "Job::replace_span",
            )
        }
        #[cfg(feature = "tracing")]
        /**Unsets the `span` field of [`Job`] in the current context and returns its value (`None` if it was not set). The value is moved out, or cloned if another context still shares it; other contexts keep theirs.

Follows [rule D4](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_span`] to get an error instead.*/
        #[track_caller]
        pub fn take_span() -> framework::context::__private::core::option::Option<String>
        where
            for<'__ctxlocal> String: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::take(
                &__CTXLOCAL_KEY,
                |__v: &__CtxlocalValues| &__v.span,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                "Job::take_span",
            )
        }
        #[cfg(feature = "tracing")]
        /**Mutates the `span` field of [`Job`] in the current context: `f` gets the value (`None` if unset) and whatever it leaves is stored, also if it panics. Copy-on-write: if another context shares the value, `f` mutates a private clone. While `f` runs the field reads as unset, and writes to it from inside `f` are overwritten.

Follows [rule D12](framework::context#rules).

# Panics

Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`, which carries no context (the value would leak to other tasks on the thread): use `framework::context::spawn` or `.in_current_context()` there, or [`Self::try_set_span`] to get an error instead.*/
        #[track_caller]
        pub fn update_span<__R>(
            f: impl framework::context::__private::core::ops::FnOnce(
                &mut framework::context::__private::core::option::Option<String>,
            ) -> __R,
        ) -> __R
        where
            for<'__ctxlocal> String: framework::context::__private::core::clone::Clone,
        {
            framework::context::__private::update(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                f,
                "Job::update_span",
            )
        }
        #[cfg(feature = "tracing")]
        /**Runs `future` in a child of the current context where the `span` field of [`Job`] is `value`. The override, and anything else the future writes, ends with it: the caller's context is never changed.

Follows [rule D13](framework::context#rules).*/
        pub fn scope_span<__F: framework::context::__private::core::future::IntoFuture>(
            value: String,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            framework::context::__private::scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                value,
                future,
            )
        }
        #[cfg(feature = "tracing")]
        /**Runs `f` in a child of the current context where the `span` field of [`Job`] is `value`, then restores the previous context, also if `f` panics.

Follows [rule D13](framework::context#rules).*/
        pub fn sync_scope_span<__R>(
            value: String,
            f: impl framework::context::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            framework::context::__private::sync_scope(
                &__CTXLOCAL_KEY,
                |__v: &mut __CtxlocalValues| &mut __v.span,
                __CTXLOCAL_PROOF_2,
                value,
                f,
            )
        }
        /**Runs `future` in a child of the current context where every field of [`Job`] has the value in `self`. Nothing it writes reaches the caller's context.

Follows [rule D13](framework::context#rules).*/
        pub fn scope<__F: framework::context::__private::core::future::IntoFuture>(
            self,
            future: __F,
        ) -> framework::context::WithContext<__F::IntoFuture> {
            let __values = {
                let Job { id, transaction, #[cfg(feature = "tracing")] span } = self;
                __CtxlocalValues {
                    id: framework::context::__private::Slot::new(__CTXLOCAL_PROOF_0, id),
                    transaction: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_1,
                        transaction,
                    ),
                    #[cfg(feature = "tracing")]
                    span: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        span,
                    ),
                }
            };
            framework::context::__private::scope_struct(
                &__CTXLOCAL_KEY,
                __values,
                future,
            )
        }
        /**Runs `f` in a child of the current context where every field of [`Job`] has the value in `self`, then restores the previous context, also if `f` panics.

Follows [rule D13](framework::context#rules).*/
        pub fn sync_scope<__R>(
            self,
            f: impl framework::context::__private::core::ops::FnOnce() -> __R,
        ) -> __R {
            let __values = {
                let Job { id, transaction, #[cfg(feature = "tracing")] span } = self;
                __CtxlocalValues {
                    id: framework::context::__private::Slot::new(__CTXLOCAL_PROOF_0, id),
                    transaction: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_1,
                        transaction,
                    ),
                    #[cfg(feature = "tracing")]
                    span: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        span,
                    ),
                }
            };
            framework::context::__private::sync_scope_struct(
                &__CTXLOCAL_KEY,
                __values,
                f,
            )
        }
        /**Sets every field of [`Job`] in the current context to the value in `self`.

Follows [rule D4](framework::context#rules).

# Panics

Where the per-field setters panic: inside untracked tokio work (see [`framework::context::AccessError`]).*/
        #[track_caller]
        pub fn set(self) {
            let __values = {
                let Job { id, transaction, #[cfg(feature = "tracing")] span } = self;
                __CtxlocalValues {
                    id: framework::context::__private::Slot::new(__CTXLOCAL_PROOF_0, id),
                    transaction: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_1,
                        transaction,
                    ),
                    #[cfg(feature = "tracing")]
                    span: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        span,
                    ),
                }
            };
            framework::context::__private::set_struct(
                &__CTXLOCAL_KEY,
                __values,
                "Job::set",
            )
        }
        /**Unsets every field of [`Job`] in the current context; other contexts keep their values.

Follows [rule D4](framework::context#rules).

# Panics

Where the per-field setters panic, if any field is set.*/
        #[track_caller]
        pub fn clear() {
            framework::context::__private::clear_struct(&__CTXLOCAL_KEY, "Job::clear")
        }
        /**Returns a snapshot of the fields of [`Job`] in the current context that prints with `{:?}` (or `{:#?}`): set fields show their value, unset ones their default or `<unset>`. Generated by `#[async_local(debug)]`.

Follows [rule D2](framework::context#rules).*/
        pub fn debug_current() -> impl framework::context::__private::core::fmt::Debug
        where
            for<'__ctxlocal> u64: framework::context::__private::core::fmt::Debug,
            for<'__ctxlocal> u64: framework::context::__private::core::fmt::Debug,
            for<'__ctxlocal> String: framework::context::__private::core::fmt::Debug,
        {
            const _: fn() = || {
                framework::context::__private::assert_debug::<u64>();
                framework::context::__private::assert_debug::<u64>();
                #[cfg(feature = "tracing")]
                framework::context::__private::assert_debug::<String>();
            };
            struct __CtxlocalDebugView(
                framework::context::__private::core::option::Option<__CtxlocalValues>,
            );
            impl framework::context::__private::core::fmt::Debug for __CtxlocalDebugView
            where
                for<'__ctxlocal> u64: framework::context::__private::core::fmt::Debug,
                for<'__ctxlocal> u64: framework::context::__private::core::fmt::Debug,
                for<'__ctxlocal> String: framework::context::__private::core::fmt::Debug,
            {
                fn fmt(
                    &self,
                    f: &mut framework::context::__private::core::fmt::Formatter<'_>,
                ) -> framework::context::__private::core::fmt::Result {
                    let empty = __CtxlocalValues::default();
                    let values = self.0.as_ref().unwrap_or(&empty);
                    let mut debug = f.debug_struct("Job");
                    {
                        debug
                            .field(
                                "id",
                                &framework::context::__private::DebugField::new(
                                    &values.id,
                                    framework::context::__private::core::option::Option::None,
                                ),
                            );
                    }
                    {
                        debug
                            .field(
                                "transaction",
                                &framework::context::__private::DebugField::new(
                                    &values.transaction,
                                    framework::context::__private::core::option::Option::Some(
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
                                &framework::context::__private::DebugField::new(
                                    &values.span,
                                    framework::context::__private::core::option::Option::None,
                                ),
                            );
                    }
                    debug.finish()
                }
            }
            __CtxlocalDebugView(
                framework::context::__private::snapshot::<
                    framework::context::__private::AnyThread,
                    __CtxlocalValues,
                >(&__CTXLOCAL_KEY),
            )
        }
    }
    #[automatically_derived]
    impl framework::context::AsyncLocal for Job {
        fn insert_into(self, context: &mut framework::context::Context) {
            let __values = {
                let Job { id, transaction, #[cfg(feature = "tracing")] span } = self;
                __CtxlocalValues {
                    id: framework::context::__private::Slot::new(__CTXLOCAL_PROOF_0, id),
                    transaction: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_1,
                        transaction,
                    ),
                    #[cfg(feature = "tracing")]
                    span: framework::context::__private::Slot::new(
                        __CTXLOCAL_PROOF_2,
                        span,
                    ),
                }
            };
            framework::context::__private::insert_struct(
                context,
                &__CTXLOCAL_KEY,
                __values,
            )
        }
    }
};
