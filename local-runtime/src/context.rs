//! [`Context`]: an immutable snapshot of context values.

use core::fmt;

use crate::install::{Installed, TcPolicy};
use crate::table::TableRef;
use crate::thread_critical::TcBinding;
use crate::thread_state::{FrameKind, with_state};

/// An immutable snapshot of the values of every `#[async_local]` struct.
///
/// Cloning a `Context` is one reference-count increment. It never changes after it is taken:
/// code running in it ([`run`](Context::run), [`scope`](Context::scope)) writes to a private
/// copy-on-write continuation of it, which costs one copy of the struct it writes (a pointer
/// per field), never a copy of the whole context.
///
/// Use it to carry values explicitly where this crate cannot do it for you: into a thread pool,
/// a callback registered with another library, a future polled by another executor.
///
/// ```
/// use ctxlocal::{Context, async_local};
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// Request::set_id(7);
/// let ctx = Context::current();
/// Request::set_id(8);
///
/// // The snapshot still has 7, in any thread.
/// let seen = std::thread::spawn(move || ctx.run(Request::id)).join().unwrap();
/// assert_eq!(seen, Some(7));
/// assert_eq!(Request::id(), Some(8));
/// ```
#[derive(Clone, Default)]
pub struct Context {
    pub(crate) table: TableRef,
}

impl Context {
    /// A snapshot of the current context: the values visible here, now.
    ///
    /// It includes the values of `#[local(no_inherit)]` fields: it is what you carry
    /// explicitly. The spawning helpers ([`spawn`](crate::spawn),
    /// [`ContextExt::in_current_context`](crate::ContextExt::in_current_context),
    /// [`thread::spawn`](crate::thread::spawn), ...) start
    /// their children without those.
    ///
    /// Inside a task started with plain `tokio::spawn` or `tokio::task::spawn_blocking`
    /// (untracked work, see [`AccessError`](crate::AccessError)) this is empty.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// Request::set_id(1);
    /// let captured = Context::current();
    /// Request::set_id(2);
    /// // The capture is a snapshot: later writes do not change it.
    /// assert_eq!(captured.run(Request::id), Some(1));
    /// assert_eq!(Request::id(), Some(2));
    /// ```
    #[inline]
    pub fn current() -> Context {
        Context {
            table: with_state(|state| state.snapshot()),
        }
    }

    /// The snapshot a child task or thread starts with: [`Context::current`] without the
    /// values of `#[local(no_inherit)]` fields. What [`spawn`](crate::spawn),
    /// [`thread::spawn`](crate::thread::spawn) and the other spawning helpers carry; use it to
    /// hand work to a pool of your own.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    ///     #[local(no_inherit)]
    ///     transaction: u64,
    /// }
    ///
    /// Request::set_id(1);
    /// Request::set_transaction(9);
    /// let job = Context::inherited();
    /// let seen = std::thread::spawn(move || job.run(|| (Request::id(), Request::transaction())));
    /// assert_eq!(seen.join().unwrap(), (Some(1), None));
    /// ```
    #[inline]
    pub fn inherited() -> Context {
        Context {
            table: with_state(|state| state.snapshot_for_child()),
        }
    }

    /// A context with no values. Costs nothing.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// Request::set_id(1);
    /// assert_eq!(Context::empty().run(Request::id), None);
    /// ```
    #[inline]
    pub const fn empty() -> Context {
        Context { table: None }
    }

