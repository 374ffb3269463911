use ctxlocal::async_local;

#[async_local]
struct Node {
    parent: Option<Box<Self>>,
}

fn main() {
    // Code using the struct reports nothing more.
    let _ = Node::parent();
}
