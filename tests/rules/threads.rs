//! Rule D1: outside crate-managed tasks, code sees its OS thread's root context; a new thread
//! starts empty and its writes never reach the thread that spawned it.

use std::sync::{Arc, Barrier};

use ctxlocal::async_local;

#[async_local]
struct Local {
    greeting: String,
    counter: u64,
}

#[test]
fn writes_persist_within_a_thread() {
    Local::set_greeting("2".into());
    assert_eq!(Local::greeting().as_deref(), Some("2"));
    fn elsewhere_on_this_thread() -> Option<String> {
        Local::greeting()
    }
    assert_eq!(elsewhere_on_this_thread().as_deref(), Some("2"));
}

#[test]
fn new_thread_starts_empty_and_does_not_leak_back() {
    Local::set_greeting("8".into());
    let inside = std::thread::spawn(|| {
        let before = Local::greeting();
        Local::set_greeting("123".into());
        (before, Local::greeting())
    })
    .join()
    .unwrap();
    assert_eq!(inside, (None, Some("123".to_owned())));
    assert_eq!(Local::greeting().as_deref(), Some("8"));
}

#[test]
fn nested_threads_are_isolated_at_every_level() {
    Local::set_counter(0);
    let seen = std::thread::spawn(|| {
        Local::set_counter(1);
        let grandchild = std::thread::spawn(|| {
            let before = Local::counter();
            Local::set_counter(2);
            (before, Local::counter())
        })
        .join()
        .unwrap();
        (grandchild, Local::counter())
    })
    .join()
    .unwrap();
    assert_eq!(seen, ((None, Some(2)), Some(1)));
    assert_eq!(Local::counter(), Some(0));
}

#[test]
fn many_threads_writing_at_once_each_keep_their_own_value() {
    const THREADS: u64 = 8;
    const ROUNDS: u64 = 2_000;
    let barrier = Arc::new(Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut mismatches = 0;
                for round in 0..ROUNDS {
                    let mine = t * 1_000_000 + round;
                    Local::set_counter(mine);
                    Local::set_greeting(format!("{t}"));
                    std::thread::yield_now();
                    if Local::counter() != Some(mine) || Local::greeting() != Some(format!("{t}")) {
                        mismatches += 1;
                    }
                }
                mismatches
            })
        })
        .collect();
    let mismatches: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(mismatches, 0);
}
