use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(defualt)]
    retries: u32,
}

fn main() {}
