//! Schema-driven proptest generators shared by `tests/commands.rs` and `tests/profiles.rs`:
//! random plist values that conform to a generated `KEYS` table.

use bytes::Bytes;
use mdmkit::apple::availability::KeyInfo;
use mdmkit::apple::plist::{Date, Dictionary, Value};
use proptest::prelude::*;

/// How values are generated.
#[derive(Clone, Copy)]
pub struct Gen {
    /// Below this depth, optional keys and array items are left out.
    pub max_depth: usize,
    /// A key no schema defines, sometimes added to every generated dictionary.
    pub unknown_key: Option<&'static str>,
}

/// A value of the key's schema type (one of its allowed values when it has a rangelist).
pub fn value_for(g: Gen, k: &'static KeyInfo, depth: usize) -> BoxedStrategy<Value> {
    if !k.allowed.is_empty() {
        let allowed: Vec<Value> = k.allowed.iter().map(|a| allowed_value(k, a)).collect();
        return proptest::sample::select(allowed).boxed();
    }
    match k.plist_type {
        "<string>" => "[A-Za-z0-9 ._&<>-]{0,12}".prop_map(Value::from).boxed(),
        "<integer>" => any::<i64>().prop_map(Value::from).boxed(),
        "<real>" => (-1.0e9f64..1.0e9).prop_map(Value::from).boxed(),
        "<boolean>" => any::<bool>().prop_map(Value::from).boxed(),
        "<date>" => (0i64..4_000_000_000)
            .prop_map(|s| Value::from(Date::from_unix_seconds(s)))
            .boxed(),
        "<data>" => proptest::collection::vec(any::<u8>(), 0..24)
            .prop_map(|v| Value::Data(Bytes::from(v)))
            .boxed(),
        "<dictionary>" => match k.subkeys {
            [any] if any.key.starts_with("ANY") => {
                let inner = if any.plist_type == "<any>" {
                    free_value()
                } else {
                    value_for(g, any, depth + 1)
                };
                let n = if depth >= g.max_depth { 0..1 } else { 0..3 };
                proptest::collection::vec(("[a-z]{1,6}(\\.[a-z]{1,4}){0,2}", inner), n)
                    .prop_map(|entries| {
                        let mut d = Dictionary::new();
                        for (k, v) in entries {
                            d.insert(k, v);
                        }
                        Value::Dictionary(d)
                    })
                    .boxed()
            }
            [] => free_dict().prop_map(Value::Dictionary).boxed(),
            subkeys => dict_for(g, subkeys, depth + 1)
                .prop_map(Value::Dictionary)
                .boxed(),
        },
        "<array>" => {
            let n = if depth >= g.max_depth { 0..1 } else { 0..3 };
            match k.subkeys {
                // An item the table does not describe (a recursive type, cut): empty arrays.
                [] => Just(Value::Array(Vec::new())).boxed(),
                [item] => proptest::collection::vec(value_for(g, item, depth + 1), n)
                    .prop_map(Value::Array)
                    .boxed(),
                alternatives => {
                    let alts: Vec<BoxedStrategy<Value>> = alternatives
                        .iter()
                        .map(|a| value_for(g, a, depth + 1))
                        .collect();
                    proptest::collection::vec(proptest::strategy::Union::new(alts), n)
                        .prop_map(Value::Array)
                        .boxed()
                }
            }
        }
        _ => free_value(),
    }
}

/// One of a rangelist's values, as the key's type.
pub fn allowed_value(k: &KeyInfo, a: &str) -> Value {
    match k.plist_type {
        "<integer>" => Value::from(a.parse::<i64>().unwrap()),
        "<real>" => Value::from(a.parse::<f64>().unwrap()),
        _ => Value::from(a),
    }
}

/// Values that JSON carries without loss (for `<any>` and free-form dictionaries).
pub fn free_value() -> BoxedStrategy<Value> {
    prop_oneof![
        "[a-z]{0,8}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from)
    ]
    .boxed()
}

pub fn free_dict() -> BoxedStrategy<Dictionary> {
    proptest::collection::btree_map("[A-Za-z]{1,8}", free_value(), 0..3)
        .prop_map(|m| m.into_iter().collect())
        .boxed()
}

/// A dictionary with every decoder-required key, a random subset of the optional ones, and
/// sometimes a key the schema does not define.
pub fn dict_for(g: Gen, keys: &'static [KeyInfo], depth: usize) -> BoxedStrategy<Dictionary> {
    let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = keys
        .iter()
        .filter(|k| !k.key.starts_with("ANY"))
        .map(|k| {
            let entry = value_for(g, k, depth).prop_map(move |v| (k.key.to_owned(), v));
            if k.required {
                entry.prop_map(Some).boxed()
            } else if depth >= g.max_depth {
                Just(None).boxed()
            } else {
                proptest::option::of(entry).boxed()
            }
        })
        .collect();
    let unknown = match g.unknown_key {
        Some(_) => proptest::option::weighted(0.3, free_value()).boxed(),
        None => Just(None).boxed(),
    };
    (parts, unknown)
        .prop_map(move |(entries, unknown)| {
            let mut d = Dictionary::new();
            for (k, v) in entries.into_iter().flatten() {
                d.insert(k, v);
            }
            if let (Some(key), Some(v)) = (g.unknown_key, unknown) {
                d.insert(key, v);
            }
            d
        })
        .boxed()
}
