use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    name: String,
    set_name: bool,
}

fn main() {}
