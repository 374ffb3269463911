//! Heap bytes per context and per spawned task, counted by a counting global allocator (in
//! this bench binary only).
//!
//! `cargo bench -p ctxlocal-benches --bench memory` prints one table. It is not a criterion
//! benchmark: criterion measures time, and allocation counts are exact and deterministic, so
//! one run of each case is the measurement. Tasks are measured on a current-thread runtime, so that no other thread
//! allocates while a case is counted.
//!
//! Columns: `allocs` and `bytes` are what the case allocated (requested sizes, as the
//! allocator saw them; the allocator's own per-block overhead is not included); `live` is
//! what is still allocated when the case ends, i.e. what the resulting context or tasks keep.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

use ctxlocal::{Context, ContextExt, async_local};

#[path = "support/anchors.rs"]
mod anchors;
#[path = "support/harness.rs"]
mod harness;
#[path = "support/req.rs"]
mod req;
#[path = "support/shapes.rs"]
mod shapes;

use anchors::{NAME, OtelId, OtelName, TL_ID};
use harness::{build_context, runtime};
use req::Req;
use shapes::{S0, set_structs};

/// Tasks per task case.
const N: usize = 1000;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to `System` unchanged; the counters are plain atomics and do
// not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size(), Relaxed);
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size, Relaxed);
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy)]
struct Counts {
    allocs: usize,
    bytes: usize,
    live: isize,
}

fn counts() -> Counts {
    Counts {
        allocs: ALLOCS.load(Relaxed),
        bytes: BYTES.load(Relaxed),
        live: LIVE.load(Relaxed),
    }
}

impl Counts {
    /// What was allocated between `before` and `self`.
    fn since(self, before: Counts) -> Counts {
        Counts {
            allocs: self.allocs - before.allocs,
            bytes: self.bytes - before.bytes,
            live: self.live - before.live,
        }
    }
}

/// Runs `f` and returns its result with what it allocated. ctxlocal keeps freed cells of
/// contexts for reuse (a bounded per-thread cache, see `local-runtime/src/cell_pool.rs`); it
/// is emptied first, so that what `f` makes is counted whole, from the global allocator.
fn measure<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    ctxlocal::__private::release_cached_cells();
    let before = counts();
    let result = f();
    (result, counts().since(before))
}

fn row(what: &str, per: usize, c: Counts) {
    let per_f = per as f64;
    println!(
        "| {what} | {:.1} | {:.1} | {:.1} |",
        c.allocs as f64 / per_f,
        c.bytes as f64 / per_f,
        c.live as f64 / per_f
    );
}

#[async_local]
struct Wide8 {
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    e: u64,
    f: u64,
    g: u64,
    h: u64,
}

fn set_wide8() {
    // Field by field: a struct literal + `.set()` would leave the generated value struct's
    // fields unread, which `dead_code` reports.
    Wide8::set_a(1);
    Wide8::set_b(2);
    Wide8::set_c(3);
    Wide8::set_d(4);
    Wide8::set_e(5);
    Wide8::set_f(6);
    Wide8::set_g(7);
    Wide8::set_h(8);
}

fn contexts() {
    println!("\n## Bytes per context\n");
    println!("| case | allocs | bytes allocated | bytes live after |");
    println!("|---|---|---|---|");

    // Warm up lazily assigned struct indices and thread state, so they are not counted.
    for _ in 0..2 {
        drop(build_context(|| {
            Req::set_id(1);
            Req::set_name(NAME.to_owned());
            set_structs(16);
            set_wide8();
        }));
    }

    let base = build_context(|| Req::set_id(1));
    let (snap, c) = measure(|| base.run(Context::current));
    row("`Context::current()` (snapshot)", 1, c);
    drop(snap);

    let (ctx, c) = measure(|| build_context(|| Req::set_id(1)));
    row("context with 1 struct, 1 `u64` field set", 1, c);
    drop(ctx);
    let (ctx, c) = measure(|| {
        build_context(|| {
            Req::set_id(1);
            Req::set_name(NAME.to_owned());
        })
    });
    row(
        "context with 1 struct, a `u64` and a 36-byte `String` set",
        1,
        c,
    );
    drop(ctx);
    let (ctx, c) = measure(|| build_context(set_wide8));
    row("context with 1 struct, 8 `u64` fields set", 1, c);
    drop(ctx);
    let (ctx, c) = measure(|| build_context(|| set_structs(16)));
    row("context with 16 structs, 1 `u64` field each", 1, c);
    drop(ctx);

    // A child context's first write (copy-on-write), kept alive next to its parent.
    for (what, fill, write) in [
        (
            "first write after a snapshot: 1 struct (2 fields) in the context",
            (|| {
                Req::set_id(1);
                Req::set_name(NAME.to_owned());
            }) as fn(),
            (|| Req::set_id(2)) as fn(),
        ),
        (
            "first write after a snapshot: 8-field struct",
            set_wide8 as fn(),
            (|| Wide8::set_a(2)) as fn(),
        ),
        (
            "first write after a snapshot: 16 structs in the context",
            (|| set_structs(16)) as fn(),
            (|| S0::set_a(2)) as fn(),
        ),
    ] {
        let parent = build_context(fill);
        let (child, c) = measure(|| {
            parent.run(|| {
                write();
                Context::current()
            })
        });
        row(what, 1, c);
        drop(child);
    }

    // Anchors.
    let (otel, c) = measure(|| opentelemetry::Context::new().with_value(OtelId(1)));
    row("opentelemetry `Context` with one `u64` value", 1, c);
    let (otel2, c) = measure(|| otel.with_value(OtelName(NAME.to_owned())));
    row(
        "opentelemetry: adding a `String` value to it (a new `Context`)",
        1,
        c,
    );
    drop((otel, otel2));
    println!(
        "| tokio `task_local!` | 0 | 0 | 0 (the value lives inline in the `TaskLocalFuture`: {} bytes for a `u64`) |",
        size_of_val(&TL_ID.scope(1u64, async {}))
    );
}

