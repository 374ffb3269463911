//! [`Completion`]: where a call's outcome waits for the future that awaits it, a one-shot
//! channel that also knows whether the call started, so that a call whose future was dropped
//! before it started is skipped.

use core::any::Any;
use core::task::{Context, Poll, Waker};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The life of a call, as its [`Completion`] sees it.
enum Stage<T> {
    /// Queued; the waker of the future that awaits it, once polled.
    Queued(Option<Waker>),
    /// Its closure runs.
    Started(Option<Waker>),
    /// The awaiting future was dropped before the closure started: it never will.
    Cancelled,
    /// Finished; the outcome waits to be taken.
    Done(T),
    /// The outcome was taken, or the awaiting future is gone.
    Over,
    /// The call was dropped without running (its thread pool shut down).
    Lost,
}

/// The outcome of one call, handed from the thread that runs it to the future that awaits it.
pub(crate) struct Completion<T> {
    stage: Mutex<Stage<T>>,
}

/// What the awaiting future sees of its call once it completed without an outcome.
#[derive(Debug)]
pub(crate) struct Lost;

impl<T> Completion<T> {
    pub(crate) fn new() -> Self {
        Completion {
            stage: Mutex::new(Stage::Queued(None)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Stage<T>> {
        // Nothing panics while holding the lock; a poisoned lock still holds a valid stage.
        self.stage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called by the thread about to run the call: false if it must not run (cancelled).
    pub(crate) fn start(&self) -> bool {
        let mut stage = self.lock();
        match core::mem::replace(&mut *stage, Stage::Over) {
            Stage::Queued(waker) => {
                *stage = Stage::Started(waker);
                true
            }
            _ => false,
        }
    }

    /// Called by the thread that ran the call. If nobody awaits it any more, the outcome is
    /// returned, for the caller to drop (outside the lock).
    pub(crate) fn finish(&self, outcome: T) -> Option<T> {
        let waker = {
            let mut stage = self.lock();
            match core::mem::replace(&mut *stage, Stage::Over) {
                Stage::Started(waker) | Stage::Queued(waker) => {
                    *stage = Stage::Done(outcome);
                    waker
                }
                _ => return Some(outcome),
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        None
    }

    /// The call was dropped without finishing: its future gets [`Lost`].
    pub(crate) fn lose(&self) {
        let waker = {
            let mut stage = self.lock();
            match core::mem::replace(&mut *stage, Stage::Lost) {
                Stage::Queued(waker) | Stage::Started(waker) => waker,
                other => {
                    *stage = other;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The outcome, once there is one.
    pub(crate) fn poll(&self, cx: &mut Context<'_>) -> Poll<Result<T, Lost>> {
        let mut stage = self.lock();
        match &mut *stage {
            Stage::Queued(waker) | Stage::Started(waker) => {
                match waker {
                    Some(waker) => waker.clone_from(cx.waker()),
                    None => *waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            Stage::Lost => Poll::Ready(Err(Lost)),
            Stage::Cancelled | Stage::Over => panic!("ctxlocal: a call's outcome taken twice"),
            Stage::Done(_) => match core::mem::replace(&mut *stage, Stage::Over) {
                Stage::Done(outcome) => Poll::Ready(Ok(outcome)),
                _ => unreachable!("matched above"),
            },
        }
    }
}

/// The awaiting side of a [`Completion`], with the outcome's type erased: the future that
/// awaits a call (`SyncToAsync<F>`) names only its closure's type.
pub(crate) trait Waiter: Send + Sync {
    /// The awaiting future is gone: a call that has not started never will; the outcome of one
    /// that has finished is dropped (that of one that runs, when it finishes).
    fn cancel(&self);

    /// The [`Completion`] itself, to downcast to its outcome type.
    fn as_any(&self) -> &dyn Any;
}

impl<T: Send + 'static> Waiter for Completion<T> {
    fn cancel(&self) {
        let previous = {
            let mut stage = self.lock();
            match core::mem::replace(&mut *stage, Stage::Over) {
                Stage::Queued(_) => {
                    *stage = Stage::Cancelled;
                    None
                }
                // Started: the running call finds `Over` and drops its outcome itself.
                other => Some(other),
            }
        };
        // An outcome (user values) is dropped outside the lock.
        drop(previous);
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
