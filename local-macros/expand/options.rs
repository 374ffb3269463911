#[async_local(debug, crate = framework::context)]
#[derive(Debug, Clone)]
pub struct Job {
    #[local(trace)]
    pub id: u64,
    #[local(no_inherit, default)]
    pub transaction: u64,
    #[cfg(feature = "tracing")]
    pub span: String,
}
