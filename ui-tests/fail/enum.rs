use ctxlocal::async_local;

#[async_local]
enum RequestCtx {
    Anonymous,
    User(u64),
}

fn main() {}
