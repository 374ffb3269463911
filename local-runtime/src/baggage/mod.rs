//! Typed fields across services, as W3C Baggage (feature `baggage`).
//!
//! Fields marked `#[local(propagate)]` (or `#[local(propagate = "key")]`) travel with outgoing
//! requests in the [`baggage` header](https://www.w3.org/TR/baggage/), the standard that
//! OpenTelemetry propagates in every language, and are read back into the typed context of the
//! service that receives them. A field's value goes to text with `Display` and comes back with
//! `FromStr`; a field of type `Option<T>` is sent when it is `Some`.
//!
//! ```standalone_crate
//! use ctxlocal::{async_local, baggage};
//!
//! #[async_local]
//! struct RequestCtx {
//!     #[local(propagate)]
//!     request_id: String,
//!     #[local(propagate = "user.id", default)]
//!     user: Option<u64>,
//!     password: String, // never leaves this service
//! }
//!
//! // Service A, before calling service B:
//! RequestCtx::set_request_id("req 7".into());
//! RequestCtx::set_user(Some(42));
//! let mut headers = http::HeaderMap::new();
//! headers.insert("baggage", "vendor=opaque;prop".parse().unwrap()); // someone else's entry
//! baggage::inject(&mut headers);
//! assert_eq!(headers["baggage"], "request_id=req%207,user.id=42,vendor=opaque;prop");
//! # RequestCtx::set_request_id("a=b".into());
//! # let mut h = http::HeaderMap::new();
//! # baggage::inject(&mut h);
//! # assert_eq!(h["baggage"], "request_id=a%3Db,user.id=42");
//!
//! // Service B, on receiving it:
//! let context = baggage::extract(&headers);
//! let seen = context.run(|| (RequestCtx::request_id(), RequestCtx::user()));
//! assert_eq!(seen, (Some("req 7".to_owned()), Some(42)));
//! ```
//!
//! Each key belongs to one field. Two fields of one struct propagated under one key are a
//! compile error; fields of different structs (possibly in different crates) meet only in the
//! program, so there the first call of [`inject`] or an `extract` function panics, naming the
//! key and both fields, rather than deliver one struct's value into the other's field. Give one
//! of them its own key with `#[local(propagate = "other-key")]`.
//!
//! With tower (features `baggage` and `tower`): [`ExtractLayer`] on the server (inside a
//! [`ScopeLayer`](crate::tower::ScopeLayer), or alone) and [`InjectLayer`] on the client.
//!
//! # Following the specification
//!
//! - Values are percent-encoded UTF-8: every byte outside the header's allowed characters, `%`
//!   itself and `=` (which some parsers, OpenTelemetry's among them, wrongly split values at)
//!   are sent as `%XX`; received values are percent-decoded (`=` is accepted unescaped).
//! - Optional whitespace around keys, values, `=`, `;` and `,` is accepted; several `baggage`
//!   headers are read as one list; properties (`;prop`, `;k=v`) of other systems' entries are
//!   kept when passing them on.
//! - A member that breaks the grammar (bad key, bad character, bad percent-escape, not UTF-8)
//!   is dropped alone; the others are kept. A field whose text does not parse (`user=abc` for a
//!   `u64`) is left unset.
//! - Limits: at least 64 members and 8192 bytes are propagated, as the specification requires.
//!   We keep up to [`MAX_MEMBERS`] members and [`MAX_BYTES`] bytes; beyond that whole members
//!   are dropped (other systems' first, when injecting), never the whole header, and parsing
//!   allocates nothing beyond those limits whatever the input.
//! - With duplicate keys, the first valid member wins.

use core::fmt;

use http::{HeaderMap, HeaderValue};

use crate::propagation::Lookup;

mod grammar;
#[cfg(feature = "tower")]
mod layers;
mod propagate;

use grammar::*;
#[cfg(feature = "tower")]
pub use layers::{Extract, ExtractLayer, Inject, InjectLayer};
pub use propagate::{extract, extract_baggage, extract_into, inject};
#[cfg(feature = "opentelemetry")]
pub(crate) use propagate::{extract_from, is_propagated, with_fields};

/// The header name.
pub const HEADER: &str = "baggage";

/// Most members kept: the grammar's upper bound (the specification requires at least 64).
pub const MAX_MEMBERS: usize = 180;

/// Most bytes kept, counting the header value as sent (the specification requires at least
/// 8192).
pub const MAX_BYTES: usize = 8192;

/// A parsed baggage list: members in order, each with its decoded value and its properties.
///
/// ```
/// use ctxlocal::baggage::Baggage;
///
/// let baggage = Baggage::parse(b"tenant=acme,region=eu%20west;ttl=3");
/// let members: Vec<_> = baggage.iter().collect();
/// assert_eq!(members, [("tenant", "acme"), ("region", "eu west")]);
/// // Sent back as it came: values re-encoded, properties kept.
/// assert_eq!(baggage.to_string(), "tenant=acme,region=eu%20west;ttl=3");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Baggage {
    members: Vec<Member>,
    /// Encoded size of the members, separators included.
    bytes: usize,
}

