use ctxlocal::async_local;

#[async_local]
struct RequestCtx<T> {
    value: T,
}

fn main() {}
