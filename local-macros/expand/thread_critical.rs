#[async_local(thread_critical)]
pub(crate) struct Db {
    pub(crate) conn: std::rc::Rc<Connection>,
}
