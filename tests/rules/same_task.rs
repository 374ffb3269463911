//! Rule D2: code awaited inside one task shares that task's context, for reads and writes.

use ctxlocal::async_local;

#[async_local]
struct Request {
    id: u64,
    trail: Vec<&'static str>,
}

async fn deep_write(id: u64) {
    tokio::task::yield_now().await;
    Request::set_id(id);
}

async fn deep_read() -> Option<u64> {
    tokio::task::yield_now().await;
    Request::id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_in_awaited_code_are_seen_by_the_caller_and_later_awaits() {
    ctxlocal::spawn(async {
        deep_write(41).await;
        assert_eq!(Request::id(), Some(41));
        assert_eq!(deep_read().await, Some(41));
        Request::set_id(42);
        assert_eq!(deep_read().await, Some(42));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_branches_of_one_task_share_its_context() {
    ctxlocal::spawn(async {
        Request::set_trail(Vec::new());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let writer = async {
            Request::update_trail(|t| t.get_or_insert_with(Vec::new).push("a"));
            tx.send(()).unwrap();
        };
        let reader = async {
            rx.await.unwrap();
            Request::update_trail(|t| t.get_or_insert_with(Vec::new).push("b"));
            Request::trail()
        };
        let ((), trail) = tokio::join!(writer, reader);
        assert_eq!(trail, Some(vec!["a", "b"]));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_task_keeps_its_context_when_it_moves_between_worker_threads() {
    let handles: Vec<_> = (0..64u64)
        .map(|n| {
            ctxlocal::spawn(async move {
                Request::set_id(n);
                let mut threads = std::collections::HashSet::new();
                for _ in 0..50 {
                    threads.insert(std::thread::current().id());
                    tokio::task::yield_now().await;
                    assert_eq!(Request::id(), Some(n));
                }
                threads.len()
            })
        })
        .collect();
    let mut moved = 0;
    for handle in handles {
        if handle.await.unwrap() > 1 {
            moved += 1;
        }
    }
    // Not asserted (scheduling is up to tokio), but reported: the check above only means
    // something if tasks did migrate.
    println!("{moved} of 64 tasks ran on more than one worker thread");
}
