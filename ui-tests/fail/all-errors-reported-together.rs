// Every problem of an input is reported in one compilation, not one per attempt.
use ctxlocal::async_local;

#[async_local(thread_critcal, crate = "ctxlocal")]
struct RequestCtx<T> {
    #[local(defualt)]
    retries: u32,
    #[local(default, default)]
    user: Option<T>,
    scope: String,
}

fn main() {}
