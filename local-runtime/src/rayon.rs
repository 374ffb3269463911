//! rayon integration (feature `rayon`): work handed to rayon through these functions sees a
//! snapshot of the submitting context, and leaves nothing on the pool's threads (rule E3).
//!
//! # What plain rayon does
//!
//! rayon runs jobs on the threads of its pools. Those are plain OS threads, and each owns its
//! root context (rule D8), so a job given to plain `rayon::join`, `scope`, `spawn`,
//! `ThreadPool::install` or a parallel iterator:
//!
//! - sees **nothing** of the context that submitted it (reads give `None`), except for the part
//!   rayon happens to run on the submitting thread itself;
//! - **writes into the pool thread's root context**, where the value stays: a later job on the
//!   same thread, for another request, sees it.
//!
//! ```
//! use ctxlocal::async_local;
//!
//! #[async_local]
//! struct Request {
//!     id: String,
//! }
//!
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
//! Request::set_id("req-1".into());
//! // Plain rayon: the job sees nothing of the caller's, and what it writes stays behind.
//! let seen = pool.install(|| {
//!     let seen = Request::id();
//!     Request::set_id("written by a job of req-1".into());
//!     seen
//! });
//! assert_eq!(seen, None);
//! let next_job = pool.install(Request::id);
//! assert_eq!(next_job.as_deref(), Some("written by a job of req-1")); // stale
//! ```
//!
//! # What these functions do
//!
//! Each job runs inside [`Context::run`] with a snapshot of the submitting context (without
//! `#[local(no_inherit)]` fields, as for every child): it sees the submitter's values, its
//! writes stay inside the job, and nothing is left on the thread afterwards. For parallel
//! iterators, [`ContextExt::in_current_context`](crate::ContextExt::in_current_context) (or
//! [`in_context`](crate::ContextExt::in_context)) placed right after the source runs every later
//! stage (each `map`, `filter`, `for_each`, `fold`, `reduce` closure, for each item) in the
//! snapshot. Nothing flows back to the submitter: return what the jobs computed instead.
//!
//! ```
//! use ctxlocal::{ContextExt, async_local};
//! use rayon::prelude::*;
//!
//! #[async_local]
//! struct Request {
//!     id: String,
//! }
//!
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! Request::set_id("req-1".into());
//! let tagged: Vec<String> = ctxlocal::rayon::install(&pool, || {
//!     (0..4)
//!         .into_par_iter()
//!         .in_current_context()
//!         .map(|n| format!("{n} for {}", Request::id().unwrap()))
//!         .collect()
//! });
//! assert_eq!(tagged, ["0 for req-1", "1 for req-1", "2 for req-1", "3 for req-1"]);
//! // Nothing stayed on the pool's threads.
//! assert_eq!(pool.broadcast(|_| Request::id()), [None, None]);
//! ```

use ::rayon::iter::ParallelIterator;
use ::rayon::iter::plumbing::{Consumer, Folder, Reducer, UnindexedConsumer};

use crate::context::Context;
use crate::future::WithContext;

/// [`rayon::join`] with both closures in a snapshot of the current context.
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// Request::set_id(3);
/// let (a, b) = ctxlocal::rayon::join(Request::id, || {
///     Request::set_id(4); // stays in this closure
///     Request::id()
/// });
/// assert_eq!((a, b), (Some(3), Some(4)));
/// assert_eq!(Request::id(), Some(3));
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let context_a = Context::inherited();
    let context_b = context_a.clone();
    ::rayon::join(move || context_a.run(a), move || context_b.run(b))
}

/// [`rayon::spawn`] with the job in a snapshot of the current context.
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// Request::set_id(5);
/// let (tx, rx) = std::sync::mpsc::channel();
/// ctxlocal::rayon::spawn(move || tx.send(Request::id()).unwrap());
/// assert_eq!(rx.recv().unwrap(), Some(5));
/// ```
pub fn spawn<F>(job: F)
where
    F: FnOnce() + Send + 'static,
{
    let context = Context::inherited();
    ::rayon::spawn(move || context.run(job));
}

/// [`rayon::ThreadPool::install`] with `op` in a snapshot of the current context. Parallel
/// iterators inside `op` still need
/// [`.in_current_context()`](crate::ContextExt::in_current_context) for the jobs rayon hands
/// to other threads.
///
/// ```
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
/// Request::set_id(6);
/// assert_eq!(ctxlocal::rayon::install(&pool, Request::id), Some(6));
/// ```
pub fn install<OP, R>(pool: &::rayon::ThreadPool, op: OP) -> R
where
    OP: FnOnce() -> R + Send,
    R: Send,
{
    let context = Context::inherited();
    pool.install(move || context.run(op))
}

/// [`rayon::scope`] with `op` in a snapshot of the current context; jobs spawned with
/// [`Scope::spawn`] start with a snapshot of the context they are spawned from.
///
/// ```
/// use std::sync::Mutex;
///
/// use ctxlocal::async_local;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// Request::set_id(7);
/// let seen = Mutex::new(Vec::new());
/// ctxlocal::rayon::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|_| seen.lock().unwrap().push(Request::id()));
///     }
/// });
/// assert_eq!(*seen.lock().unwrap(), [Some(7); 3]);
/// ```
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'_, 'scope>) -> R + Send,
    R: Send,
{
    let context = Context::inherited();
    ::rayon::scope(move |inner| context.run(|| op(&Scope { inner })))
}

