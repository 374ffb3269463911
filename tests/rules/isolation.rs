//! Rule D4: after a spawn, the parent's writes are invisible to the child, and the child's
//! writes and takes are invisible to the parent and to its siblings, under real interleavings
//! on a multi-threaded runtime.

use crate::support;

use std::sync::Arc;

use ctxlocal::async_local;
use support::{Rng, random_yields};
use tokio::sync::Barrier;

#[async_local]
struct Local {
    value: u64,
    label: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parent_write_after_spawn_is_invisible_to_child() {
    Local::set_value(1);
    let (written_tx, written_rx) = tokio::sync::oneshot::channel::<()>();
    let child = ctxlocal::spawn(async move {
        written_rx.await.unwrap();
        Local::value()
    });
    Local::set_value(2);
    written_tx.send(()).unwrap();
    assert_eq!(child.await.unwrap(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_write_is_invisible_to_parent() {
    Local::set_value(123);
    ctxlocal::spawn(async {
        Local::set_value(456);
    })
    .await
    .unwrap();
    assert_eq!(Local::value(), Some(123));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_take_is_invisible_to_parent() {
    // asgiref's test_deletion: a deletion in a child task does not reach the caller.
    Local::set_value(123);
    let taken = ctxlocal::spawn(async {
        assert_eq!(Local::value(), Some(123));
        let taken = Local::take_value();
        assert!(!Local::is_value_set());
        taken
    })
    .await
    .unwrap();
    assert_eq!(taken, Some(123));
    assert_eq!(Local::value(), Some(123));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_clear_is_invisible_to_parent_and_siblings() {
    Local::set_value(7);
    Local::set_label("kept".into());
    let barrier = Arc::new(Barrier::new(2));
    let clearing = {
        let barrier = barrier.clone();
        ctxlocal::spawn(async move {
            Local::clear();
            barrier.wait().await;
            (Local::value(), Local::label())
        })
    };
    let sibling = {
        let barrier = barrier.clone();
        ctxlocal::spawn(async move {
            barrier.wait().await;
            (Local::value(), Local::label())
        })
    };
    assert_eq!(clearing.await.unwrap(), (None, None));
    assert_eq!(sibling.await.unwrap(), (Some(7), Some("kept".into())));
    assert_eq!(Local::value(), Some(7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn siblings_do_not_see_each_others_writes() {
    let barrier = Arc::new(Barrier::new(2));
    let spawn_sibling = |n: u64| {
        let barrier = barrier.clone();
        ctxlocal::spawn(async move {
            Local::set_value(n);
            // Both have written before either reads.
            barrier.wait().await;
            Local::value()
        })
    };
    let a = spawn_sibling(1);
    let b = spawn_sibling(2);
    assert_eq!(a.await.unwrap(), Some(1));
    assert_eq!(b.await.unwrap(), Some(2));
    assert_eq!(Local::value(), None);
}

/// 1,000 tasks, all alive at once, each writing its own values and reading them back after
/// random yields, while the others do the same on the same worker threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_interleaved_tasks_each_see_only_their_own_values() {
    const TASKS: u64 = 1_000;
    let start = Arc::new(Barrier::new(TASKS as usize));
    Local::set_value(u64::MAX);
    let handles: Vec<_> = (0..TASKS)
        .map(|n| {
            let start = start.clone();
            ctxlocal::spawn(async move {
                let mut rng = Rng::new(n);
                let mut wrong = Vec::new();
                if Local::value() != Some(u64::MAX) {
                    wrong.push(format!("task {n} did not inherit the parent's value"));
                }
                start.wait().await;
                for step in 0..20u64 {
                    let mine = n * 1_000 + step;
                    match rng.below(4) {
                        0 => Local::set_value(mine),
                        1 => {
                            Local::update_value(|v| *v = Some(mine));
                        }
                        2 => {
                            Local::replace_value(mine);
                        }
                        _ => {
                            Local::take_value();
                            random_yields(&mut rng, 3).await;
                            if Local::value().is_some() {
                                wrong.push(format!("task {n} step {step}: value after take"));
                            }
                            Local::set_value(mine);
                        }
                    }
                    Local::set_label(format!("{n}/{step}"));
                    random_yields(&mut rng, 3).await;
                    if Local::value() != Some(mine) {
                        wrong.push(format!(
                            "task {n} step {step}: value {:?}, expected {mine}",
                            Local::value()
                        ));
                    }
                    if Local::label() != Some(format!("{n}/{step}")) {
                        wrong.push(format!("task {n} step {step}: label {:?}", Local::label()));
                    }
                }
                wrong
            })
        })
        .collect();
    let mut wrong = Vec::new();
    for handle in handles {
        wrong.extend(handle.await.unwrap());
    }
    assert!(
        wrong.is_empty(),
        "{} cross-task observations: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
    assert_eq!(Local::value(), Some(u64::MAX));
}
