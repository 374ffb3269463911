//! Rule D11: two `#[async_local]` structs never share values, even with identical field names;
//! a dropped context's values are never observed by a later context.

use crate::support;

use ctxlocal::{Context, async_local};
use support::Counters;

mod a {
    #[ctxlocal::async_local]
    pub struct Same {
        pub greeting: String,
    }
}

mod b {
    #[ctxlocal::async_local]
    pub struct Same {
        pub greeting: String,
    }
}

#[async_local]
struct Other {
    greeting: String,
}

#[test]
fn structs_with_identical_fields_do_not_share_values() {
    a::Same::set_greeting("a".into());
    assert_eq!(b::Same::greeting(), None);
    assert_eq!(Other::greeting(), None);
    b::Same::set_greeting("b".into());
    Other::set_greeting("other".into());
    assert_eq!(a::Same::greeting().as_deref(), Some("a"));
    assert_eq!(b::Same::greeting().as_deref(), Some("b"));
    assert_eq!(Other::greeting().as_deref(), Some("other"));
    a::Same::clear();
    assert_eq!(a::Same::greeting(), None);
    assert_eq!(b::Same::greeting().as_deref(), Some("b"));
}

#[test]
fn many_fresh_contexts_never_observe_a_dropped_contexts_values() {
    // asgiref's test_local_cycle: a value set in a context that is then dropped must not show
    // up in contexts created afterwards.
    let counters = Counters::new();
    #[async_local]
    struct Holder {
        value: support::Counted,
    }
    let matched = std::thread::spawn({
        let counters = counters.clone();
        move || {
            let doomed = Context::empty();
            doomed.run(|| Holder::set_value(counters.make(1)));
            drop(doomed);
            let fresh: Vec<Context> = (0..100).map(|_| Context::empty()).collect();
            fresh
                .iter()
                .filter(|ctx| ctx.run(|| Holder::with_value(|v| v.is_some())))
                .count()
                + usize::from(Holder::with_value(|v| v.is_some()))
        }
    })
    .join()
    .unwrap();
    assert_eq!(matched, 0);
    assert_eq!(counters.created(), 1);
    assert_eq!(counters.dropped(), 1);
}
