//! The lossless plist value tree.

use bytes::Bytes;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Any property list value.
///
/// Lossless for everything an XML or binary plist can hold: dictionary key order is kept,
/// integers span `i64::MIN..=u64::MAX`, data is shared [`Bytes`]. Binary-plist UIDs (which only
/// `NSKeyedArchiver` uses) become a `{"CF$UID": n}` dictionary, the same form the XML format uses.
///
/// ```
/// use mdmkit::apple::plist::Value;
/// let v = Value::from_xml(b"<plist><dict><key>Port</key><integer>443</integer></dict></plist>")?;
/// assert_eq!(v.as_dictionary().and_then(|d| d.get("Port")).and_then(Value::as_u64), Some(443));
/// # Ok::<(), mdmkit::DecodeError>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<array>`.
    Array(Vec<Value>),
    /// `<dict>`.
    Dictionary(Dictionary),
    /// `<true/>` or `<false/>`.
    Boolean(bool),
    /// `<data>` (base64 on the wire).
    Data(Bytes),
    /// `<date>`.
    Date(Date),
    /// `<real>`.
    Real(f64),
    /// `<integer>`.
    Integer(Integer),
    /// `<string>`.
    String(String),
}

impl Value {
    /// The plist type name of this value, as used in error messages (`string`, `dictionary`, …).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Array(_) => "array",
            Value::Dictionary(_) => "dictionary",
            Value::Boolean(_) => "boolean",
            Value::Data(_) => "data",
            Value::Date(_) => "date",
            Value::Real(_) => "real",
            Value::Integer(_) => "integer",
            Value::String(_) => "string",
        }
    }
    /// The string, if this is a string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The dictionary, if this is one.
    #[must_use]
    pub fn as_dictionary(&self) -> Option<&Dictionary> {
        match self {
            Value::Dictionary(d) => Some(d),
            _ => None,
        }
    }
    /// The array, if this is one.
    #[must_use]
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    /// The boolean, if this is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }
    /// The bytes, if this is data.
    #[must_use]
    pub fn as_data(&self) -> Option<&Bytes> {
        match self {
            Value::Data(b) => Some(b),
            _ => None,
        }
    }
    /// The integer as `i64`, if this is an integer in range.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => i.as_i64(),
            _ => None,
        }
    }
    /// The integer as `u64`, if this is a non-negative integer.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Integer(i) => i.as_u64(),
            _ => None,
        }
    }
    /// The real, if this is one.
    #[must_use]
    pub fn as_real(&self) -> Option<f64> {
        match self {
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }
    /// The date, if this is one.
    #[must_use]
    pub fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Self { Value::$v(x.into()) }
        }
    )*};
}
value_from!(
    bool => Boolean, String => String, &str => String, Bytes => Data, Vec<u8> => Data,
    Date => Date, f64 => Real, i64 => Integer, u64 => Integer, i32 => Integer, u32 => Integer,
    Integer => Integer, Dictionary => Dictionary, Vec<Value> => Array,
);

/// A plist integer: any value from `i64::MIN` to `u64::MAX`, the range both plist formats carry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Integer(i128);

impl Integer {
    /// The value as `i64`, if it fits.
    #[must_use]
    pub fn as_i64(self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }
    /// The value as `u64`, if it is not negative.
    #[must_use]
    pub fn as_u64(self) -> Option<u64> {
        u64::try_from(self.0).ok()
    }
    /// The value widened to `i128`.
    #[must_use]
    pub fn as_i128(self) -> i128 {
        self.0
    }
    /// Parses the XML form: optional sign and decimal digits, or `0x` and hex digits (which
    /// CoreFoundation also accepts). Surrounding XML whitespace is ignored.
    pub(crate) fn parse_xml(s: &str) -> Result<Integer, IntegerParseError> {
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let (neg, digits) = match s.as_bytes().first() {
            Some(b'-') => (true, s.get(1..).unwrap_or("")),
            Some(b'+') => (false, s.get(1..).unwrap_or("")),
            _ => (false, s),
        };
        let (radix, digits) = match digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            Some(hex) => (16, hex),
            None => (10, digits),
        };
        if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
            return Err(IntegerParseError::Invalid);
        }
        // u64::MAX has 20 decimal / 16 hex digits; anything that overflows u128 is out of range.
        let magnitude =
            u128::from_str_radix(digits, radix).map_err(|_| IntegerParseError::Range)?;
        let value = if neg {
            i128::try_from(magnitude)
                .map(|m| -m)
                .map_err(|_| IntegerParseError::Range)?
        } else {
            i128::try_from(magnitude).map_err(|_| IntegerParseError::Range)?
        };
        if value < i128::from(i64::MIN) || value > i128::from(u64::MAX) {
            return Err(IntegerParseError::Range);
        }
        Ok(Integer(value))
    }
}

