//! Thread-critical mode, `#[async_local(thread_critical)]` (rules T1-T5): values that never
//! leave the thread that made them, like asgiref's `Local(thread_critical=True)`.

use crate::support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskCx, Poll, Waker};
use std::thread::ThreadId;

use ctxlocal::{Context, ContextExt, async_local};

/// A connection-like handle that must stay on its thread: `Rc`, so not `Send`.
#[derive(Debug)]
struct Connection {
    name: String,
}

#[async_local(thread_critical)]
struct Db {
    conn: Rc<RefCell<Connection>>,
    label: String,
    #[local(default = 1)]
    depth: u32,
}

#[async_local]
struct Request {
    id: u64,
}

fn connect(name: &str) -> Rc<RefCell<Connection>> {
    Rc::new(RefCell::new(Connection { name: name.into() }))
}

fn conn_name() -> Option<String> {
    Db::with_conn(|c| c.map(|c| c.borrow().name.clone()))
}

// ---- T1: outside crate tasks, one value per OS thread, shared by all code on it -------------

#[test]
fn t1_sync_code_on_one_thread_shares_one_value() {
    fn open() {
        Db::set_conn(connect("main"));
    }
    fn query() -> Option<String> {
        conn_name()
    }
    open();
    assert_eq!(query().as_deref(), Some("main"));
    Db::with_conn(|c| c.unwrap().borrow_mut().name.push_str("-used"));
    assert_eq!(query().as_deref(), Some("main-used"));
}

#[test]
fn t1_each_thread_has_its_own_value() {
    Db::set_label("parent".into());
    let seen = std::thread::spawn(|| {
        let before = Db::label();
        Db::set_label("child".into());
        (before, Db::label())
    })
    .join()
    .unwrap();
    assert_eq!(seen, (None, Some("child".into())));
    assert_eq!(Db::label().as_deref(), Some("parent"));
}

#[test]
fn t1_a_write_inside_context_run_stays_on_the_thread() {
    // Unlike default mode, where `run` is a child context, thread-critical values in sync
    // code belong to the thread, whatever stack of runs they were set in (asgiref's
    // test_thread_critical_local_not_context_dependent_in_sync_thread, on one thread).
    Context::empty().run(|| Context::current().run(|| Db::set_label("inner".into())));
    assert_eq!(Db::label().as_deref(), Some("inner"));
}

// ---- T2: never carried across threads, and writes made there never come back ---------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t2_spawn_does_not_carry_thread_critical_values() {
    Db::set_label("caller".into());
    Request::set_id(1);
    let seen = ctxlocal::spawn(async {
        let seen = (Db::label(), Request::id());
        Db::set_label("child".into());
        seen
    })
    .await
    .unwrap();
    // The default-mode value is inherited, the thread-critical one is not.
    assert_eq!(seen, (None, Some(1)));
    assert_eq!(Db::label().as_deref(), Some("caller"));
}

// On a current-thread runtime, as asgiref's event loop: on a multi-threaded one the task could
// resume on another worker after the `.await` and (rule T3) rightly see nothing there.
#[tokio::test(flavor = "current_thread")]
async fn t2_sync_to_async_does_not_carry_or_bring_back() {
    // asgiref's test_local_critical_no_task_to_thread.
    ctxlocal::spawn(async {
        Db::set_label("86".into());
        ctxlocal::sync_to_async(|| {
            assert_eq!(Db::label(), None);
            Db::set_label("secret".into());
            assert_eq!(Db::label().as_deref(), Some("secret"));
            assert_eq!(Db::take_label().as_deref(), Some("secret"));
            assert_eq!(Db::take_label(), None);
        })
        .await;
        assert_eq!(Db::label().as_deref(), Some("86"));
    })
    .await
    .unwrap();
}

#[test]
fn t2_async_to_sync_does_not_carry_or_bring_back() {
    // asgiref's test_local_critical_no_thread_to_task.
    Db::set_label("89".into());
    ctxlocal::async_to_sync(async {
        assert_eq!(Db::label(), None);
        Db::set_label("numbers".into());
        assert_eq!(Db::label().as_deref(), Some("numbers"));
    });
    assert_eq!(Db::label().as_deref(), Some("89"));
}

#[tokio::test(flavor = "current_thread")]
async fn t2_spawn_blocking_does_not_carry_or_bring_back() {
    ctxlocal::spawn(async {
        Db::set_label("task".into());
        let seen = ctxlocal::spawn_blocking(|| {
            let seen = Db::label();
            Db::set_label("blocking".into());
            seen
        })
        .await
        .unwrap();
        assert_eq!(seen, None);
        assert_eq!(Db::label().as_deref(), Some("task"));
    })
    .await
    .unwrap();
}

