// Accessors take the field's visibility; struct-level methods take the struct's.
mod context {
    use ctxlocal::async_local;

    #[async_local]
    pub struct RequestCtx {
        pub request_id: String,
        pub(crate) user: u64,
        secret: String,
    }

    pub fn set_secret(value: &str) {
        RequestCtx::set_secret(value.to_owned());
    }

    pub fn secret() -> Option<String> {
        RequestCtx::secret()
    }
}

use context::RequestCtx;

fn main() {
    RequestCtx::set_request_id("id".into());
    RequestCtx::set_user(7);
    context::set_secret("s");
    assert_eq!(RequestCtx::request_id().as_deref(), Some("id"));
    assert_eq!(RequestCtx::user(), Some(7));
    assert_eq!(context::secret().as_deref(), Some("s"));
    RequestCtx::clear();
    assert_eq!(RequestCtx::user(), None);
}
