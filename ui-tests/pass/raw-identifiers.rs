use ctxlocal::async_local;

#[async_local]
struct Item {
    r#type: String,
    r#match: u32,
}

fn main() {
    Item::set_type("book".into());
    assert_eq!(Item::r#type().as_deref(), Some("book"));
    assert!(Item::is_type_set());
    Item::update_match(|m| *m = Some(3));
    assert_eq!(Item::take_match(), Some(3));
    Item { r#type: "pen".into(), r#match: 1 }.sync_scope(|| {
        assert_eq!(Item::with_type(|t| t.cloned()).as_deref(), Some("pen"));
    });
}