#[derive(Clone, PartialEq, Eq)]
struct Member {
    key: String,
    value: String,
    /// Normalised properties, each with its leading `;` (empty if none).
    properties: String,
}

impl Member {
    fn encoded_len(&self) -> usize {
        self.key.len() + 1 + encoded_len(&self.value) + self.properties.len()
    }
}

impl Baggage {
    /// An empty list.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    ///
    /// assert!(Baggage::new().is_empty());
    /// assert_eq!(Baggage::new().to_header_value(), None);
    /// ```
    pub const fn new() -> Self {
        Baggage {
            members: Vec::new(),
            bytes: 0,
        }
    }

    /// Parses a header value, keeping every valid member within the limits and dropping the
    /// others (see the [module documentation](self)). Never fails, never panics.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    ///
    /// let baggage = Baggage::parse(b" userId = alice , bad key=1, serverNode=DF%2028;p ");
    /// assert_eq!(baggage.get("userId"), Some("alice"));
    /// assert_eq!(baggage.get("serverNode"), Some("DF 28"));
    /// assert_eq!(baggage.len(), 2);
    /// ```
    pub fn parse(header: &[u8]) -> Baggage {
        let mut baggage = Baggage::new();
        baggage.extend_from(header);
        baggage
    }

    /// Parses every `baggage` header of `headers`, as one list.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    /// use http::{HeaderMap, HeaderValue};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.append("baggage", HeaderValue::from_static("a=1"));
    /// headers.append("baggage", HeaderValue::from_static("b=2"));
    /// assert_eq!(Baggage::from_headers(&headers).len(), 2);
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Baggage {
        let mut baggage = Baggage::new();
        for value in headers.get_all(HEADER) {
            baggage.extend_from(value.as_bytes());
        }
        baggage
    }

    /// Adds the members of one header value (see [`Baggage::parse`]).
    pub(crate) fn extend_from(&mut self, header: &[u8]) {
        for raw in header.split(|&b| b == b',') {
            if self.members.len() >= MAX_MEMBERS {
                return;
            }
            // First the grammar and the size, without allocating; a member is only copied
            // once it is known to fit, so memory stays bounded by the limits, not the input.
            let Some(scanned) = scan_member(raw) else {
                continue;
            };
            let key = scanned.key_str();
            if self.get(key).is_some() {
                continue; // the first valid member with a key wins
            }
            if self.size_with(scanned.encoded_len).is_none() {
                continue; // too large for what is left: dropped whole
            }
            if let Some(member) = scanned.materialize() {
                self.push_within_limits(member);
            }
        }
    }

    /// The encoded size of the list with one more member of `encoded_len` bytes, if that
    /// member fits the limits.
    fn size_with(&self, encoded_len: usize) -> Option<usize> {
        let separator = usize::from(!self.members.is_empty());
        let bytes = self.bytes + separator + encoded_len;
        (self.members.len() < MAX_MEMBERS && bytes <= MAX_BYTES).then_some(bytes)
    }

    /// Appends `member` if it fits the limits; drops it otherwise.
    fn push_within_limits(&mut self, member: Member) {
        if let Some(bytes) = self.size_with(member.encoded_len()) {
            self.bytes = bytes;
            self.members.push(member);
        }
    }

    /// Adds a member from its parts: `value` decoded, `properties` as written after the value's
    /// `;` (empty for none). It is added if `key` and `properties` follow the grammar, no member
    /// has `key` yet, and it fits the limits; returns whether it was.
    #[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
    pub(crate) fn push(&mut self, key: &str, value: &str, properties: &str) -> bool {
        if self.get(key).is_some() {
            return false;
        }
        // The key and properties go through the same scanner as received members.
        let properties = properties.trim();
        let raw = if properties.is_empty() {
            format!("{key}=")
        } else {
            format!("{key}=;{properties}")
        };
        let Some(member) = scan_member(raw.as_bytes()).and_then(|scanned| scanned.materialize())
        else {
            return false;
        };
        if member.key != key {
            return false; // `key` held `=`, `;` or whitespace
        }
        let members = self.members.len();
        self.push_within_limits(Member {
            value: value.to_owned(),
            ..member
        });
        self.members.len() > members
    }

    /// `(key, value, properties)` of each member, in order: the value decoded, the properties
    /// as they are sent after the value's `;` (empty for none).
    #[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
    pub(crate) fn members(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.members.iter().map(|member| {
            let properties = member.properties.strip_prefix(';').unwrap_or_default();
            (member.key.as_str(), member.value.as_str(), properties)
        })
    }

