use std::cell::Cell;

use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    hits: Cell<u32>,
}

fn main() {}
