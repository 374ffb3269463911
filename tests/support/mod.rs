//! Helpers shared by the integration tests: a small deterministic random source (so a failing
//! interleaving can be replayed from its seed) and random yield points; drop counting; panic
//! helpers; polling by hand; running code in a task, on a fresh thread or on a runtime with one
//! blocking thread; a deadlock watchdog; captured log output; temporary databases.

#![allow(dead_code)]

/// xorshift64*: deterministic, no dependency, good enough to shuffle interleavings.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Yields to the scheduler between 0 and `max` times, so that tasks interleave and migrate
/// between worker threads at random points.
pub async fn random_yields(rng: &mut Rng, max: u64) {
    for _ in 0..rng.below(max + 1) {
        tokio::task::yield_now().await;
    }
}

/// A value that counts how many were created and dropped, to prove each is dropped once.
#[derive(Debug)]
pub struct Counted {
    pub id: u64,
    counters: std::sync::Arc<Counters>,
}

#[derive(Debug, Default)]
pub struct Counters {
    pub created: std::sync::atomic::AtomicUsize,
    pub dropped: std::sync::atomic::AtomicUsize,
}

impl Counters {
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::default()
    }

    pub fn make(self: &std::sync::Arc<Self>, id: u64) -> Counted {
        self.created
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Counted {
            id,
            counters: self.clone(),
        }
    }

    pub fn created(&self) -> usize {
        self.created.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.counters.make(self.id)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.counters
            .dropped
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

// Helpers for the reliability tests (model.rs, stress.rs, cancellation.rs, panics.rs,
// reentrancy.rs, thread_exit.rs; see RELIABILITY.md).

/// The payload of a deliberate panic, so a test can tell it apart from a real failure.
#[derive(Debug)]
pub struct Boom;

/// Panics with [`Boom`] as the payload.
pub fn boom() -> ! {
    std::panic::panic_any(Boom)
}

/// True if a caught panic is a deliberate [`boom`].
pub fn is_boom(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<Boom>()
}

/// The message of a caught panic (`"Boom"` for a deliberate one).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if payload.is::<Boom>() {
        "Boom".to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// Installs, once per test binary, a panic hook that stays quiet about panics a test provokes
/// on purpose ([`boom`], the crate's refusals, tokio's "runtime within a runtime"), and reports
/// every other panic as the default hook does. Tests still check every caught payload.
pub fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = panic_message(info.payload());
            let expected = message == "Boom"
                || message.starts_with("ctxlocal: `")
                || message.starts_with("ctxlocal: strict mode")
                || message.starts_with("ctxlocal::baggage: two fields")
                || message.contains("Cannot start a runtime from within a runtime");
            if !expected {
                default(info);
            }
        }));
    });
}

/// `catch_unwind` for a future: polls it in place and returns its panic, if any, as an `Err`.
pub async fn catch_unwind_future<F: std::future::Future>(
    future: F,
) -> std::thread::Result<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    })
    .await
}

