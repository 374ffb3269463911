use ctxlocal::async_local;

pub struct Connection {
    pub dsn: String,
}

#[async_local]
struct RequestCtx {
    #[local(default)]
    connection: std::sync::Arc<Connection>,
    #[local(default)]
    handle: Connection,
}

fn main() {}
