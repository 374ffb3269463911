use ctxlocal::async_local;

#[async_local]
fn request_ctx() {}

fn main() {}
