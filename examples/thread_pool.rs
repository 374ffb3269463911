//! Carrying the context into `std::thread` workers and thread pools, and keeping pool threads
//! clean between jobs.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example thread_pool
//! ```
//!
//! What it shows:
//!
//! 1. a thread from `std::thread::spawn` starts empty, one from `ctxlocal::thread::spawn`
//!    starts with a snapshot of the spawner's values, and a thread built any other way
//!    (`std::thread::Builder`) gets them with `Context::current()` + `ctx.run(..)`;
//! 2. a small thread pool (a channel and worker threads, what a real pool does). A plain pool
//!    thread keeps its own root context, like Python's `threading.local`: a job sees nothing of
//!    its submitter, and sees what the *previous job on that thread* left behind. The pool's
//!    `execute` captures `Context::current()` at submission and runs the job inside
//!    `ctx.run(..)`: the job sees its submitter's values, and nothing it writes stays on the
//!    thread, so the next job does not see it;
//! 3. the same with 1,000 jobs from 1,000 different requests on 4 threads;
//! 4. tokio's blocking pool: `ctxlocal::spawn_blocking` carries the values and leaves nothing
//!    on the reused thread; a plain `tokio::task::spawn_blocking` closure sees nothing and may
//!    not write.
//!
//! `tests/examples/example_thread_pool.rs` checks each of these.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, ThreadId};

use ctxlocal::{Context, async_local};

/// The request a job was submitted for.
#[async_local]
pub struct RequestCtx {
    pub request_id: String,
}

/// Something a job writes for itself (a cache, a scratch value): the kind of value that leaks
/// into the next job on a reused thread.
#[async_local]
pub struct Scratch {
    pub note: String,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed-size thread pool.
pub struct Pool {
    sender: Option<mpsc::Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    pub fn new(threads: usize) -> Pool {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..threads)
            .map(|_| {
                let receiver = Arc::clone(&receiver);
                std::thread::spawn(move || {
                    loop {
                        let job = receiver.lock().expect("a job panicked").recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                })
            })
            .collect();
        Pool {
            sender: Some(sender),
            workers,
        }
    }

    /// Runs `job` on a worker as it is: it sees the worker thread's own root context.
    pub fn execute_plain(&self, job: impl FnOnce() + Send + 'static) {
        self.send(Box::new(job));
    }

    /// Runs `job` on a worker in a snapshot of the submitter's context: it sees the
    /// submitter's values, and what it writes goes away with it.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        let context = Context::current();
        self.send(Box::new(move || context.run(job)));
    }

