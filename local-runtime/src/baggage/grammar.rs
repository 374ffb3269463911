//! The W3C Baggage grammar: scanning members, keys, values and properties, and percent-
//! encoding values, within the limits (see the parent module's "Following the specification").

use core::fmt::{self, Write as _};

use super::Member;

/// RFC 7230 `tchar`.
pub(super) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `baggage-octet`: printable US-ASCII except space, `"`, `,`, `;` and `\`.
pub(super) fn is_baggage_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

pub(super) fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

pub(super) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_token_char(b))
}

/// A member that follows the grammar, located in the input but not copied yet.
pub(super) struct Scanned<'a> {
    pub(super) key: &'a [u8],
    pub(super) value: &'a [u8],
    pub(super) properties: &'a [u8],
    /// Length of the member once normalised and re-encoded (what it costs in the limits).
    pub(super) encoded_len: usize,
}

impl Scanned<'_> {
    pub(super) fn key_str(&self) -> &str {
        // Keys are checked to be tokens, which are ASCII.
        core::str::from_utf8(self.key).unwrap_or_default()
    }

    /// Copies the member: decodes the value (`None` if it is not UTF-8) and normalises the
    /// properties. Allocates about `encoded_len` bytes.
    pub(super) fn materialize(&self) -> Option<Member> {
        let value = percent_decode(self.value)?;
        let mut properties = String::with_capacity(self.properties.len());
        for (key, value) in split_properties(self.properties) {
            properties.push(';');
            properties.push_str(core::str::from_utf8(key).ok()?);
            if let Some(value) = value {
                properties.push('=');
                properties.push_str(core::str::from_utf8(value).ok()?);
            }
        }
        Some(Member {
            key: self.key_str().to_owned(),
            value,
            properties,
        })
    }
}

/// Checks `key OWS "=" OWS value *( OWS ";" OWS property )` without allocating; `None` if it
/// breaks the grammar (bad key or property, bad character, bad percent-escape).
pub(super) fn scan_member(raw: &[u8]) -> Option<Scanned<'_>> {
    let raw = trim_ows(raw);
    if raw.is_empty() {
        return None;
    }
    let pair_end = raw.iter().position(|&b| b == b';').unwrap_or(raw.len());
    let (pair, properties) = raw.split_at(pair_end);
    let equals = pair.iter().position(|&b| b == b'=')?;
    let key = trim_ows(&pair[..equals]);
    let value = trim_ows(&pair[equals + 1..]);
    if !is_token(key) || !value.iter().all(|&b| is_baggage_octet(b)) {
        return None;
    }
    let mut encoded_len = key.len() + 1 + decoded_encoded_len(value)?;
    for (key, value) in split_properties(properties) {
        if !is_token(key) {
            return None;
        }
        encoded_len += 1 + key.len();
        if let Some(value) = value {
            if !value.iter().all(|&b| is_baggage_octet(b)) {
                return None;
            }
            encoded_len += 1 + value.len();
        }
    }
    Some(Scanned {
        key,
        value,
        properties,
        encoded_len,
    })
}

/// The properties after a member's value (`;a;b=c`), each as its key and optional value
/// without surrounding whitespace.
pub(super) fn split_properties(properties: &[u8]) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
    properties.split(|&b| b == b';').skip(1).map(|property| {
        let property = trim_ows(property);
        match property.iter().position(|&b| b == b'=') {
            None => (property, None),
            Some(equals) => (
                trim_ows(&property[..equals]),
                Some(trim_ows(&property[equals + 1..])),
            ),
        }
    })
}

/// The bytes `value` (raw, percent-encoded) decodes to; `None` items at bad percent-escapes.
pub(super) fn percent_decoded(value: &[u8]) -> impl Iterator<Item = Option<u8>> + '_ {
    let mut bytes = value.iter();
    core::iter::from_fn(move || {
        let &b = bytes.next()?;
        if b != b'%' {
            return Some(Some(b));
        }
        let mut digit = || bytes.next().and_then(|&b| hex_digit(b));
        let high = digit();
        let low = digit();
        Some(high.zip(low).map(|(high, low)| high << 4 | low))
    })
}

/// The length `value` (raw, percent-encoded) will have once decoded and re-encoded, or `None`
/// on a bad percent-escape. Allocates nothing.
pub(super) fn decoded_encoded_len(value: &[u8]) -> Option<usize> {
    percent_decoded(value)
        .map(|byte| byte.map(escaped_len))
        .sum()
}

pub(super) fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `value` (all baggage octets); `None` on a bad escape or non-UTF-8 result.
pub(super) fn percent_decode(value: &[u8]) -> Option<String> {
    let decoded = percent_decoded(value).collect::<Option<Vec<u8>>>()?;
    String::from_utf8(decoded).ok()
}

/// Bytes sent as `%XX` in values: those the grammar forbids, `%` itself, and `=`, which the
/// grammar allows but some parsers (OpenTelemetry's among them) wrongly split values at.
pub(super) fn needs_escape(b: u8) -> bool {
    !is_baggage_octet(b) || b == b'%' || b == b'='
}

/// Length of byte `b` in a sent value: 3 if it goes as `%XX`.
pub(super) fn escaped_len(b: u8) -> usize {
    if needs_escape(b) { 3 } else { 1 }
}

pub(super) fn encoded_len(value: &str) -> usize {
    value.bytes().map(escaped_len).sum()
}

pub(super) fn encode(value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for b in value.bytes() {
        if needs_escape(b) {
            write!(f, "%{b:02X}")?;
        } else {
            // Not escaped: a baggage octet, which is ASCII.
            f.write_char(char::from(b))?;
        }
    }
    Ok(())
}
