//! Starting OS threads that carry a snapshot of the current context.

use crate::context::Context;
use crate::observe::Carried;
use crate::thread_state::FrameKind;

/// Spawns an OS thread, like [`std::thread::spawn`], that runs `f` in a snapshot of the
/// current context (rule D9), without the values of `#[local(no_inherit)]` fields.
///
/// A thread started with [`std::thread::spawn`] starts with an empty root context instead
/// (rule D1). Writes made by `f` stay in the thread and are dropped when `f` returns. With the
/// `tracing` feature `f` also runs inside the span current here (under its subscriber), and
/// with `opentelemetry` inside the OpenTelemetry context current here (rule O3).
///
/// To carry a context into threads built another way (a [`std::thread::Builder`], a thread
/// pool), take a [`Context::current`] and call [`Context::run`] in the thread.
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
/// let carried = ctxlocal::thread::spawn(|| Request::id()).join().unwrap();
/// let plain = std::thread::spawn(|| Request::id()).join().unwrap();
/// assert_eq!(carried, Some(5));
/// assert_eq!(plain, None);
/// ```
pub fn spawn<F, T>(f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let context = Context::inherited();
    let carried = Carried::capture();
    std::thread::spawn(move || carried.run(|| context.run_as(FrameKind::Blocking, f)))
}
