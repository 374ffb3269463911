//! `#[local(no_inherit)]`: a field that tasks and threads spawned from a context do not inherit
//! (they start with it unset), while `sync_to_async` / `async_to_sync`, which continue the same
//! logical flow, carry it. A request's database transaction must not leak into a background
//! job spawned from the request.

use ctxlocal::{Context, ContextExt, async_local};

#[async_local]
struct Request {
    id: u64,
    #[local(no_inherit)]
    transaction: String,
    #[local(no_inherit, default = 1)]
    depth: u32,
}

fn seen() -> (Option<u64>, Option<String>, u32) {
    (Request::id(), Request::transaction(), Request::depth())
}

fn start_request() {
    Request::set_id(7);
    Request::set_transaction("tx-1".into());
    Request::set_depth(3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_tasks_start_without_no_inherit_fields() {
    start_request();
    let child = ctxlocal::spawn(async { seen() }).await.unwrap();
    assert_eq!(child, (Some(7), None, 1));
    let wrapped = tokio::spawn(async { seen() }.in_current_context())
        .await
        .unwrap();
    assert_eq!(wrapped, (Some(7), None, 1));
    // The parent keeps its values.
    assert_eq!(seen(), (Some(7), Some("tx-1".into()), 3));
}

#[tokio::test(flavor = "current_thread")]
async fn spawn_local_children_start_without_no_inherit_fields() {
    start_request();
    let local = tokio::task::LocalSet::new();
    let child = local
        .run_until(async { ctxlocal::spawn_local(async { seen() }).await.unwrap() })
        .await;
    assert_eq!(child, (Some(7), None, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_and_threads_start_without_no_inherit_fields() {
    start_request();
    let blocking = ctxlocal::spawn_blocking(seen).await.unwrap();
    let thread = ctxlocal::thread::spawn(seen).join().unwrap();
    assert_eq!(blocking, (Some(7), None, 1));
    assert_eq!(thread, (Some(7), None, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridges_carry_no_inherit_fields_and_write_them_back() {
    start_request();
    let inside = ctxlocal::sync_to_async(|| {
        let inside = seen();
        Request::set_transaction("tx-2".into());
        inside
    })
    .await;
    assert_eq!(inside, (Some(7), Some("tx-1".into()), 3));
    assert_eq!(Request::transaction().as_deref(), Some("tx-2"));
    let inside = ctxlocal::sync_to_async(|| ctxlocal::async_to_sync(async { seen() })).await;
    assert_eq!(inside, (Some(7), Some("tx-2".into()), 3));
}

#[test]
fn an_explicit_context_snapshot_carries_everything() {
    start_request();
    let ctx = Context::current();
    let carried = std::thread::spawn(move || ctx.run(seen)).join().unwrap();
    assert_eq!(carried, (Some(7), Some("tx-1".into()), 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_sets_its_own_value_and_its_children_do_not_inherit_it_either() {
    start_request();
    let (own, grandchild) = ctxlocal::spawn(async {
        Request::set_transaction("child-tx".into());
        let grandchild = ctxlocal::spawn(async { seen() }).await.unwrap();
        (Request::transaction(), grandchild)
    })
    .await
    .unwrap();
    assert_eq!(own.as_deref(), Some("child-tx"));
    assert_eq!(grandchild, (Some(7), None, 1));
    assert_eq!(Request::transaction().as_deref(), Some("tx-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_override_of_a_no_inherit_field_is_visible_inside_but_not_inherited() {
    Request::set_id(1);
    let (inside, spawned_inside) = Request::scope_transaction("scoped".into(), async {
        let spawned = ctxlocal::spawn(async { seen() }).await.unwrap();
        (seen(), spawned)
    })
    .await;
    assert_eq!(inside, (Some(1), Some("scoped".into()), 1));
    assert_eq!(spawned_inside, (Some(1), None, 1));
    assert_eq!(Request::transaction(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_no_no_inherit_value_is_set_children_share_the_parents_values() {
    #[async_local]
    struct Shared {
        big: Vec<u8>,
        #[local(no_inherit)]
        marker: u8,
    }
    Shared::set_big(vec![1; 64]);
    let parent = Shared::with_big(|b| b.unwrap().as_ptr() as usize);
    let child = ctxlocal::spawn(async { Shared::with_big(|b| b.unwrap().as_ptr() as usize) })
        .await
        .unwrap();
    assert_eq!(parent, child, "the value itself is shared, never copied");
    Shared::set_marker(1);
    let child = ctxlocal::spawn(async {
        (
            Shared::with_big(|b| b.unwrap().as_ptr() as usize),
            Shared::marker(),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        child,
        (parent, None),
        "stripping copies pointers, not values"
    );
}
