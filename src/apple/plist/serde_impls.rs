//! Serde: JSON views of plist values and of every generated type.
//!
//! JSON has no `data` or `date`. Typed fields (`Bytes`, `Date`) are written as a base64 string
//! and as `YYYY-MM-DDTHH:MM:SSZ`. An untyped [`Value`] (unknown keys, `<any>`) writes them as
//! `{"$data": "<base64>"}` and `{"$date": "…"}`, so that it reads back as what it was: a JSON
//! round trip loses nothing. (A dictionary whose only key is `$data` or `$date` with a string
//! value therefore reads back as data or a date.)

use super::value::{DATA_TAG, DATE_TAG, Date, Dictionary, Integer, Value};
use base64::Engine as _;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a plist-compatible value (no null)")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(Integer::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Integer(Integer::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Real(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Data(bytes::Bytes::copy_from_slice(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = a.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Value, A::Error> {
        let d = DictVisitor.visit_map(a)?;
        // `{"$data": base64}` and `{"$date": text}` are how data and dates travel in JSON.
        if d.len() == 1 {
            if let Some(Value::String(b64)) = d.get(DATA_TAG) {
                return decode::<A::Error>(b64).map(|b| Value::Data(bytes::Bytes::from(b)));
            }
            if let Some(Value::String(text)) = d.get(DATE_TAG) {
                return Date::parse_xml(text)
                    .map(Value::Date)
                    .ok_or_else(|| de::Error::custom("invalid date"));
            }
        }
        Ok(Value::Dictionary(d))
    }
}

struct DictVisitor;

impl<'de> Visitor<'de> for DictVisitor {
    type Value = Dictionary;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Dictionary, A::Error> {
        let mut d = Dictionary::new();
        while let Some((k, v)) = a.next_entry::<String, Value>()? {
            if d.insert(k, v).is_some() {
                return Err(de::Error::custom("duplicate key"));
            }
        }
        Ok(d)
    }
}

impl<'de> Deserialize<'de> for Dictionary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(DictVisitor)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse_xml(&s).ok_or_else(|| de::Error::custom("invalid date"))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for crate::Sensitive<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(crate::Sensitive::new)
    }
}

/// Bytes-like values that serde writes as base64 strings.
pub trait AsData: Sized {
    /// The bytes.
    fn data(&self) -> &[u8];
    /// From decoded bytes.
    fn from_data(bytes: Vec<u8>) -> Self;
}

impl AsData for bytes::Bytes {
    fn data(&self) -> &[u8] {
        self
    }
    fn from_data(bytes: Vec<u8>) -> Self {
        bytes::Bytes::from(bytes)
    }
}

impl AsData for crate::Sensitive<bytes::Bytes> {
    fn data(&self) -> &[u8] {
        self.expose()
    }
    fn from_data(bytes: Vec<u8>) -> Self {
        crate::Sensitive::new(bytes::Bytes::from(bytes))
    }
}

fn encode(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn decode<E: de::Error>(s: &str) -> Result<Vec<u8>, E> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| E::custom("invalid base64"))
}

/// `#[serde(with = "…::one")]` for a `data` field.
pub mod one {
    use super::{AsData, decode, encode};
    use serde::{Deserialize, Deserializer, Serializer};
    /// Writes base64.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer, T: AsData>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v.data()))
    }
    /// Reads base64.
    ///
    /// # Errors
    /// Invalid base64.
    pub fn deserialize<'de, D: Deserializer<'de>, T: AsData>(d: D) -> Result<T, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode(&s).map(T::from_data)
    }
}

/// `#[serde(with = "…::opt")]` for an optional `data` field.
pub mod opt {
    use super::{AsData, decode, encode};
    use serde::{Deserialize, Deserializer, Serializer};
    /// Writes base64 or none.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer, T: AsData>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&encode(v.data())),
            None => s.serialize_none(),
        }
    }
    /// Reads base64 or null.
    ///
    /// # Errors
    /// Invalid base64.
    pub fn deserialize<'de, D: Deserializer<'de>, T: AsData>(d: D) -> Result<Option<T>, D::Error> {
        let s = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        s.map(|s| decode(&s).map(T::from_data)).transpose()
    }
}

/// `#[serde(with = "…::vec")]` for an array of `data`.
pub mod vec {
    use super::{AsData, decode, encode};
    use serde::{Deserialize, Deserializer, Serializer};
    /// Writes base64 strings.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer, T: AsData>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|b| encode(b.data())))
    }
    /// Reads base64 strings.
    ///
    /// # Errors
    /// Invalid base64.
    pub fn deserialize<'de, D: Deserializer<'de>, T: AsData>(d: D) -> Result<Vec<T>, D::Error> {
        let v = <Vec<String>>::deserialize(d)?;
        v.iter().map(|s| decode(s).map(T::from_data)).collect()
    }
}

/// `#[serde(with = "…::opt_vec")]` for an optional array of `data`.
pub mod opt_vec {
    use super::{AsData, decode, encode};
    use serde::{Deserialize, Deserializer, Serializer};
    /// Writes base64 strings or none.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer, T: AsData>(
        v: &Option<Vec<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(&v.iter().map(|b| encode(b.data())).collect::<Vec<_>>()),
            None => s.serialize_none(),
        }
    }
    /// Reads base64 strings or null.
    ///
    /// # Errors
    /// Invalid base64.
    pub fn deserialize<'de, D: Deserializer<'de>, T: AsData>(
        d: D,
    ) -> Result<Option<Vec<T>>, D::Error> {
        let v = <Option<Vec<String>>>::deserialize(d)?;
        v.map(|v| v.iter().map(|s| decode(s).map(T::from_data)).collect())
            .transpose()
    }
}
