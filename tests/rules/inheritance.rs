//! Rule D3: tasks started by `ctxlocal::spawn`, `spawn_local`, or any future wrapped with
//! `.in_current_context()` start with a snapshot of the spawner's values at spawn time.

use ctxlocal::{ContextExt, async_local};

#[async_local]
struct Local {
    value: i64,
    name: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_task_sees_the_values_at_spawn_time() {
    Local::set_value(0);
    let child = ctxlocal::spawn(async {
        let inherited = Local::value();
        Local::set_value(1);
        (inherited, Local::value())
    });
    assert_eq!(child.await.unwrap(), (Some(0), Some(1)));
    // The child's write does not reach the caller (rule D4, asgiref's test_visibility_task).
    assert_eq!(Local::value(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_is_taken_when_spawning_not_when_the_child_first_runs() {
    Local::set_value(10);
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let child = ctxlocal::spawn(async move {
        go_rx.await.unwrap();
        Local::value()
    });
    Local::set_value(11);
    go_tx.send(()).unwrap();
    assert_eq!(child.await.unwrap(), Some(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_current_context_carries_a_snapshot_into_a_plain_tokio_task() {
    Local::set_name("parent".into());
    let child = tokio::spawn(
        async {
            let inherited = Local::name();
            Local::set_name("child".into());
            (inherited, Local::name())
        }
        .in_current_context(),
    );
    let (inherited, own) = child.await.unwrap();
    assert_eq!(inherited.as_deref(), Some("parent"));
    assert_eq!(own.as_deref(), Some("child"));
    assert_eq!(Local::name().as_deref(), Some("parent"));
}

#[tokio::test(flavor = "current_thread")]
async fn spawn_local_children_inherit_a_snapshot() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            Local::set_value(5);
            let child = ctxlocal::spawn_local(async {
                let inherited = Local::value();
                Local::set_value(6);
                inherited
            });
            Local::set_value(7);
            assert_eq!(child.await.unwrap(), Some(5));
            assert_eq!(Local::value(), Some(7));
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grandchildren_inherit_through_every_generation() {
    Local::set_value(1);
    let depth = ctxlocal::spawn(async {
        Local::update_value(|v| *v = v.map(|v| v * 10));
        ctxlocal::spawn(async {
            Local::update_value(|v| *v = v.map(|v| v + 2));
            ctxlocal::spawn(async { Local::value() }).await.unwrap()
        })
        .await
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(depth, Some(12));
    assert_eq!(Local::value(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawning_from_a_task_snapshots_the_task_context_not_the_worker_thread() {
    let outer = ctxlocal::spawn(async {
        Local::set_name("task".into());
        ctxlocal::spawn(async { Local::name() }).await.unwrap()
    });
    assert_eq!(outer.await.unwrap().as_deref(), Some("task"));
}