pub(crate) enum IntegerParseError {
    Invalid,
    Range,
}

impl From<i64> for Integer {
    fn from(v: i64) -> Self {
        Integer(i128::from(v))
    }
}
impl From<u64> for Integer {
    fn from(v: u64) -> Self {
        Integer(i128::from(v))
    }
}
impl From<i32> for Integer {
    fn from(v: i32) -> Self {
        Integer(i128::from(v))
    }
}
impl From<u32> for Integer {
    fn from(v: u32) -> Self {
        Integer(i128::from(v))
    }
}
impl fmt::Debug for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A plist date: a UTC instant with nanosecond precision.
///
/// XML plists carry whole seconds (`2024-05-01T12:00:00Z`); binary plists carry fractional
/// seconds, which the XML writer rounds down.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    secs: i64,
    nanos: u32,
}

impl Date {
    /// The earliest date the XML form can carry: 0000-01-01T00:00:00Z.
    pub const MIN: Date = Date {
        secs: -62_167_219_200,
        nanos: 0,
    };
    /// The latest date the XML form can carry: 9999-12-31T23:59:59Z.
    pub const MAX: Date = Date {
        secs: 253_402_300_799,
        nanos: 0,
    };

    /// Whether this date lies between [`Date::MIN`] and [`Date::MAX`] (four-digit years), the
    /// range an XML plist can carry.
    #[must_use]
    pub const fn in_xml_range(self) -> bool {
        self.secs >= Self::MIN.secs && self.secs <= Self::MAX.secs
    }

    /// The date `secs` seconds after (or before, if negative) 1970-01-01T00:00:00Z.
    #[must_use]
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Date { secs, nanos: 0 }
    }
    /// Seconds since 1970-01-01T00:00:00Z, rounded down.
    #[must_use]
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }
    /// The sub-second part, in nanoseconds.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }
    /// This date as a [`SystemTime`] (saturating at the platform's range).
    #[must_use]
    pub fn to_system_time(self) -> SystemTime {
        let t = if self.secs >= 0 {
            UNIX_EPOCH.checked_add(Duration::from_secs(self.secs.unsigned_abs()))
        } else {
            UNIX_EPOCH.checked_sub(Duration::from_secs(self.secs.unsigned_abs()))
        };
        t.and_then(|t| t.checked_add(Duration::from_nanos(u64::from(self.nanos))))
            .unwrap_or(UNIX_EPOCH)
    }

    /// Parses the XML plist form `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, with an
    /// optional fraction of a second.
    pub(crate) fn parse_xml(s: &str) -> Option<Date> {
        let s = s.trim_matches(|c: char| c.is_ascii_whitespace());
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(r)?;
            if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(part).ok()?.parse().ok()
        };
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = b.get(19..)?;
        let mut nanos: u32 = 0;
        if let Some((b'.', frac)) = rest.split_first() {
            let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            for (i, d) in frac.iter().take(digits).enumerate() {
                if i < 9 {
                    nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
                }
            }
            rest = frac.get(digits..)?;
        }
        let offset = match rest {
            b"Z" | b"z" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let h = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
                let m = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
                let off = h * 3600 + m * 60;
                if *sign == b'-' { -off } else { off }
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        let date = Date { secs, nanos };
        // An offset or a leap second can carry a date out of the four-digit-year range.
        date.in_xml_range().then_some(date)
    }

    /// The XML plist form, `YYYY-MM-DDTHH:MM:SSZ`.
    #[must_use]
    pub fn to_xml_string(self) -> String {
        let days = self.secs.div_euclid(86_400);
        let tod = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            tod / 3600,
            (tod % 3600) / 60,
            tod % 60
        )
    }
}