#[test]
fn t2_thread_spawn_and_context_snapshots_do_not_carry() {
    Db::set_conn(connect("here"));
    let ctx = Context::current();
    let from_thread = ctxlocal::thread::spawn(conn_name).join().unwrap();
    let from_snapshot = std::thread::spawn(move || ctx.run(conn_name))
        .join()
        .unwrap();
    assert_eq!(from_thread, None);
    assert_eq!(from_snapshot, None);
    assert_eq!(conn_name().as_deref(), Some("here"));
}

#[test]
fn t1_values_set_in_blocking_pool_closures_stay_on_that_pool_thread_for_later_closures() {
    // One blocking thread, so both closures run on the same reused OS thread. Unlike
    // default-mode values (rule D9), a thread-critical value set there belongs to the thread
    // (T1), like a `thread_local!`: how a per-thread connection is opened once and reused.
    let runtime = support::one_blocking_thread_runtime();
    runtime.block_on(async {
        let first = ctxlocal::sync_to_async(|| {
            assert_eq!(Db::label(), None);
            Db::set_label("opened on the pool thread".into());
            std::thread::current().id()
        })
        .await;
        let (second, seen) =
            ctxlocal::spawn_blocking(|| (std::thread::current().id(), Db::label()))
                .await
                .unwrap();
        assert_eq!(first, second);
        assert_eq!(seen.as_deref(), Some("opened on the pool thread"));
        // The task that called them sees nothing of it (T2).
        assert_eq!(ctxlocal::spawn(async { Db::label() }).await.unwrap(), None);
    });
}

// ---- T3: inside crate tasks, values are per (thread, task) ---------------------------------

#[tokio::test(flavor = "current_thread")]
async fn t3_two_tasks_on_one_thread_do_not_see_each_others_values() {
    let (a_set_tx, a_set_rx) = tokio::sync::oneshot::channel::<()>();
    let (b_set_tx, b_set_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::current().id();
    let a = ctxlocal::spawn(async move {
        Db::set_label("a".into());
        a_set_tx.send(()).unwrap();
        b_set_rx.await.unwrap();
        (std::thread::current().id(), Db::label())
    });
    let b = ctxlocal::spawn(async move {
        a_set_rx.await.unwrap();
        let before = Db::label();
        Db::set_label("b".into());
        b_set_tx.send(()).unwrap();
        (before, Db::label())
    });
    let (a_thread, a_label) = a.await.unwrap();
    assert_eq!(
        a_thread, thread,
        "current-thread runtime: both tasks on this thread"
    );
    assert_eq!(a_label.as_deref(), Some("a"));
    assert_eq!(b.await.unwrap(), (None, Some("b".into())));
}

/// A future whose every poll records the thread-critical label it sees, then sets its own
/// (named after the poll), and stays pending until the third poll.
struct Probe {
    polls: u32,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl Future for Probe {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut TaskCx<'_>) -> Poll<()> {
        self.polls += 1;
        self.seen.lock().unwrap().push(Db::label());
        Db::set_label(format!("poll {}", self.polls));
        if self.polls == 3 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn t3_a_task_resumed_on_another_thread_sees_only_what_it_set_there() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let task = Box::pin(
        Probe {
            polls: 0,
            seen: seen.clone(),
        }
        .in_current_context(),
    );
    let poll_once = |mut task: Pin<Box<dyn Future<Output = ()> + Send>>| {
        let ready = task
            .as_mut()
            .poll(&mut TaskCx::from_waker(Waker::noop()))
            .is_ready();
        (task, ready)
    };
    // Thread A polls, thread B polls, thread A polls again: the same task each time.
    let (to_a, a_jobs) = mpsc::channel::<Pin<Box<dyn Future<Output = ()> + Send>>>();
    let (from_a, back) = mpsc::channel();
    let a = std::thread::spawn(move || {
        for task in a_jobs {
            from_a.send(poll_once(task)).unwrap();
        }
    });
    to_a.send(task).unwrap();
    let (task, ready) = back.recv().unwrap();
    assert!(!ready);
    let (task, ready) = std::thread::spawn(move || poll_once(task)).join().unwrap();
    assert!(!ready);
    to_a.send(task).unwrap();
    let (_task, ready) = back.recv().unwrap();
    assert!(ready);
    drop(to_a);
    a.join().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![None, None, Some("poll 1".to_owned())],
        "first poll on A sees nothing; on B, nothing of A's; back on A, what it set on A"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn t3_spawn_local_children_inherit_a_snapshot() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            ctxlocal::spawn_local(async {
                Db::set_conn(connect("parent"));
                Db::set_depth(1);
                let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
                let child = ctxlocal::spawn_local(async move {
                    go_rx.await.unwrap();
                    let inherited = (conn_name(), Db::depth());
                    Db::set_depth(2);
                    Db::with_conn(|c| c.unwrap().borrow_mut().name.push_str("+child"));
                    inherited
                });
                // Written after the spawn: invisible to the child.
                Db::set_depth(5);
                go_tx.send(()).unwrap();
                let inherited = child.await.unwrap();
                // The child saw the snapshot; its write to `depth` stayed in the child. The
                // connection is one shared `Rc`, so a mutation through it is seen by both,
                // like any shared handle (the snapshot shares values, it does not clone them).
                assert_eq!(inherited, (Some("parent".into()), 1));
                assert_eq!(Db::depth(), 5);
                assert_eq!(conn_name().as_deref(), Some("parent+child"));
            })
            .await
            .unwrap();
        })
        .await;
}

