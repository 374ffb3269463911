// A crate that re-exports ctxlocal can point the generated code at its re-export.
mod framework {
    pub use ctxlocal as context;
}

use framework::context::async_local;

#[async_local(crate = framework::context)]
struct RequestCtx {
    id: u64,
}

fn main() {
    RequestCtx::set_id(1);
    assert_eq!(RequestCtx::id(), Some(1));
    let refused: Result<(), framework::context::AccessError> = RequestCtx::try_set_id(2);
    assert!(refused.is_ok());
}
