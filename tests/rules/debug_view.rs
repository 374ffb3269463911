//! `#[async_local(debug)]`: `Struct::debug_current()` prints the values of the current context,
//! for debugging, without adding `Debug` bounds to structs that do not opt in.

use ctxlocal::{Context, async_local};

#[async_local(debug)]
struct Request {
    id: u64,
    user: String,
    #[local(default = 3)]
    retries: u32,
}

#[test]
fn prints_set_values_defaults_and_unset_fields() {
    assert_eq!(
        format!("{:?}", Request::debug_current()),
        "Request { id: <unset>, user: <unset>, retries: 3 }"
    );
    Request::set_id(7);
    Request::set_user("ada".into());
    assert_eq!(
        format!("{:?}", Request::debug_current()),
        r#"Request { id: 7, user: "ada", retries: 3 }"#
    );
    assert_eq!(
        format!("{:#?}", Request::debug_current()),
        "Request {\n    id: 7,\n    user: \"ada\",\n    retries: 3,\n}"
    );
}

#[test]
fn the_view_is_a_snapshot_taken_when_it_is_made() {
    Request::set_id(1);
    let view = Request::debug_current();
    Request::set_id(2);
    assert_eq!(
        format!("{view:?}"),
        "Request { id: 1, user: <unset>, retries: 3 }"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_can_be_printed_in_another_task() {
    let printed = ctxlocal::spawn(async {
        Request::set_user("task".into());
        Request::debug_current()
    })
    .await
    .map(|view| format!("{view:?}"))
    .unwrap();
    assert_eq!(
        printed,
        r#"Request { id: <unset>, user: "task", retries: 3 }"#
    );
    assert!(Context::current().is_empty());
}

#[test]
fn thread_critical_structs_have_a_view_too() {
    #[async_local(thread_critical, debug)]
    struct Db {
        conn: std::rc::Rc<String>,
    }
    Db::set_conn(std::rc::Rc::new("sqlite::memory:".into()));
    assert_eq!(
        format!("{:?}", Db::debug_current()),
        r#"Db { conn: "sqlite::memory:" }"#
    );
}
