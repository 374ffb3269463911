use ctxlocal::async_local;

#[derive(Clone)]
pub struct UserId(u64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[async_local]
struct RequestCtx {
    #[local(propagate)]
    user: Option<UserId>,
}

fn main() {}