/// A [`rayon::Scope`] whose jobs carry the context: made by [`scope`].
///
/// ```
/// # #[ctxlocal::async_local] struct RequestCtx { id: u64 }
/// RequestCtx::set_id(2);
/// let seen = std::sync::Mutex::new(Vec::new());
/// ctxlocal::rayon::scope(|scope: &ctxlocal::rayon::Scope<'_, '_>| {
///     scope.spawn(|_| seen.lock().unwrap().push(RequestCtx::id()));
/// });
/// assert_eq!(seen.into_inner().unwrap(), [Some(2)]);
/// ```
#[derive(Clone, Copy)]
pub struct Scope<'a, 'scope> {
    inner: &'a ::rayon::Scope<'scope>,
}

impl<'scope> Scope<'_, 'scope> {
    /// [`rayon::Scope::spawn`] with the job in a snapshot of the current context (taken now,
    /// with what the spawning code has written so far).
    ///
    /// ```
    /// use ctxlocal::async_local;
    ///
    /// #[async_local]
    /// struct Request {
    ///     id: u64,
    /// }
    ///
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// ctxlocal::rayon::scope(|s| {
    ///     Request::set_id(8); // in the scope's own snapshot
    ///     s.spawn(move |_| tx.send(Request::id()).unwrap());
    /// });
    /// assert_eq!(rx.recv().unwrap(), Some(8));
    /// assert_eq!(Request::id(), None);
    /// ```
    pub fn spawn<F>(&self, job: F)
    where
        F: FnOnce(&Scope<'_, 'scope>) + Send + 'scope,
    {
        let context = Context::inherited();
        self.inner
            .spawn(move |inner| context.run(|| job(&Scope { inner })));
    }

    /// The underlying rayon scope. Jobs spawned on it directly carry nothing.
    ///
    /// ```
    /// ctxlocal::rayon::scope(|s| {
    ///     let _plain: &rayon::Scope<'_> = s.as_rayon();
    /// });
    /// ```
    pub fn as_rayon(&self) -> &::rayon::Scope<'scope> {
        self.inner
    }
}

impl core::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

// === impl ParallelIterator for WithContext ===

/// Every stage after the wrapper runs in the carried context, item by item: each item starts
/// from the snapshot (items do not see each other's writes) and leaves nothing behind.
///
/// ```
/// use ctxlocal::{ContextExt, async_local};
/// use rayon::prelude::*;
///
/// #[async_local]
/// struct Request {
///     id: u64,
/// }
///
/// Request::set_id(9);
/// let sum: u64 = (1..=4u64)
///     .into_par_iter()
///     .in_current_context()
///     .map(|n| n * Request::id().unwrap())
///     .sum();
/// assert_eq!(sum, 90);
/// ```
impl<I: ParallelIterator> ParallelIterator for WithContext<I> {
    type Item = I::Item;

    fn drive_unindexed<C>(self, consumer: C) -> C::Result
    where
        C: UnindexedConsumer<Self::Item>,
    {
        let (context, base) = self.into_parts();
        base.drive_unindexed(InContext {
            base: consumer,
            context,
        })
    }

    fn opt_len(&self) -> Option<usize> {
        self.inner_ref().and_then(ParallelIterator::opt_len)
    }
}

/// A rayon consumer, folder or reducer whose every call that may run user code (making a
/// folder, consuming an item, completing, reducing) runs in `context`.
struct InContext<T> {
    base: T,
    context: Context,
}

impl<T> InContext<T> {
    fn wrap<U>(&self, base: U) -> InContext<U> {
        InContext {
            base,
            context: self.context.clone(),
        }
    }
}

impl<Item, C: Consumer<Item>> Consumer<Item> for InContext<C> {
    type Folder = InContext<C::Folder>;
    type Reducer = InContext<C::Reducer>;
    type Result = C::Result;

    fn split_at(self, index: usize) -> (Self, Self, Self::Reducer) {
        let (left, right, reducer) = self.base.split_at(index);
        let right = InContext {
            base: right,
            context: self.context.clone(),
        };
        let reducer = right.wrap(reducer);
        (
            InContext {
                base: left,
                context: self.context,
            },
            right,
            reducer,
        )
    }

    fn into_folder(self) -> Self::Folder {
        // Making a folder may call user code (the identity of `fold`).
        let InContext { base, context } = self;
        let folder = context.run(|| base.into_folder());
        InContext {
            base: folder,
            context,
        }
    }

    fn full(&self) -> bool {
        self.base.full()
    }
}

impl<Item, C: UnindexedConsumer<Item>> UnindexedConsumer<Item> for InContext<C> {
    fn split_off_left(&self) -> Self {
        self.wrap(self.base.split_off_left())
    }

    fn to_reducer(&self) -> Self::Reducer {
        self.wrap(self.base.to_reducer())
    }
}

impl<Item, F: Folder<Item>> Folder<Item> for InContext<F> {
    type Result = F::Result;

    fn consume(self, item: Item) -> Self {
        let InContext { base, context } = self;
        let base = context.run(|| base.consume(item));
        InContext { base, context }
    }

    // `consume_iter` keeps its default, one `consume` per item, so that each item runs in a
    // fresh snapshot.

    fn complete(self) -> F::Result {
        let InContext { base, context } = self;
        context.run(|| base.complete())
    }

    fn full(&self) -> bool {
        self.base.full()
    }
}

impl<R, Rd: Reducer<R>> Reducer<R> for InContext<Rd> {
    fn reduce(self, left: R, right: R) -> R {
        let InContext { base, context } = self;
        context.run(|| base.reduce(left, right))
    }
}
