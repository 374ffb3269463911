// Thread-critical fields need not be `Send` or `Sync`.
use std::cell::RefCell;
use std::rc::Rc;

use ctxlocal::async_local;

pub struct Connection {
    queries: u32,
}

#[async_local(thread_critical)]
pub struct Db {
    pub conn: Rc<RefCell<Connection>>,
    #[local(default)]
    pub in_transaction: bool,
}

fn main() {
    Db::set_conn(Rc::new(RefCell::new(Connection { queries: 0 })));
    Db::with_conn(|conn| conn.unwrap().borrow_mut().queries += 1);
    assert_eq!(Db::with_conn(|conn| conn.unwrap().borrow().queries), 1);
    assert!(!Db::in_transaction());
    Db::sync_scope_in_transaction(true, || assert!(Db::in_transaction()));
    assert!(!Db::in_transaction());
}