impl From<SystemTime> for Date {
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Date {
                secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let mut secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Date { secs, nanos }
            }
        }
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_xml_string())
    }
}
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_xml_string())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}
fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}
// Howard Hinnant's days_from_civil / civil_from_days.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An ordered plist dictionary: keys keep the order they were read or inserted in.
///
/// Lookups are linear, which is fastest for the small dictionaries MDM uses; decoders check
/// duplicate keys with a hash set when a dictionary grows large, so a hostile input cannot make
/// decoding quadratic.
#[derive(Clone, Default, PartialEq)]
pub struct Dictionary {
    entries: Vec<(String, Value)>,
}

impl Dictionary {
    /// An empty dictionary.
    #[must_use]
    pub const fn new() -> Self {
        Dictionary {
            entries: Vec::new(),
        }
    }
    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The value for `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
    /// Whether `key` is present.
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// Sets `key` to `value`: replaces it in place if present (returning the old value), else
    /// appends it.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }
    /// Appends without checking for an existing key; decoders check duplicates themselves.
    pub(crate) fn push_unchecked(&mut self, key: String, value: Value) {
        self.entries.push((key, value));
    }
    /// Removes `key`, keeping the order of the rest.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }
    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> + DoubleEndedIterator {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
}

impl fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

impl IntoIterator for Dictionary {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Dictionary {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut d = Dictionary::new();
        for (k, v) in iter {
            d.insert(k, v);
        }
        d
    }
}

// ---- serde (JSON views of decoded messages) ----

/// The JSON form of a [`Value::Data`] is `{"$data": "<base64>"}`.
pub(crate) const DATA_TAG: &str = "$data";
/// The JSON form of a [`Value::Date`] is `{"$date": "YYYY-MM-DDTHH:MM:SSZ"}`.
pub(crate) const DATE_TAG: &str = "$date";

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        match self {
            Value::Array(a) => a.serialize(s),
            Value::Dictionary(d) => d.serialize(s),
            Value::Boolean(b) => s.serialize_bool(*b),
            // JSON has no data or date: tagged so that they read back as what they were.
            Value::Data(b) => {
                use serde::ser::SerializeMap as _;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(
                    DATA_TAG,
                    &base64::engine::general_purpose::STANDARD.encode(b),
                )?;
                m.end()
            }
            Value::Date(d) => {
                use serde::ser::SerializeMap as _;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(DATE_TAG, &d.to_xml_string())?;
                m.end()
            }
            Value::Real(r) => s.serialize_f64(*r),
            Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
                (Some(v), _) => s.serialize_i64(v),
                (_, Some(v)) => s.serialize_u64(v),
                _ => s.serialize_i128(i.as_i128()),
            },
            Value::String(v) => s.serialize_str(v),
        }
    }
}

impl serde::Serialize for Dictionary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_xml_string())
    }
}

// ---- interop with the plist crate ----

impl From<plist::Value> for Value {
    fn from(v: plist::Value) -> Self {
        match v {
            plist::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            plist::Value::Dictionary(d) => Value::Dictionary(Dictionary {
                entries: d.into_iter().map(|(k, v)| (k, Value::from(v))).collect(),
            }),
            plist::Value::Boolean(b) => Value::Boolean(b),
            plist::Value::Data(d) => Value::Data(Bytes::from(d)),
            plist::Value::Date(d) => Value::Date(Date::from(SystemTime::from(d))),
            plist::Value::Real(r) => Value::Real(r),
            plist::Value::Integer(i) => Value::Integer(match (i.as_signed(), i.as_unsigned()) {
                (Some(s), _) => Integer::from(s),
                (_, Some(u)) => Integer::from(u),
                _ => Integer(0),
            }),
            plist::Value::String(s) => Value::String(s),
            plist::Value::Uid(u) => {
                let mut d = Dictionary::new();
                d.push_unchecked("CF$UID".to_owned(), Value::Integer(Integer::from(u.get())));
                Value::Dictionary(d)
            }
            // `plist::Value` is non-exhaustive; a future variant has no mdmkit equivalent yet.
            _ => Value::Dictionary(Dictionary::new()),
        }
    }
}

impl From<Value> for plist::Value {
    fn from(v: Value) -> Self {
        match v {
            Value::Array(a) => plist::Value::Array(a.into_iter().map(plist::Value::from).collect()),
            Value::Dictionary(d) => plist::Value::Dictionary(
                d.entries
                    .into_iter()
                    .map(|(k, v)| (k, plist::Value::from(v)))
                    .collect(),
            ),
            Value::Boolean(b) => plist::Value::Boolean(b),
            Value::Data(d) => plist::Value::Data(d.to_vec()),
            Value::Date(d) => plist::Value::Date(plist::Date::from(d.to_system_time())),
            Value::Real(r) => plist::Value::Real(r),
            Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
                (Some(s), _) => plist::Value::Integer(s.into()),
                (_, Some(u)) => plist::Value::Integer(u.into()),
                _ => plist::Value::Integer(0i64.into()),
            },
            Value::String(s) => plist::Value::String(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_xml_form() {
        for (s, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2001-01-01T00:00:00Z", 978_307_200),
            ("2024-02-29T23:59:59Z", 1_709_251_199),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            let d = Date::parse_xml(s).unwrap();
            assert_eq!(d.unix_seconds(), secs, "{s}");
            assert_eq!(d.to_xml_string(), s);
        }
        assert_eq!(
            Date::parse_xml("2024-01-01T01:00:00+01:00")
                .unwrap()
                .to_xml_string(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            Date::parse_xml("2024-01-01T00:00:00.5Z")
                .unwrap()
                .subsec_nanos(),
            500_000_000
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T00:00:00",
            "x",
            "",
            "2024-01-01T00:00:00+1:00",
            "２024-01-01T00:00:00Z",
        ] {
            assert!(Date::parse_xml(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn integers_cover_i64_min_to_u64_max() {
        let ok = |s: &str| Integer::parse_xml(s).ok().map(Integer::as_i128);
        assert_eq!(ok("18446744073709551615"), Some(i128::from(u64::MAX)));
        assert_eq!(ok("-9223372036854775808"), Some(i128::from(i64::MIN)));
        assert_eq!(ok(" 42\n"), Some(42));
        assert_eq!(ok("0x10"), Some(16));
        assert_eq!(ok("+7"), Some(7));
        assert!(matches!(
            Integer::parse_xml("18446744073709551616"),
            Err(IntegerParseError::Range)
        ));
        assert!(matches!(
            Integer::parse_xml("-9223372036854775809"),
            Err(IntegerParseError::Range)
        ));
        assert!(matches!(
            Integer::parse_xml("1e3"),
            Err(IntegerParseError::Invalid)
        ));
        assert!(matches!(
            Integer::parse_xml("-"),
            Err(IntegerParseError::Invalid)
        ));
        assert!(matches!(
            Integer::parse_xml(&"9".repeat(100)),
            Err(IntegerParseError::Range)
        ));
    }

    #[test]
    fn system_time_conversion_keeps_sub_seconds_before_epoch() {
        let t = UNIX_EPOCH - Duration::from_millis(1500);
        let d = Date::from(t);
        assert_eq!((d.unix_seconds(), d.subsec_nanos()), (-2, 500_000_000));
        assert_eq!(d.to_system_time(), t);
    }

    #[test]
    fn plist_crate_conversion_is_lossless() {
        let mut d = Dictionary::new();
        d.insert("z", 1i64);
        d.insert("a", Value::Data(Bytes::from_static(b"\x00\x01")));
        d.insert("max", u64::MAX);
        d.insert("min", i64::MIN);
        d.insert("when", Date::from_unix_seconds(1_700_000_000));
        let v = Value::Dictionary(d);
        let p = plist::Value::from(v.clone());
        assert_eq!(Value::from(p), v);
    }
}
