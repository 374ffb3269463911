//! A tour of ctxlocal: what it keeps apart that a global or a `thread_local!` mixes up.
//!
//! Run it with `cargo run --example tour`. It shows, with real threads and real tasks:
//!
//! 1. several OS threads each set a unique request id, wait for each other, and read it back:
//!    ctxlocal keeps each thread's id, a plain global is overwritten;
//! 2. several async tasks on a two-thread runtime do the same: ctxlocal keeps each task's id,
//!    a `thread_local!` (shared by all tasks on a worker thread) is overwritten;
//! 3. a child task inherits its parent's id, and its own write does not leak back;
//! 4. a blocking call through `sync_to_async` sees the id, and what it writes comes back.

use std::cell::RefCell;
use std::sync::{Arc, Barrier, Mutex};

use ctxlocal::async_local;

/// Per-request state, reachable from anywhere in the request's call tree.
#[async_local]
struct RequestCtx {
    request_id: String,
    #[local(default)]
    user: Option<String>,
}

static GLOBAL_ID: Mutex<String> = Mutex::new(String::new());

thread_local! {
    static THREAD_LOCAL_ID: RefCell<String> = const { RefCell::new(String::new()) };
}

fn verdict(same: bool) -> &'static str {
    if same { "==  kept" } else { "!=  overwritten" }
}

fn threads() {
    println!("1. Four OS threads each set a unique id, wait for all the others, read it back.");
    const THREADS: usize = 4;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|n| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mine = format!("thread-{n}");
                RequestCtx::set_request_id(mine.clone());
                *GLOBAL_ID.lock().unwrap() = mine.clone();
                // Every thread has written before any reads back.
                barrier.wait();
                let ours = RequestCtx::request_id().unwrap_or_default();
                let global = GLOBAL_ID.lock().unwrap().clone();
                (mine, ours, global)
            })
        })
        .collect();
    for handle in handles {
        let (mine, ours, global) = handle.join().unwrap();
        println!(
            "   {mine}: ctxlocal {:<17} {:<18} global {:<17} {}",
            ours,
            verdict(ours == mine),
            global,
            verdict(global == mine)
        );
    }
    println!();
}

async fn tasks() {
    println!(
        "2. Eight async tasks on two worker threads each set a unique id, yield, read it back."
    );
    const TASKS: usize = 8;
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let handles: Vec<_> = (0..TASKS)
        .map(|n| {
            let barrier = barrier.clone();
            ctxlocal::spawn(async move {
                let mine = format!("task-{n}");
                RequestCtx::set_request_id(mine.clone());
                THREAD_LOCAL_ID.with(|id| *id.borrow_mut() = mine.clone());
                // Every task has written before any reads back; tasks share worker threads.
                barrier.wait().await;
                tokio::task::yield_now().await;
                let ours = RequestCtx::request_id().unwrap_or_default();
                let thread_local = THREAD_LOCAL_ID.with(|id| id.borrow().clone());
                (mine, ours, thread_local)
            })
        })
        .collect();
    let mut overwritten = 0;
    for handle in handles {
        let (mine, ours, thread_local) = handle.await.unwrap();
        overwritten += usize::from(thread_local != mine);
        println!(
            "   {mine}: ctxlocal {:<15} {:<18} thread_local! {:<15} {}",
            ours,
            verdict(ours == mine),
            thread_local,
            verdict(thread_local == mine)
        );
    }
    println!(
        "   ({overwritten} of {TASKS} tasks lost their thread_local! value to another task on \
         the same worker thread.)\n"
    );
}

async fn inheritance() {
    println!("3. A child task starts with a snapshot of its parent's values.");
    RequestCtx::set_request_id("parent-1".into());
    let child = ctxlocal::spawn(async {
        let inherited = RequestCtx::request_id();
        RequestCtx::set_request_id("child-own-id".into());
        (inherited, RequestCtx::request_id())
    });
    let (inherited, own) = child.await.unwrap();
    println!("   child inherited: {inherited:?}");
    println!("   child then set:  {own:?}");
    println!(
        "   parent still has: {:?} (the child's write did not leak back)",
        RequestCtx::request_id()
    );
    println!(
        "   a plain tokio::spawn task carries nothing: {:?}\n",
        tokio::spawn(async { RequestCtx::request_id() })
            .await
            .unwrap()
    );
}

async fn bridges() {
    println!("4. Blocking code on the blocking pool continues the caller's context.");
    let user = ctxlocal::sync_to_async(|| {
        // A "database lookup" in plain synchronous code.
        let id = RequestCtx::request_id();
        RequestCtx::set_user(Some("ada".into()));
        id
    })
    .await;
    println!("   sync_to_async saw request id {user:?}");
    println!(
        "   and its write came back: user = {:?}",
        RequestCtx::user()
    );
}

fn main() {
    threads();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        tasks().await;
        inheritance().await;
        bridges().await;
    });
}
