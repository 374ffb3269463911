//! Two structs propagating one baggage key (DESIGN 4d): the first use of `ctxlocal::baggage`
//! panics, naming the key and both fields, instead of delivering one struct's value into the
//! other's field. Fields of one struct sharing a key are a compile error
//! (`ui-tests/fail/propagate-duplicate-key.rs`); across structs, possibly in different crates,
//! they only meet in the program's registry.
//!
//! The registry is process-wide: every baggage call of this test binary panics, so it holds
//! nothing else.
#![cfg(feature = "baggage")]

use std::panic::{UnwindSafe, catch_unwind};

use ctxlocal::{Context, async_local, baggage};
use http::{HeaderMap, HeaderValue};

mod support;

#[async_local]
struct Tenant {
    #[local(propagate = "tenant")]
    name: String,
}

mod billing {
    /// Another part of the program, unaware of `Tenant`, picks the same key.
    #[ctxlocal::async_local]
    pub struct Billing {
        #[local(propagate = "tenant")]
        pub account: String,
        #[local(propagate = "plan")]
        pub plan: String,
    }
}

/// The message `f` panics with; fails the test if it returns.
fn panic_of(f: impl FnOnce() + UnwindSafe) -> String {
    support::quiet_expected_panics();
    let payload = catch_unwind(f).expect_err("a shared key must not go unreported");
    support::panic_message(&*payload)
}

fn assert_names_the_key_both_fields_and_the_fix(message: &str) {
    assert!(
        message.contains(
            "key `tenant`: `baggage_duplicate_keys::Tenant::name` and \
             `baggage_duplicate_keys::billing::Billing::account`"
        ),
        "{message}"
    );
    assert!(
        message.contains("#[local(propagate = \"other-key\")]"),
        "{message}"
    );
    assert!(
        !message.contains("`plan`"),
        "only the shared key is reported: {message}"
    );
}

#[test]
fn inject_panics_naming_the_key_both_fields_and_the_fix() {
    let message = panic_of(|| {
        Context::empty().run(|| {
            Tenant::set_name("acme".into());
            billing::Billing::set_account("globex".into());
            baggage::inject(&mut HeaderMap::new());
        });
    });
    assert_names_the_key_both_fields_and_the_fix(&message);
}

#[test]
fn extract_panics_rather_than_set_the_value_in_both_fields() {
    let mut headers = HeaderMap::new();
    headers.insert(baggage::HEADER, HeaderValue::from_static("tenant=acme"));
    let message = panic_of(|| {
        let context = baggage::extract(&headers);
        // Not reached: with the key shared, `acme` would be both the tenant's name and the
        // billing account.
        context.run(|| drop((Tenant::name(), billing::Billing::account())));
    });
    assert_names_the_key_both_fields_and_the_fix(&message);
}

#[test]
fn every_call_panics_not_only_the_first_and_whatever_the_request_carries() {
    for _ in 0..2 {
        let message = panic_of(|| drop(baggage::extract(&HeaderMap::new())));
        assert_names_the_key_both_fields_and_the_fix(&message);
        let message = panic_of(|| baggage::inject(&mut HeaderMap::new()));
        assert_names_the_key_both_fields_and_the_fix(&message);
    }
}
