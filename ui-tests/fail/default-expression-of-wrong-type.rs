use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    #[local(default = "three")]
    retries: u32,
}

fn main() {
    // Only the expression is reported; the accessors still type-check.
    let _: u32 = RequestCtx::retries();
}
