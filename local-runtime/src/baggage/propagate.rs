//! Between the `baggage` header and the context: [`inject`] writes the propagated fields of the
//! current context, the `extract` functions read them into a [`Context`].

use http::HeaderMap;

use super::{Baggage, HEADER, Member};
use crate::context::Context;
use crate::propagation::{Lookup, registered};

/// Writes the propagated fields set in the current context into the `baggage` header of
/// `headers`, keeping the entries of other systems already there (ours replace theirs with the
/// same key). If the limits force members out, other systems' go first.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
///
/// ```standalone_crate
/// use ctxlocal::{async_local, baggage};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
/// }
///
/// RequestCtx::set_request_id("r-1".into());
/// let mut headers = http::HeaderMap::new();
/// baggage::inject(&mut headers);
/// assert_eq!(headers["baggage"], "request_id=r-1");
/// ```
pub fn inject(headers: &mut HeaderMap) {
    let baggage = with_fields(Baggage::from_headers(headers));
    headers.remove(HEADER);
    if let Some(value) = baggage.to_header_value() {
        headers.insert(HEADER, value);
    }
}

/// The propagated fields set in the current context, then the members of `existing` whose
/// keys they do not have (properties kept); if the limits force members out, `existing`'s go
/// first.
pub(crate) fn with_fields(existing: Baggage) -> Baggage {
    let registered = registered();
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
    baggage
}

/// Whether `key` is the key of a propagated field.
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
pub(crate) fn is_propagated(key: &str) -> bool {
    registered()
        .iter()
        .any(|propagation| propagation.fields.iter().any(|field| field.key == key))
}

/// A context holding the propagated fields found in the `baggage` headers of `headers`
/// (nothing else). See [`extract_into`] to add them to an existing context.
///
/// # Panics
///
/// If two fields of the program are propagated under one key (see the
/// [module documentation](crate::baggage)).
///
/// ```standalone_crate
/// use ctxlocal::{async_local, baggage};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
/// }
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "request_id=r-2".parse().unwrap());
/// let context = baggage::extract(&headers);
/// assert_eq!(context.run(RequestCtx::request_id).as_deref(), Some("r-2"));
/// ```
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
///
/// ```standalone_crate
/// use ctxlocal::{async_local, baggage};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
///     user: u64, // local only
/// }
///
/// RequestCtx::set_user(7);
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "request_id=r-3".parse().unwrap());
/// let context = baggage::extract_into(&headers, ctxlocal::Context::current());
/// let seen = context.run(|| (RequestCtx::request_id(), RequestCtx::user()));
/// assert_eq!(seen, (Some("r-3".to_owned()), Some(7)));
/// ```
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
///
/// ```standalone_crate
/// use ctxlocal::{async_local, baggage};
///
/// #[async_local]
/// struct RequestCtx {
///     #[local(propagate)]
///     request_id: String,
/// }
///
/// // From a message queue's headers rather than HTTP:
/// let baggage = baggage::Baggage::parse(b"request_id=r-4,other=x");
/// let context = baggage::extract_baggage(&baggage, ctxlocal::Context::empty());
/// assert_eq!(context.run(RequestCtx::request_id).as_deref(), Some("r-4"));
/// ```
pub fn extract_baggage(baggage: &Baggage, context: Context) -> Context {
    if baggage.is_empty() {
        // Still checked, so that a key shared by two fields is reported whatever the request
        // carries.
        registered();
        return context;
    }
    extract_from(baggage, context)
}

/// `context` with the propagated fields whose keys `source` has set (where their text parses).
pub(crate) fn extract_from(source: &dyn Lookup, mut context: Context) -> Context {
    for propagation in registered() {
        (propagation.extract)(&mut context, source);
    }
    context
}
