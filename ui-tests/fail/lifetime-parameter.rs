use ctxlocal::async_local;

#[async_local]
struct RequestCtx<'a> {
    request_id: &'a str,
}

fn main() {}