#[tokio::test(flavor = "current_thread")]
async fn t3_scoped_overrides_see_the_tasks_values_and_keep_their_writes() {
    ctxlocal::spawn(async {
        Db::set_label("task".into());
        let inside = Db::scope_depth(7, async {
            let seen = (Db::label(), Db::depth());
            Db::set_label("inside the scope".into());
            seen
        })
        .await;
        assert_eq!(inside, (Some("task".into()), 7));
        assert_eq!(Db::label().as_deref(), Some("task"));
        assert_eq!(Db::depth(), 1);
        let inside = Db::sync_scope_label("sync".into(), Db::label);
        assert_eq!(inside.as_deref(), Some("sync"));
        assert_eq!(Db::label().as_deref(), Some("task"));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn default_mode_scopes_and_nested_wrappers_leave_thread_critical_values_alone() {
    // A connection opened inside an unrelated override, or inside a wrapped future awaited by
    // the task, belongs to the task: it is still there afterwards.
    ctxlocal::spawn(async {
        Request::scope_id(1, async { Db::set_conn(connect("opened in a scope")) }).await;
        assert_eq!(conn_name().as_deref(), Some("opened in a scope"));
        Request::sync_scope_id(2, || Db::set_label("sync scope".into()));
        assert_eq!(Db::label().as_deref(), Some("sync scope"));
        async { Db::set_depth(9) }.in_current_context().await;
        assert_eq!(Db::depth(), 9);
        Context::empty()
            .scope(async { assert_eq!(Db::depth(), 9) })
            .await;
    })
    .await
    .unwrap();
    // In sync code they are the thread's values, whatever scope set them.
    Request::sync_scope_id(3, || Db::set_label("thread".into()));
    assert_eq!(Db::label().as_deref(), Some("thread"));
}

// ---- T4: a thread's sync namespace and its tasks' namespaces are separate -------------------

#[test]
fn t4_sync_namespace_and_task_namespaces_are_separate() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    Db::set_label("sync".into());
    runtime.block_on(async {
        // `block_on` runs on this thread outside any crate task: the sync namespace.
        assert_eq!(Db::label().as_deref(), Some("sync"));
        let from_task = ctxlocal::spawn(async {
            let seen = Db::label();
            Db::set_label("task".into());
            (std::thread::current().id(), seen, Db::label())
        })
        .await
        .unwrap();
        assert_eq!(from_task.0, std::thread::current().id());
        assert_eq!((from_task.1, from_task.2), (None, Some("task".into())));
        assert_eq!(Db::label().as_deref(), Some("sync"));
    });
    assert_eq!(Db::label().as_deref(), Some("sync"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untracked_tokio_tasks_see_nothing_and_may_not_write() {
    let (seen, refused) = tokio::spawn(async { (Db::label(), Db::try_set_label("x".into())) })
        .await
        .unwrap();
    assert_eq!(seen, None);
    assert!(refused.unwrap_err().is_untracked_task());
    let (seen, refused) =
        tokio::task::spawn_blocking(|| (Db::label(), Db::try_set_label("x".into())))
            .await
            .unwrap();
    assert_eq!(seen, None);
    assert!(refused.unwrap_err().is_untracked_task());
}

// ---- T5: no Send bound; values dropped on their thread; memory stays flat -------------------

/// Records the thread it is dropped on.
struct DropWitness {
    made_on: ThreadId,
    dropped_on: Arc<Mutex<Vec<(ThreadId, ThreadId)>>>,
    _not_send: Rc<()>,
}

impl DropWitness {
    fn new(log: &Arc<Mutex<Vec<(ThreadId, ThreadId)>>>) -> Self {
        DropWitness {
            made_on: std::thread::current().id(),
            dropped_on: log.clone(),
            _not_send: Rc::new(()),
        }
    }
}

impl Drop for DropWitness {
    fn drop(&mut self) {
        self.dropped_on
            .lock()
            .unwrap()
            .push((self.made_on, std::thread::current().id()));
    }
}

#[async_local(thread_critical)]
struct Witness {
    value: DropWitness,
}

#[test]
fn t5_values_of_a_task_dropped_elsewhere_are_dropped_on_the_thread_that_made_them() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (to_a, a_jobs) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
    let a = std::thread::spawn(move || {
        for job in a_jobs {
            job();
        }
    });
    // Poll the task once on thread A (it sets a value there), then drop it on this thread.
    let (task_tx, task_rx) = mpsc::channel();
    {
        let log = log.clone();
        to_a.send(Box::new(move || {
            let mut task = Box::pin(
                std::future::poll_fn(move |_| {
                    Witness::set_value(DropWitness::new(&log));
                    Poll::<()>::Pending
                })
                .in_current_context(),
            );
            assert!(
                task.as_mut()
                    .poll(&mut TaskCx::from_waker(Waker::noop()))
                    .is_pending()
            );
            task_tx.send(task).unwrap();
        }))
        .unwrap();
    }
    let task = task_rx.recv().unwrap();
    let before = ctxlocal::__private::namespaces_on_this_thread();
    drop(task);
    assert!(
        log.lock().unwrap().is_empty(),
        "not dropped on the wrong thread"
    );
    assert_eq!(ctxlocal::__private::namespaces_on_this_thread(), before);
    // Thread A frees it the next time it touches thread-critical storage.
    let (done_tx, done_rx) = mpsc::channel();
    to_a.send(Box::new(move || {
        done_tx
            .send(ctxlocal::__private::namespaces_on_this_thread())
            .unwrap();
    }))
    .unwrap();
    assert_eq!(done_rx.recv().unwrap(), 0);
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0, log[0].1, "dropped on the thread that made it");
    drop(to_a);
    a.join().unwrap();
}

#[test]
fn t5_sync_namespace_values_are_dropped_when_their_thread_exits() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let thread = std::thread::spawn({
        let log = log.clone();
        move || Witness::set_value(DropWitness::new(&log))
    });
    let id = thread.thread().id();
    thread.join().unwrap();
    assert_eq!(*log.lock().unwrap(), vec![(id, id)]);
}

#[test]
fn t5_values_of_tasks_that_end_on_their_thread_are_dropped_at_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let log2 = log.clone();
        ctxlocal::spawn(async move { Witness::set_value(DropWitness::new(&log2)) })
            .await
            .unwrap();
        assert_eq!(log.lock().unwrap().len(), 1);
    });
}

