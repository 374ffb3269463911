use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    // Its name is not a valid baggage key: it would be sent under a key no one can read.
    #[local(propagate)]
    ünïcode: String,
}

fn main() {}
