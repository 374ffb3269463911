//! What spawned work carries besides its context (rule O3): the current `tracing` span, with
//! the subscriber it belongs to (feature `tracing`), and the current OpenTelemetry `Context`
//! (feature `opentelemetry`), so that a child's events and spans stay in its parent's trace.
//! Without those features [`Carried`] is empty and costs nothing.
//!
//! Spawning helpers capture a [`Carried`] where the work is started and run the work inside
//! it: [`Carried::run`] for a closure, [`Carried::wrap`] for a future (every poll runs inside
//! it and the drop inside the span, as with `tracing::Instrument` and OpenTelemetry's
//! `FutureExt::with_context`). The bridges use it the same way.

#[cfg(any(feature = "tracing", feature = "opentelemetry"))]
use core::future::Future;
#[cfg(any(feature = "tracing", feature = "opentelemetry"))]
use core::pin::Pin;
#[cfg(any(feature = "tracing", feature = "opentelemetry"))]
use core::task::{Context, Poll};

/// The span and OpenTelemetry context current where work was started.
#[derive(Clone, Debug, Default)]
pub(crate) struct Carried {
    /// The current span, and the subscriber it belongs to: the child's events must go to the
    /// subscriber that knows the span, also on a thread whose default is another one.
    #[cfg(feature = "tracing")]
    span: Option<(::tracing::Span, ::tracing::Dispatch)>,
    #[cfg(feature = "opentelemetry")]
    otel: Option<opentelemetry::Context>,
}

impl Carried {
    /// What is current here.
    pub(crate) fn capture() -> Self {
        Carried {
            #[cfg(feature = "tracing")]
            span: {
                let span = ::tracing::Span::current();
                span.with_subscriber(|(_, dispatch)| dispatch.clone())
                    .map(|dispatch| (span, dispatch))
            },
            #[cfg(feature = "opentelemetry")]
            otel: Some(opentelemetry::Context::current()),
        }
    }

    /// Runs `f` with the captured span entered (under its subscriber) and the captured
    /// OpenTelemetry context attached; both are left when `f` returns or panics.
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "opentelemetry")]
        let _attached = self.otel.clone().map(opentelemetry::Context::attach);
        #[cfg(feature = "tracing")]
        if let Some((span, dispatch)) = &self.span {
            return ::tracing::dispatcher::with_default(dispatch, || span.in_scope(f));
        }
        f()
    }

    /// Like [`Carried::run`], without attaching the OpenTelemetry context: for dropping a
    /// future, which may happen while the thread's OpenTelemetry context is already gone (in a
    /// thread-local destructor), as OpenTelemetry's own `WithContext` does.
    #[cfg(any(feature = "tracing", feature = "opentelemetry"))]
    fn run_for_drop<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        if let Some((span, dispatch)) = &self.span {
            return ::tracing::dispatcher::with_default(dispatch, || span.in_scope(f));
        }
        f()
    }

    /// `future`, polled and dropped inside what was captured.
    #[cfg(any(feature = "tracing", feature = "opentelemetry"))]
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))] // for the tokio spawning helpers
    pub(crate) fn wrap<F>(self, future: F) -> Carrying<F> {
        Carrying {
            future: Some(future),
            carried: self,
        }
    }

    /// `future` itself: without the `tracing` and `opentelemetry` features there is nothing to
    /// carry.
    #[cfg(not(any(feature = "tracing", feature = "opentelemetry")))]
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))] // for the tokio spawning helpers
    pub(crate) fn wrap<F>(self, future: F) -> F {
        future
    }
}

#[cfg(any(feature = "tracing", feature = "opentelemetry"))]
pin_project_lite::pin_project! {
    /// A future that runs inside a [`Carried`]; see [`Carried::wrap`].
    #[derive(Debug)]
    pub(crate) struct Carrying<F> {
        // An `Option` so that the future can be dropped in place, inside the span, with
        // `Pin::set`.
        #[pin]
        future: Option<F>,
        carried: Carried,
    }

    impl<F> PinnedDrop for Carrying<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                this.carried.run_for_drop(|| future.set(None));
            }
        }
    }
}

#[cfg(any(feature = "tracing", feature = "opentelemetry"))]
impl<F: Future> Future for Carrying<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        let carried = this.carried;
        carried.run(|| match future.as_pin_mut() {
            Some(future) => future.poll(cx),
            None => panic!("`Carrying` polled after its future was dropped"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[cfg(feature = "tracing")]
    fn current_span() -> Option<&'static str> {
        ::tracing::Span::current()
            .metadata()
            .map(|meta| meta.name())
    }

    /// Captures inside a span `outer` of a scoped subscriber.
    #[cfg(feature = "tracing")]
    fn captured_in_outer() -> Carried {
        ::tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            ::tracing::info_span!("outer").in_scope(Carried::capture)
        })
    }

    #[cfg(feature = "tracing")]
    #[test]
    fn run_enters_the_span_under_its_subscriber_on_a_thread_that_has_neither() {
        let carried = captured_in_outer();
        let seen = std::thread::spawn(move || {
            let inside = carried.run(current_span);
            (inside, current_span())
        })
        .join()
        .unwrap();
        assert_eq!(seen, (Some("outer"), None));
    }

    #[cfg(feature = "tracing")]
    #[test]
    fn a_wrapped_future_is_polled_and_dropped_inside_the_span() {
        struct Report(Arc<Mutex<Vec<Option<&'static str>>>>);
        impl Drop for Report {
            fn drop(&mut self) {
                self.0.lock().unwrap().push(current_span());
            }
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let report = Report(seen.clone());
        let polled = seen.clone();
        let future = async move {
            let _report = report;
            polled.lock().unwrap().push(current_span());
            core::future::pending::<()>().await;
        };
        let mut carrying = Box::pin(captured_in_outer().wrap(future));
        std::thread::spawn(move || {
            let mut cx = Context::from_waker(core::task::Waker::noop());
            assert!(carrying.as_mut().poll(&mut cx).is_pending());
            drop(carrying);
        })
        .join()
        .unwrap();
        assert_eq!(*seen.lock().unwrap(), [Some("outer"), Some("outer")]);
    }

    #[cfg(feature = "opentelemetry")]
    #[test]
    fn run_attaches_the_opentelemetry_context() {
        #[derive(Clone, Debug, PartialEq)]
        struct Tenant(u32);
        let carried = {
            let _attached = opentelemetry::Context::current_with_value(Tenant(7)).attach();
            Carried::capture()
        };
        let current = || opentelemetry::Context::current().get::<Tenant>().cloned();
        let seen = std::thread::spawn(move || (carried.run(current), current()))
            .join()
            .unwrap();
        assert_eq!(seen, (Some(Tenant(7)), None));
    }
}