    fn send(&self, job: Job) {
        let sender = self.sender.as_ref().expect("pool is running");
        sender.send(job).expect("the pool's workers are gone");
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// What one job saw when it started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobSeen {
    pub job: usize,
    pub thread: ThreadId,
    /// The request id it saw: its submitter's, or nothing.
    pub request_id: Option<String>,
    /// A scratch note left on the thread by an earlier job, if any.
    pub leftover: Option<String>,
}

/// A job's body: look, then leave a note behind.
fn job(n: usize) -> JobSeen {
    let seen = JobSeen {
        job: n,
        thread: std::thread::current().id(),
        request_id: RequestCtx::request_id(),
        leftover: Scratch::note(),
    };
    Scratch::set_note(format!("left by job {n}"));
    seen
}

/// Submits `jobs` jobs, job `n` from a context whose request id is `req-n`; waits for them
/// and returns what each saw, in job order.
pub fn run_jobs(pool: &Pool, jobs: usize, carried: bool) -> Vec<JobSeen> {
    let (results, received) = mpsc::channel();
    for n in 0..jobs {
        let results = results.clone();
        RequestCtx::sync_scope_request_id(format!("req-{n}"), || {
            let work = move || results.send(job(n)).expect("the submitter is waiting");
            if carried {
                pool.execute(work);
            } else {
                pool.execute_plain(work);
            }
        });
    }
    drop(results);
    let mut seen: Vec<JobSeen> = received.iter().collect();
    seen.sort_by_key(|seen| seen.job);
    seen
}

/// What the demo observed.
#[derive(Debug)]
pub struct Report {
    /// The request id seen by: `std::thread::spawn`, `ctxlocal::thread::spawn`, a
    /// `std::thread::Builder` thread running `ctx.run(..)`.
    pub threads: [Option<String>; 3],
    /// Four jobs on a one-thread pool, plain.
    pub plain_pool: Vec<JobSeen>,
    /// Four jobs on a one-thread pool, carried.
    pub carried_pool: Vec<JobSeen>,
    /// A plain job run on that same thread after the carried jobs: what it found there.
    pub after_carried: JobSeen,
    /// 1,000 carried jobs on four threads.
    pub many: Vec<JobSeen>,
    /// Two `ctxlocal::spawn_blocking` jobs on a one-thread blocking pool.
    pub tokio_carried: Vec<JobSeen>,
    /// A plain `tokio::task::spawn_blocking` closure: what it saw, and whether its write was
    /// refused.
    pub tokio_plain: (Option<String>, bool),
}

/// Runs every part of the demo.
pub fn run_demo() -> Report {
    let threads = RequestCtx::sync_scope_request_id("req-main".into(), || {
        let plain = std::thread::spawn(RequestCtx::request_id).join().unwrap();
        let carried = ctxlocal::thread::spawn(RequestCtx::request_id)
            .join()
            .unwrap();
        let context = Context::current();
        let built = std::thread::Builder::new()
            .name("built".into())
            .spawn(move || context.run(RequestCtx::request_id))
            .unwrap()
            .join()
            .unwrap();
        [plain, carried, built]
    });

    let plain_pool = run_jobs(&Pool::new(1), 4, false);

    let pool = Pool::new(1);
    let carried_pool = run_jobs(&pool, 4, true);
    let (sender, received) = mpsc::channel();
    pool.execute_plain(move || sender.send(job(99)).unwrap());
    let after_carried = received.recv().unwrap();
    drop(pool);

    let many = run_jobs(&Pool::new(4), 1_000, true);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .expect("tokio runtime");
    let (tokio_carried, tokio_plain) = runtime.block_on(async {
        let mut carried = Vec::new();
        for n in 0..2 {
            let handle = RequestCtx::sync_scope_request_id(format!("req-{n}"), || {
                ctxlocal::spawn_blocking(move || job(n))
            });
            carried.push(handle.await.unwrap());
        }
        let plain = tokio::task::spawn_blocking(|| {
            let refused = Scratch::try_set_note("from a plain closure".into()).is_err();
            (RequestCtx::request_id(), refused)
        });
        (carried, plain.await.unwrap())
    });
    Report {
        threads,
        plain_pool,
        carried_pool,
        after_carried,
        many,
        tokio_carried,
        tokio_plain,
    }
}

fn show(seen: &JobSeen) -> String {
    format!(
        "job {} on {:?}: request {:?}, found {:?}",
        seen.job, seen.thread, seen.request_id, seen.leftover
    )
}

fn main() {
    let report = run_demo();
    println!("1. Threads spawned from a context with request id \"req-main\" see:");
    let [plain, carried, built] = &report.threads;
    println!("   std::thread::spawn:                  {plain:?}");
    println!("   ctxlocal::thread::spawn:             {carried:?}");
    println!("   Builder thread + Context::run:       {built:?}");

    println!("\n2. A one-thread pool, job n submitted for request req-n.");
    println!("   Plain jobs see the thread's own values, left by the previous job:");
    for seen in &report.plain_pool {
        println!("   {}", show(seen));
    }
    println!("   Jobs run with Context::current() + ctx.run see their own request, nothing else:");
    for seen in &report.carried_pool {
        println!("   {}", show(seen));
    }
    println!("   A plain job afterwards on that thread finds nothing left behind:");
    println!("   {}", show(&report.after_carried));

    let threads: std::collections::HashSet<_> = report.many.iter().map(|s| s.thread).collect();
    let own = report
        .many
        .iter()
        .filter(|s| s.request_id.as_deref() == Some(&*format!("req-{}", s.job)))
        .count();
    let clean = report.many.iter().filter(|s| s.leftover.is_none()).count();
    println!(
        "\n3. {} carried jobs on a pool of 4 ({} thread(s) took jobs): {own} saw their own \
         request, {clean} found nothing left behind.",
        report.many.len(),
        threads.len()
    );

    println!("\n4. tokio's blocking pool, one thread:");
    for seen in &report.tokio_carried {
        println!("   ctxlocal::spawn_blocking {}", show(seen));
    }
    let (seen, refused) = &report.tokio_plain;
    println!("   tokio::task::spawn_blocking: request {seen:?}, write refused: {refused}");
}
