use ctxlocal::async_local;

pub struct Connection;

#[async_local]
struct RequestCtx {
    connection: Connection,
}

fn main() {
    // Setting and borrowing work without `Clone`; cloning the value out does not.
    RequestCtx::set_connection(Connection);
    RequestCtx::with_connection(|c| assert!(c.is_some()));
    let _ = RequestCtx::connection();
}
