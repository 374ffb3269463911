// A field type need not be `Clone`: setting, borrowing and scoping work; only the accessors
// that clone the value out (`name()`, `take_*`, `replace_*`, `update_*`) need `Clone`.
use std::sync::Mutex;

use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    log: Mutex<Vec<String>>,
}

fn main() {
    RequestCtx::set_log(Mutex::new(Vec::new()));
    RequestCtx::with_log(|log| log.unwrap().lock().unwrap().push("one".into()));
    assert_eq!(RequestCtx::with_log(|log| log.unwrap().lock().unwrap().len()), 1);
    assert!(RequestCtx::is_log_set());
    RequestCtx::sync_scope_log(Mutex::new(Vec::new()), || {
        assert_eq!(RequestCtx::with_log(|log| log.unwrap().lock().unwrap().len()), 0);
    });
    RequestCtx::clear();
}