    /// True if no struct has values in this context.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// assert!(Context::empty().is_empty());
    /// Request::set_id(1);
    /// assert!(!Context::current().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.table.as_ref().is_none_or(|t| t.len() == 0)
    }

    /// Returns this context with every field of `values` set: how to build a context without
    /// making it current, for example for a request (see `ctxlocal::tower::ScopeLayer`).
    /// `values` is an `#[async_local]` struct (default mode) or a tuple of them.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// #[async_local]
    /// struct Tenant {
    ///     name: String,
    /// }
    ///
    /// let ctx = Context::empty().with((Request { id: 1 }, Tenant { name: "acme".into() }));
    /// assert_eq!(Request::id(), None); // not current here
    /// assert_eq!(ctx.run(|| (Request::id(), Tenant::name())), (Some(1), Some("acme".into())));
    /// ```
    pub fn with(mut self, values: impl AsyncLocal) -> Context {
        values.insert_into(&mut self);
        self
    }

    /// Runs `f` with this context as the current one, then restores the previous context (also
    /// if `f` panics).
    ///
    /// Writes made inside `f` go to a private continuation of this context and are dropped when
    /// `f` returns: they are visible neither to the caller nor to later `run` calls, and nothing
    /// stays behind on the thread (rule D9). This is how a job on a reused pool thread avoids
    /// seeing what an earlier job left there.
    ///
    /// ```
    /// use ctxlocal::{Context, async_local};
    ///
    /// #[async_local]
    /// struct Job {
    ///     name: String,
    /// }
    ///
    /// Job::set_name("outer".into());
    /// let ctx = Context::current();
    /// let inner = ctx.run(|| {
    ///     Job::set_name("inner".into());
    ///     Job::name()
    /// });
    /// assert_eq!(inner.as_deref(), Some("inner"));
    /// assert_eq!(ctx.run(Job::name).as_deref(), Some("outer"));
    /// assert_eq!(Job::name().as_deref(), Some("outer"));
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        self.run_as(FrameKind::Sync, f)
    }

    /// [`Context::run`] for the crate's own blocking entry points (`spawn_blocking`,
    /// `thread::spawn`), which pick the thread `f` runs on.
    pub(crate) fn run_as<R>(&self, kind: FrameKind, f: impl FnOnce() -> R) -> R {
        Override {
            table: self.table.clone(),
            tc: None,
        }
        .run_as(kind, f)
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let structs = self.table.as_ref().map_or(0, |t| t.len());
        f.debug_struct("Context")
            .field("structs_with_values", &structs)
            .finish_non_exhaustive()
    }
}

/// A child of the current context for a scoped override: its default-mode table and, for a
/// thread-critical override, its own thread-critical namespace (seeded on this thread from the
/// current one). Default-mode overrides leave thread-critical values alone (`tc: None`).
pub struct Override {
    pub(crate) table: TableRef,
    pub(crate) tc: Option<TcBinding>,
}

impl Override {
    /// Runs `f` in the child, then drops it (its thread-critical namespace included), also if
    /// `f` panics.
    pub(crate) fn run<R>(self, f: impl FnOnce() -> R) -> R {
        self.run_as(FrameKind::Sync, f)
    }

    /// [`Override::run`] as the given kind of work.
    fn run_as<R>(self, kind: FrameKind, f: impl FnOnce() -> R) -> R {
        let Override { mut table, mut tc } = self;
        let result = {
            let binding = match tc.as_mut() {
                Some(binding) => TcPolicy::Bind(binding),
                None => TcPolicy::Keep,
            };
            let _installed = Installed::new(&mut table, kind, binding);
            f()
        };
        // The child's values are dropped here, after the previous context is back, so their
        // `Drop` code sees the caller's context.
        drop(table);
        drop(tc);
        result
    }
}

/// A default-mode `#[async_local]` struct (or a tuple of them), whose value can be put into a
/// [`Context`] with [`Context::with`]. Implemented by the attribute; thread-critical structs
/// do not implement it, since a `Context` never holds their values.
///
/// ```
/// use ctxlocal::{AsyncLocal, Context, async_local};
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// /// A context for a background job, built from any struct (or tuple of structs).
/// fn job_context(values: impl AsyncLocal) -> Context {
///     Context::empty().with(values)
/// }
///
/// let ctx = job_context(Request { id: 5 });
/// assert_eq!(ctx.run(Request::id), Some(5));
/// ```
pub trait AsyncLocal: Sized {
    /// Sets every field of `self` in `context`; use [`Context::with`].
    #[doc(hidden)]
    fn insert_into(self, context: &mut Context);
}

macro_rules! tuple_impls {
    ($($name:ident)+) => {
        impl<$($name: AsyncLocal),+> AsyncLocal for ($($name,)+) {
            #[allow(non_snake_case)]
            fn insert_into(self, context: &mut Context) {
                let ($($name,)+) = self;
                $($name.insert_into(context);)+
            }
        }
    };
}

tuple_impls!(A);
tuple_impls!(A B);
tuple_impls!(A B C);
tuple_impls!(A B C D);
tuple_impls!(A B C D E);
tuple_impls!(A B C D E F);
