use ctxlocal::async_local;

#[async_local]
struct RequestCtx<const N: usize> {
    ids: [u64; N],
}

fn main() {}