fn tasks() {
    let rt = runtime(false);
    println!("\n## Bytes per spawned task ({N} tasks, current-thread runtime)\n");
    println!(
        "Future sizes: `async {{}}` {} bytes; `WithContext<async {{}}>` {} bytes; \
         `TaskLocalFuture<u64, async {{}}>` {} bytes.\n",
        size_of_val(&async {}),
        size_of_val(&async {}.in_current_context()),
        size_of_val(&TL_ID.scope(1u64, async {})),
    );
    println!("| case | allocs | bytes allocated | bytes live after |");
    println!("|---|---|---|---|");
    let parent = build_context(|| {
        Req::set_id(1);
        Req::set_name(NAME.to_owned());
    });
    rt.block_on(
        async {
            let mut handles = Vec::with_capacity(N);
            // Warm up the runtime's queues.
            for _ in 0..2 {
                for _ in 0..N {
                    handles.push(ctxlocal::spawn(async {}));
                }
                for h in handles.drain(..) {
                    h.await.unwrap();
                }
            }

            let ((), c) = measure(|| {
                for _ in 0..N {
                    handles.push(tokio::spawn(async { black_box(()) }));
                }
            });
            row("`tokio::spawn(async {})`, pending", N, c);
            for h in handles.drain(..) {
                h.await.unwrap();
            }

            let ((), c) = measure(|| {
                for _ in 0..N {
                    handles.push(tokio::spawn(TL_ID.scope(1, async { black_box(()) })));
                }
            });
            row("`tokio::spawn(TL.scope(1u64, async {}))`, pending", N, c);
            for h in handles.drain(..) {
                h.await.unwrap();
            }

            let ((), c) = measure(|| {
                for _ in 0..N {
                    handles.push(ctxlocal::spawn(async { black_box(()) }));
                }
            });
            row("`ctxlocal::spawn(async {})`, pending", N, c);
            for h in handles.drain(..) {
                h.await.unwrap();
            }

            let idle = parked_children(false).await;
            row("`ctxlocal::spawn` child that parks, writing nothing", N, idle);
            let wrote = parked_children(true).await;
            row("`ctxlocal::spawn` child that wrote 1 `u64` field, then parks", N, wrote);
            println!(
                "| ... difference: the child's private context after its first write | {:.1} | {:.1} | {:.1} |",
                (wrote.allocs - idle.allocs) as f64 / N as f64,
                (wrote.bytes - idle.bytes) as f64 / N as f64,
                (wrote.live - idle.live) as f64 / N as f64
            );
        }
        .in_context(parent),
    );
}

/// Spawns `N` ctxlocal children that (if `write`) set one field of their own context, then
/// park on a channel; returns what spawning them and letting them all run up to the park
/// allocated, then releases and joins them (and checks that everything was freed).
async fn parked_children(write: bool) -> Counts {
    let (go, wait) = tokio::sync::watch::channel(false);
    let parked = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(N);
    ctxlocal::__private::release_cached_cells();
    let before = counts();
    for i in 0..N {
        let mut wait = wait.clone();
        let parked = parked.clone();
        handles.push(ctxlocal::spawn(async move {
            if write {
                Req::set_id(i as u64);
            }
            parked.fetch_add(1, Relaxed);
            let _ = wait.wait_for(|go| *go).await;
        }));
    }
    while parked.load(Relaxed) < N {
        tokio::task::yield_now().await;
    }
    let after = counts();
    go.send(true).unwrap();
    for h in handles.drain(..) {
        h.await.unwrap();
    }
    // Freed cells this thread keeps for reuse are not a leak: give them back before looking.
    ctxlocal::__private::release_cached_cells();
    let joined = counts();
    // Runtime queues may grow once; anything per task would be a leak.
    assert!(
        joined.live - before.live < N as isize,
        "{N} finished tasks left {} bytes behind",
        joined.live - before.live
    );
    after.since(before)
}

fn main() {
    // `cargo bench` passes criterion-style arguments (`--bench`, filters); this binary takes
    // none and always prints the whole table.
    println!("# ctxlocal memory (counting allocator; requested bytes)");
    contexts();
    tasks();
}
