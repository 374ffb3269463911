//! Between the `baggage` header and the context: [`inject`] writes the propagated fields of the
//! current context, the `extract` functions read them into a [`Context`].

use http::HeaderMap;

use super::{Baggage, HEADER, Member};
use crate::context::Context;
use crate::propagation::registered;

/// Writes the propagated fields set in the current context into the `baggage` header of
/// `headers`, keeping the entries of other systems already there (ours replace theirs with the
/// same key). If the limits force members out, other systems' go first.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
pub fn inject(headers: &mut HeaderMap) {
    let registered = registered();
    let existing = Baggage::from_headers(headers);
    let mut baggage = Baggage::new();
    for propagation in registered {
        (propagation.inject)(&mut |key, value| {
            if baggage.get(key).is_none() {
                baggage.push_within_limits(Member {
                    key: key.to_owned(),
                    value,
                    properties: String::new(),
                });
            }
        });
    }
    for member in existing.members {
        if baggage.get(&member.key).is_none() {
            baggage.push_within_limits(member);
        }
    }
    headers.remove(HEADER);
    if let Some(value) = baggage.to_header_value() {
        headers.insert(HEADER, value);
    }
}

/// A context holding the propagated fields found in the `baggage` headers of `headers`
/// (nothing else). See [`extract_into`] to add them to an existing context.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
pub fn extract(headers: &HeaderMap) -> Context {
    extract_into(headers, Context::empty())
}

/// `context` with the propagated fields found in the `baggage` headers of `headers` set
/// (fields that are absent, or whose text does not parse, keep what `context` has).
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
pub fn extract_into(headers: &HeaderMap, context: Context) -> Context {
    let baggage = Baggage::from_headers(headers);
    extract_baggage(&baggage, context)
}

/// `context` with the propagated fields found in `baggage` set.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
pub fn extract_baggage(baggage: &Baggage, mut context: Context) -> Context {
    // First, so that a key shared by two fields is reported whatever the request carries.
    let registered = registered();
    if baggage.is_empty() {
        return context;
    }
    for propagation in registered {
        (propagation.extract)(&mut context, baggage);
    }
    context
}
