// A thread-critical value cannot be smuggled to another thread through the API: taking it out
// of the context gives an `Rc`, and a task that could run on another thread cannot capture it.
use std::rc::Rc;

use ctxlocal::async_local;

#[async_local(thread_critical)]
struct Db {
    conn: Rc<String>,
}

async fn smuggle() {
    Db::set_conn(Rc::new("connection".into()));
    let conn = Db::take_conn().unwrap();
    ctxlocal::spawn(async move {
        Db::set_conn(conn);
    });
}

fn main() {
    let _ = smuggle();
}
