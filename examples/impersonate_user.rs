//! "Act as another user" for a block of code, restored afterwards, also on panic.
//!
//! Run it with:
//!
//! ```sh
//! cargo run -p ctxlocal-tests --example impersonate_user
//! ```
//!
//! What it shows:
//!
//! - the current user lives in the context, set once at login and read by deep code
//!   (`whoami`, an audit trail) with no parameter;
//! - `impersonate(user, || ..)` (built on the generated `value.sync_scope(..)`) and
//!   `impersonate_async(user, fut)` (on `value.scope(fut)`) run code as another user and
//!   remember who really is behind it; only admins may, also when nested;
//! - afterwards the real user is back: after a normal return, after a panic inside the block
//!   (caught here with `catch_unwind`), and when an impersonating future is dropped before it
//!   finishes (a `select!` that picked another branch); the async form never touches the
//!   caller's context at all, so even *while* it is suspended the caller is still itself;
//! - tasks spawned and blocking calls made inside the impersonation act as the impersonated
//!   user too.
//!
//! It prints a transcript of who the code believed it was at each step.
//! `tests/examples/example_impersonate.rs` checks it, and each guarantee on its own.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ctxlocal::async_local;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub admin: bool,
}

impl User {
    pub fn new(name: &str, admin: bool) -> Self {
        User {
            name: name.to_owned(),
            admin,
        }
    }

    fn anonymous() -> Self {
        User::new("anonymous", false)
    }
}

#[async_local]
pub struct Auth {
    /// Whom the code acts as.
    #[local(default = User::anonymous())]
    pub user: User,
    /// Who really logged in, while `user` is an impersonation.
    #[local(default)]
    pub real_user: Option<User>,
}

/// Why an impersonation was refused.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAllowed {
    pub by: String,
}

impl std::fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} may not impersonate other users", self.by)
    }
}

/// Logs `user` in for the rest of the current context.
pub fn login(user: User) {
    Auth::set_user(user);
    Auth::take_real_user();
}

/// Deep code: who are we?
pub fn whoami() -> String {
    let user = Auth::user();
    match Auth::real_user() {
        Some(real) => format!("{} (impersonated by {})", user.name, real.name),
        None => user.name,
    }
}

/// The values for an impersonation of `user`, if the person really behind the current code
/// may do it.
fn acting_as(user: User) -> Result<Auth, NotAllowed> {
    let real = Auth::real_user().unwrap_or_else(Auth::user);
    if !real.admin {
        return Err(NotAllowed { by: real.name });
    }
    Ok(Auth {
        user,
        real_user: Some(real),
    })
}

/// Runs `f` as `user`. The previous user is back when `f` returns or panics.
pub fn impersonate<R>(user: User, f: impl FnOnce() -> R) -> Result<R, NotAllowed> {
    Ok(acting_as(user)?.sync_scope(f))
}

/// Runs `fut` as `user`, in a child context: the caller's context is never changed, whether
/// `fut` completes, panics or is dropped unfinished.
pub async fn impersonate_async<F: Future>(user: User, fut: F) -> Result<F::Output, NotAllowed> {
    let scoped = acting_as(user)?.scope(fut);
    Ok(scoped.await)
}

/// Runs the demo; returns the transcript.
pub fn run_demo() -> Vec<String> {
    let alice = User::new("alice", true);
    let bob = User::new("bob", false);
    let carol = User::new("carol", false);
    let mut out = Vec::new();

    out.push(format!("before login: {}", whoami()));
    login(alice.clone());
    out.push(format!("logged in: {}", whoami()));

    let inside = impersonate(bob.clone(), whoami).unwrap();
    out.push(format!("impersonating bob: {inside}"));
    out.push(format!("afterwards: {}", whoami()));

    let nested = impersonate(bob.clone(), || {
        let inner = impersonate(carol.clone(), whoami).unwrap();
        (inner, whoami())
    })
    .unwrap();
    out.push(format!("nested, inner: {}", nested.0));
    out.push(format!("nested, back in the outer: {}", nested.1));
    out.push(format!("afterwards: {}", whoami()));

    let panicked = catch_unwind(AssertUnwindSafe(|| {
        impersonate(bob.clone(), || panic!("the report generator crashed"))
    }));
    out.push(format!(
        "a panic while impersonating bob: {}",
        if panicked.is_err() { "caught" } else { "none" }
    ));
    out.push(format!("afterwards: {}", whoami()));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let seen = impersonate_async(bob.clone(), async {
            let child = ctxlocal::spawn(async { whoami() }).await.unwrap();
            let blocking = ctxlocal::sync_to_async(whoami).await;
            format!("a spawned task: {child}; a blocking call: {blocking}")
        })
        .await
        .unwrap();
        out.push(format!("async, as bob: {seen}"));
        out.push(format!("afterwards: {}", whoami()));

        // An impersonating future that is polled once, suspends, and is then dropped.
        let seen_inside = std::cell::RefCell::new(String::new());
        let mut suspended = std::pin::pin!(impersonate_async(carol.clone(), async {
            *seen_inside.borrow_mut() = whoami();
            std::future::pending::<()>().await;
        }));
        tokio::select! {
            biased;
            _ = &mut suspended => unreachable!("it never finishes"),
            () = std::future::ready(()) => {}
        }
        out.push(format!(
            "a future acting as carol, suspended: it sees {}, the caller sees {}",
            seen_inside.borrow(),
            whoami()
        ));
    });
    out.push(format!("after it was dropped: {}", whoami()));

    login(bob.clone());
    let refused = impersonate(alice, whoami).unwrap_err();
    out.push(format!(
        "logged in as bob, impersonating alice: refused ({refused})"
    ));
    out
}

fn main() {
    // The demo panics on purpose once: one line instead of the default report.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("(a panic, caught by the demo: {info})")
    }));
    for line in run_demo() {
        println!("{line}");
    }
}
