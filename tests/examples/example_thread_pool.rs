//! `examples/thread_pool.rs`: plain threads start empty, `ctxlocal::thread::spawn` and
//! `Context::current()` + `ctx.run` carry the submitter's values, and a reused pool thread
//! does not see the previous job's values when jobs run inside `ctx.run` (while a plain pool
//! thread does, like `threading.local`).
#![cfg(feature = "tokio")]

#[path = "../../examples/thread_pool.rs"]
#[allow(dead_code)]
mod thread_pool;

use std::collections::HashSet;

use thread_pool::{Pool, RequestCtx, run_demo, run_jobs};

fn req(n: usize) -> Option<String> {
    Some(format!("req-{n}"))
}

#[test]
fn the_demo() {
    let report = run_demo();
    assert_eq!(
        report.threads,
        [None, Some("req-main".into()), Some("req-main".into())]
    );

    // Plain jobs on one reused thread: nothing of the submitter, and the previous job's note.
    let one_thread: HashSet<_> = report.plain_pool.iter().map(|s| s.thread).collect();
    assert_eq!(one_thread.len(), 1);
    for (n, seen) in report.plain_pool.iter().enumerate() {
        assert_eq!(seen.request_id, None);
        let expected = n.checked_sub(1).map(|prev| format!("left by job {prev}"));
        assert_eq!(seen.leftover, expected, "job {n}");
    }

    // Carried jobs on one reused thread: their own request, nothing left by the previous job.
    let one_thread: HashSet<_> = report.carried_pool.iter().map(|s| s.thread).collect();
    assert_eq!(one_thread.len(), 1);
    for (n, seen) in report.carried_pool.iter().enumerate() {
        assert_eq!(seen.request_id, req(n));
        assert_eq!(seen.leftover, None, "job {n}");
    }
    // And nothing stayed on the thread for a plain job to find.
    assert!(one_thread.contains(&report.after_carried.thread));
    assert_eq!(report.after_carried.request_id, None);
    assert_eq!(report.after_carried.leftover, None);

    assert_eq!(report.many.len(), 1_000);
    for (n, seen) in report.many.iter().enumerate() {
        assert_eq!(seen.request_id, req(n));
        assert_eq!(seen.leftover, None);
    }
    // The 1,000 jobs ran on (at most) the pool's four threads, so those threads were reused
    // and the `leftover` checks above really looked at threads an earlier job had run on.
    let threads: HashSet<_> = report.many.iter().map(|s| s.thread).collect();
    assert!(threads.len() <= 4, "{threads:?}");

    // tokio's blocking pool, one thread reused by both jobs.
    let [first, second] = &report.tokio_carried[..] else {
        panic!("{:?}", report.tokio_carried)
    };
    assert_eq!(first.thread, second.thread);
    assert_eq!((&first.request_id, &first.leftover), (&req(0), &None));
    assert_eq!((&second.request_id, &second.leftover), (&req(1), &None));
    assert_eq!(report.tokio_plain, (None, true));
}

#[test]
fn jobs_from_concurrent_submitters_each_see_their_own_submitter() {
    let pool = Pool::new(3);
    let submitters: Vec<_> = (0..4)
        .map(|s| {
            let pool = &pool;
            move || {
                RequestCtx::set_request_id(format!("submitter-{s}"));
                let (sender, received) = std::sync::mpsc::channel();
                for _ in 0..250 {
                    let sender = sender.clone();
                    pool.execute(move || sender.send(RequestCtx::request_id()).unwrap());
                }
                drop(sender);
                received.iter().collect::<Vec<_>>()
            }
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = submitters
            .into_iter()
            .enumerate()
            .map(|(s, submit)| (s, scope.spawn(submit)))
            .collect();
        for (s, handle) in handles {
            let seen = handle.join().unwrap();
            assert_eq!(seen.len(), 250);
            assert!(
                seen.iter()
                    .all(|id| id.as_deref() == Some(&*format!("submitter-{s}")))
            );
        }
    });
}

#[test]
fn the_submitters_own_values_are_untouched_by_its_jobs() {
    let pool = Pool::new(2);
    RequestCtx::set_request_id("mine".into());
    let seen = run_jobs(&pool, 100, true);
    assert!(seen.iter().enumerate().all(|(n, s)| s.request_id == req(n)));
    assert_eq!(RequestCtx::request_id().as_deref(), Some("mine"));
}