/// Polls `future` at most `n` times with the calling task's waker (each poll after the first
/// waits for the future's wake-up): `Some(output)` if it completed.
pub async fn poll_times<F: std::future::Future + ?Sized>(
    mut future: std::pin::Pin<&mut F>,
    n: u64,
) -> Option<F::Output> {
    let mut polls = 0;
    std::future::poll_fn(|cx| {
        if polls == n {
            return std::task::Poll::Ready(None);
        }
        polls += 1;
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Polls `future` once with the calling task's waker: `Some(output)` if that poll completed it.
pub async fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut *future).poll(cx) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

/// A future that is pending exactly once (waking its task at once), then ready: one await
/// point whose position is known exactly, independent of the scheduler.
pub struct PendingOnce(bool);

impl PendingOnce {
    pub fn new() -> Self {
        PendingOnce(false)
    }
}

impl Default for PendingOnce {
    fn default() -> Self {
        Self::new()
    }
}

impl std::future::Future for PendingOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// Runs `f` on a new thread and panics if it has not finished after `secs` seconds. A
/// deadlock detector, not a synchronisation: a passing test never waits for the timeout.
pub fn finishes_within<R: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(());
        result
    });
    if rx
        .recv_timeout(std::time::Duration::from_secs(secs))
        .is_err()
    {
        panic!("{what}: still running after {secs} s (deadlock?)");
    }
    match thread.join().expect("the thread catches panics") {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Runs `future` as a `ctxlocal` task (so it has a context of its own and can move between
/// worker threads) and resumes its panic, if any, in the caller.
#[cfg(feature = "tokio")]
pub async fn in_task<F>(future: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    match ctxlocal::spawn(future).await {
        Ok(output) => output,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

/// Joins `thread` and returns its result, resuming its panic, if any, in the caller.
pub fn join_thread<T>(thread: std::thread::JoinHandle<T>) -> T {
    thread
        .join()
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// Runs `f` on a new plain OS thread (a fresh root context, no runtime) and returns its result,
/// resuming its panic, if any, in the caller.
pub fn on_plain_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    join_thread(std::thread::spawn(f))
}

/// Runs `f` on a new plain OS thread with fresh [`Counters`], and returns them once the thread
/// has exited (so its thread-local destructors, and the root context with them, have run).
/// Resumes `f`'s panic, if any, in the caller.
pub fn on_fresh_thread(
    f: impl FnOnce(&std::sync::Arc<Counters>) + Send + 'static,
) -> std::sync::Arc<Counters> {
    let counters = Counters::new();
    let c = counters.clone();
    on_plain_thread(move || f(&c));
    counters
}

/// A multi-threaded runtime with two workers and its drivers (time, I/O) enabled: the
/// machine's cores, for tests of real interleavings.
pub fn two_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The current thread's id.
pub fn here() -> std::thread::ThreadId {
    std::thread::current().id()
}

/// Reports, when dropped, the thread it is dropped on.
pub struct DropReport(pub std::sync::mpsc::Sender<std::thread::ThreadId>);

impl Drop for DropReport {
    fn drop(&mut self) {
        let _ = self.0.send(here());
    }
}

/// A multi-threaded runtime with one worker and at most one blocking thread, so every blocking
/// job (`sync_to_async`, `spawn_blocking`) runs on the same, reused OS thread.
pub fn one_blocking_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .expect("tokio runtime")
}

/// Reads a count from an environment variable (`_` or `,` separators allowed), or `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(text) => text
            .replace(['_', ','], "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a count")),
        Err(_) => default,
    }
}

/// A `Write` target that keeps everything written to it, for tests that read back what a
/// `tracing` subscriber printed. Clones share the buffer.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("UTF-8 log output")
    }

    /// Everything written so far, line by line.
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The top-level keys of the JSON object `line`, as written: duplicates included (a
/// `serde_json::Value` would keep only the last of them). Panics if `line` is not one object.
pub fn keys_as_written(line: &str) -> Vec<String> {
    try_keys_as_written(line).unwrap_or_else(|error| panic!("{error}"))
}

fn try_keys_as_written(line: &str) -> Result<Vec<String>, String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let keys = deserializer
        .deserialize_map(Keys)
        .and_then(|keys| deserializer.end().map(|()| keys));
    keys.map_err(|error| format!("not one JSON object ({error}): {line}"))
}

/// The JSON log line `line`, checked to be one object with no key twice at its top level.
pub fn parse_json_line(line: &str) -> Result<serde_json::Value, String> {
    let keys = try_keys_as_written(line)?;
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != keys.len() {
        return Err(format!("a key written twice: {keys:?} in {line}"));
    }
    serde_json::from_str(line).map_err(|error| format!("{error}: {line}"))
}

/// [`parse_json_line`], panicking with the reason if `line` does not pass.
pub fn json_line(line: &str) -> serde_json::Value {
    parse_json_line(line).unwrap_or_else(|error| panic!("{error}"))
}

/// A SQLite database file in the temp directory, unique per process, name and time, removed
/// (with its journal) when dropped.
pub struct TempDb(pub std::path::PathBuf);

impl TempDb {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let file = format!("ctxlocal-{name}-{}-{nanos}.sqlite3", std::process::id());
        TempDb(std::env::temp_dir().join(file))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_file(self.0.with_extension("sqlite3-journal"));
    }
}
