#[async_local]
pub struct RequestCtx {
    /// The request's id.
    #[local(propagate)]
    pub request_id: String,
    #[local(default)]
    pub user: Option<u64>,
    #[local(default = 3)]
    retries: u32,
}
