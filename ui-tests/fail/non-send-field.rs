use std::rc::Rc;

use ctxlocal::async_local;

#[async_local]
struct RequestCtx {
    request_id: String,
    connection: Rc<u32>,
}

fn main() {
    // The rest of the struct stays usable: only the field's type is reported.
    RequestCtx::set_request_id("id".into());
}
