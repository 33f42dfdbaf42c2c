//! [`Map`]: a dictionary keyed by arbitrary names with values of one type.

use super::{Decoder, FromPlist, ToPlist, Token, Writer};
use crate::{DecodeError, DecodeErrorKind, EncodeError};
use std::collections::HashSet;

/// An ordered dictionary whose keys are names chosen by the device (bundle identifiers,
/// restriction names, …) and whose values all have type `T`; the schema's `ANY …` keys.
///
/// Keys keep their order; duplicates are refused when decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Map<T> {
    entries: Vec<(String, T)>,
}

impl<T> Map<T> {
    /// An empty map.
    #[must_use]
    pub const fn new() -> Self {
        Map {
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
    pub fn get(&self, key: &str) -> Option<&T> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Sets `key` to `value`, replacing in place (and returning) an existing value.
    pub fn insert(&mut self, key: impl Into<String>, value: T) -> Option<T> {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }
    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &T)> + DoubleEndedIterator {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl<T> Default for Map<T> {
    fn default() -> Self {
        Map::new()
    }
}

impl<T> FromIterator<(String, T)> for Map<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        let mut m = Map::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl<T> IntoIterator for Map<T> {
    type Item = (String, T);
    type IntoIter = std::vec::IntoIter<(String, T)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<T: FromPlist> FromPlist for Map<T> {
    fn from_plist<'a>(first: Token<'a>, de: &mut Decoder<'a>) -> Result<Self, DecodeError> {
        de.expect_dict(&first)?;
        let mut entries: Vec<(String, T)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = de.next_key()? {
            let value = de.value::<T>().map_err(|e| e.in_key(&key))?;
            if !seen.insert(key.to_string()) {
                return Err(de.error(DecodeErrorKind::DuplicateKey).in_key(&key));
            }
            entries.push((key.into_owned(), value));
        }
        Ok(Map { entries })
    }
}

impl<T: ToPlist> ToPlist for Map<T> {
    fn write_plist(&self, w: &mut Writer) -> Result<(), EncodeError> {
        w.begin_dict();
        for (k, v) in &self.entries {
            w.entry(k, v)?;
        }
        w.end_dict();
        Ok(())
    }
}

impl<T: serde::Serialize> serde::Serialize for Map<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Map<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Map<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Map<T>, A::Error> {
                let mut m = Map::new();
                while let Some((k, v)) = a.next_entry::<String, T>()? {
                    if m.insert(k, v).is_some() {
                        return Err(serde::de::Error::custom("duplicate key"));
                    }
                }
                Ok(m)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