/// Peak and current resident set size, in kB, from `/proc/self/status` (Linux only).
fn memory_kb() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

#[test]
fn t5_a_million_short_tasks_leave_the_number_of_live_namespaces_bounded() {
    let tasks = support::env_count("CTXLOCAL_TC_TASKS", 1_000_000);
    const BATCH: usize = 1_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let before = memory_kb();
    let mut peak_namespaces = 0;
    runtime.block_on(async {
        let base = ctxlocal::__private::namespaces_on_this_thread();
        for batch in 0..tasks.div_ceil(BATCH) {
            let n = BATCH.min(tasks - batch * BATCH);
            // Each task writes, reports it, and stays alive until the count has been taken.
            let written = Arc::new(tokio::sync::Semaphore::new(0));
            let release = Arc::new(tokio::sync::Semaphore::new(0));
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    let (written, release) = (written.clone(), release.clone());
                    ctxlocal::spawn(async move {
                        Db::set_conn(connect("short"));
                        Db::set_depth(i as u32);
                        written.add_permits(1);
                        release.acquire().await.unwrap().forget();
                        Db::depth() == i as u32
                    })
                })
                .collect();
            written.acquire_many(n as u32).await.unwrap().forget();
            // The whole batch is alive and has written: this is the batch's peak.
            let alive = ctxlocal::__private::namespaces_on_this_thread();
            assert!(
                alive >= base + n,
                "{alive} namespaces for {n} live tasks that all wrote"
            );
            peak_namespaces = peak_namespaces.max(alive);
            release.add_permits(n);
            for handle in handles {
                assert!(handle.await.unwrap());
            }
        }
        assert_eq!(ctxlocal::__private::namespaces_on_this_thread(), base);
    });
    assert!(
        peak_namespaces <= BATCH + 1,
        "{peak_namespaces} namespaces alive at once"
    );
    if let (Some(before), Some(after)) = (before, memory_kb()) {
        println!(
            "{tasks} tasks: peak RSS {} kB -> {} kB, RSS {} kB -> {} kB, at most {peak_namespaces} \
             namespaces alive",
            before.0, after.0, before.1, after.1
        );
    }
}
