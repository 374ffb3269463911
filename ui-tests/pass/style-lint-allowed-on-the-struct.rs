// A field named against the style lints warns once, at the field, and an `allow` there (on
// the struct) silences it: generated code does not repeat the warning.
#![deny(warnings)]

use ctxlocal::async_local;

#[async_local]
#[allow(non_snake_case)] // named as the log format spells it
struct LogCtx {
    threadName: String,
}

fn main() {
    LogCtx::set_threadName("worker-1".into());
    assert_eq!(LogCtx::threadName().as_deref(), Some("worker-1"));
}