    /// The value of the first member with `key`, percent-decoded.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    ///
    /// let baggage = Baggage::parse(b"user=ada%20l,user=bob");
    /// assert_eq!(baggage.get("user"), Some("ada l")); // the first one wins
    /// assert_eq!(baggage.get("tenant"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|member| member.key == key)
            .map(|member| member.value.as_str())
    }

    /// `(key, value)` of each member, in order.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    ///
    /// let baggage = Baggage::parse(b"b=2,a=1");
    /// let keys: Vec<_> = baggage.iter().map(|(key, _)| key).collect();
    /// assert_eq!(keys, ["b", "a"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.members
            .iter()
            .map(|member| (member.key.as_str(), member.value.as_str()))
    }

    /// Number of members.
    ///
    /// ```
    /// assert_eq!(ctxlocal::baggage::Baggage::parse(b"a=1, b=2").len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True if there is no member.
    ///
    /// ```
    /// assert!(ctxlocal::baggage::Baggage::parse(b"not a member").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The header value to send (`None` if empty). Always valid, and within the limits.
    ///
    /// ```
    /// use ctxlocal::baggage::Baggage;
    ///
    /// let value = Baggage::parse(b"note=a%2Cb").to_header_value().unwrap();
    /// assert_eq!(value, "note=a%2Cb");
    /// ```
    pub fn to_header_value(&self) -> Option<HeaderValue> {
        if self.members.is_empty() {
            return None;
        }
        // Only token characters, baggage octets, `%XX`, `=`, `;` and `,`: always valid.
        HeaderValue::from_str(&self.to_string()).ok()
    }
}

impl fmt::Display for Baggage {
    /// The encoded list, as sent in the header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, member) in self.members.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            f.write_str(&member.key)?;
            f.write_str("=")?;
            encode(&member.value, f)?;
            f.write_str(&member.properties)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Lookup for Baggage {
    fn lookup(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_specifications_examples() {
        let b = Baggage::parse(
            b"key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
        );
        assert_eq!(
            b.iter().collect::<Vec<_>>(),
            [("key1", "value1"), ("key2", "value2"), ("key3", "value3")]
        );
        assert_eq!(
            b.to_string(),
            "key1=value1;property1;property2,key2=value2,key3=value3;propertyKey=propertyValue"
        );
        let b = Baggage::parse(b"userId=alice,serverNode=DF%2028,isProduction=false");
        assert_eq!(b.get("serverNode"), Some("DF 28"));
    }

    #[test]
    fn values_may_contain_equal_signs_and_empty_values_are_allowed() {
        let b = Baggage::parse(b"a=x=y==,b=");
        assert_eq!(b.get("a"), Some("x=y=="));
        assert_eq!(b.get("b"), Some(""));
    }

    #[test]
    fn one_bad_member_does_not_poison_the_others() {
        for bad in [
            &b"bad key=1"[..],
            b"k=%zz",
            b"k=%4",
            b"k=\"quoted\"",
            b"=novalue",
            b"noequals",
            b"k=v;bad prop",
            b"k=%FF%FE",
            b"k=\xff",
        ] {
            let mut header = b"a=1,".to_vec();
            header.extend_from_slice(bad);
            header.extend_from_slice(b",z=2");
            let b = Baggage::parse(&header);
            assert_eq!(
                b.iter().collect::<Vec<_>>(),
                [("a", "1"), ("z", "2")],
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn encoding_round_trips_any_text() {
        let text = "a b,c;d\\e\"f%g=h\u{e9}\u{1F600}\t\n";
        let mut b = Baggage::new();
        b.push_within_limits(Member {
            key: "k".into(),
            value: text.into(),
            properties: String::new(),
        });
        let header = b.to_header_value().unwrap();
        assert_eq!(Baggage::parse(header.as_bytes()).get("k"), Some(text));
    }

    #[test]
    fn members_pushed_from_parts_are_checked_like_received_ones() {
        let mut b = Baggage::new();
        assert!(b.push("tenant", "a b,c", "ttl=3; p"));
        assert!(!b.push("tenant", "again", ""), "the first one wins");
        assert!(!b.push("bad key", "v", ""));
        assert!(!b.push("k=v", "v", ""));
        assert!(!b.push("k", "v", "bad prop"));
        assert!(b.push("plain", "", ""));
        assert_eq!(b.to_string(), "tenant=a%20b%2Cc;ttl=3;p,plain=");
        let members: Vec<_> = b.members().collect();
        assert_eq!(members, [("tenant", "a b,c", "ttl=3;p"), ("plain", "", "")]);
    }

    #[test]
    fn limits_drop_whole_members_never_the_header() {
        let many: String = (0..1_000).map(|i| format!("k{i}=v{i},")).collect();
        let b = Baggage::parse(many.as_bytes());
        assert_eq!(b.len(), MAX_MEMBERS);
        assert_eq!(b.get("k0"), Some("v0"));
        let big = format!("a=1,huge={},b=2", "x".repeat(10_000));
        let b = Baggage::parse(big.as_bytes());
        assert_eq!(b.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
        let to_the_limit: String = (0..64)
            .map(|i| format!("key{i:02}={},", "v".repeat(120)))
            .collect();
        let b = Baggage::parse(to_the_limit.as_bytes());
        assert_eq!(b.len(), 64, "64 members of 127 bytes fit in 8192");
        assert!(b.to_string().len() <= MAX_BYTES);
    }
}
