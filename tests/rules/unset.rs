//! Rule D10: reading an unset field gives `None` or the field's declared default; taking an
//! unset field gives `None`.

use ctxlocal::async_local;

#[async_local]
struct Local {
    greeting: u64,
    #[local(default)]
    user: Option<String>,
    #[local(default = 3)]
    retries: u32,
    #[local(default = vec!["a".to_owned()])]
    tags: Vec<String>,
}

#[test]
fn unset_field_reads_none_and_default_fields_read_their_default() {
    assert_eq!(Local::greeting(), None);
    assert!(!Local::is_greeting_set());
    assert_eq!(Local::user(), None);
    assert_eq!(Local::retries(), 3);
    assert_eq!(Local::tags(), vec!["a".to_owned()]);
    Local::with_greeting(|v| assert_eq!(v, None));
    Local::with_retries(|v| assert_eq!(*v, 3));
}

#[test]
fn defaults_do_not_count_as_set() {
    assert_eq!(Local::retries(), 3);
    assert!(!Local::is_retries_set());
    assert_eq!(Local::take_retries(), None);
    Local::set_retries(5);
    assert!(Local::is_retries_set());
    assert_eq!(Local::take_retries(), Some(5));
    assert_eq!(Local::retries(), 3);
}

#[test]
fn set_take_and_take_again() {
    // asgiref's test_local_thread / test_local_task: assign, read, delete, read again.
    Local::set_greeting(2);
    assert_eq!(Local::greeting(), Some(2));
    assert_eq!(Local::take_greeting(), Some(2));
    assert_eq!(Local::greeting(), None);
    assert_eq!(Local::take_greeting(), None);
}

#[test]
fn update_of_a_default_field_starts_from_the_default() {
    Local::update_retries(|r| *r += 1);
    assert_eq!(Local::retries(), 4);
    assert!(Local::is_retries_set());
    Local::update_tags(|t| t.push("b".into()));
    assert_eq!(Local::tags(), vec!["a".to_owned(), "b".to_owned()]);
}

#[test]
fn update_of_an_unset_field_starts_from_none() {
    let was = Local::update_greeting(|v| {
        let was = v.is_none();
        *v = Some(1);
        was
    });
    assert!(was);
    assert_eq!(Local::greeting(), Some(1));
    Local::update_greeting(|v| *v = None);
    assert_eq!(Local::greeting(), None);
    assert!(!Local::is_greeting_set());
}

#[test]
fn replace_returns_none_when_unset_then_the_previous_value() {
    assert_eq!(Local::replace_greeting(1), None);
    assert_eq!(Local::replace_greeting(2), Some(1));
    assert_eq!(Local::greeting(), Some(2));
}

#[test]
fn clear_unsets_every_field() {
    Local::set_greeting(1);
    Local::set_retries(7);
    Local::clear();
    assert_eq!(Local::greeting(), None);
    assert_eq!(Local::retries(), 3);
    assert!(!Local::is_retries_set());
}
