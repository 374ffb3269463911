use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(propagate)]
    roles: Vec<String>,
}

fn main() {}
