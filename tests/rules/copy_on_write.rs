//! Rule D12: isolation covers values, not only assignments: `update_*` in a child mutates a
//! private copy, never the parent's value (Python would share a mutated list; we do not).

use ctxlocal::{Context, async_local};

#[async_local]
struct Local {
    list: Vec<u32>,
    #[local(default)]
    counts: std::collections::BTreeMap<String, u32>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_in_a_child_task_never_changes_the_parents_value() {
    Local::set_list(vec![1, 2]);
    let child = ctxlocal::spawn(async {
        Local::update_list(|list| list.get_or_insert_with(Vec::new).push(3));
        Local::list()
    })
    .await
    .unwrap();
    assert_eq!(child, Some(vec![1, 2, 3]));
    assert_eq!(Local::list(), Some(vec![1, 2]));
}

#[test]
fn update_after_a_snapshot_leaves_the_snapshot_alone() {
    Local::update_counts(|c| *c.entry("a".into()).or_default() += 1);
    let snapshot = Context::current();
    Local::update_counts(|c| *c.entry("a".into()).or_default() += 10);
    assert_eq!(Local::counts()["a"], 11);
    assert_eq!(snapshot.run(Local::counts)["a"], 1);
}

#[test]
fn update_in_a_snapshot_run_leaves_the_original_alone() {
    Local::set_list(vec![0]);
    let snapshot = Context::current();
    snapshot.run(|| Local::update_list(|l| l.as_mut().unwrap().push(1)));
    assert_eq!(Local::list(), Some(vec![0]));
    assert_eq!(snapshot.run(Local::list), Some(vec![0]));
}

#[test]
fn update_mutates_in_place_when_nothing_else_shares_the_value() {
    Local::set_list(Vec::with_capacity(64));
    let before = Local::with_list(|l| l.unwrap().as_ptr());
    Local::update_counts(|_| ());
    let snapshot_taken_and_dropped = Context::current();
    drop(snapshot_taken_and_dropped);
    Local::update_list(|l| l.as_mut().unwrap().push(1));
    let after = Local::with_list(|l| l.unwrap().as_ptr());
    // Same buffer: no clone was made, because no other context held the value.
    assert_eq!(before, after);
}

#[test]
fn a_write_copies_only_the_struct_it_touches() {
    #[async_local]
    struct Untouched {
        big: Vec<u8>,
    }
    Untouched::set_big(vec![0; 1024]);
    Local::set_list(vec![1]);
    let snapshot = Context::current();
    let big_before = Untouched::with_big(|b| b.unwrap().as_ptr());
    Local::set_list(vec![2]);
    let big_after = Untouched::with_big(|b| b.unwrap().as_ptr());
    let big_in_snapshot = snapshot.run(|| Untouched::with_big(|b| b.unwrap().as_ptr()));
    assert_eq!(big_before, big_after);
    assert_eq!(big_before, big_in_snapshot);
}
