//! JSON bodies without ambiguity. `serde_json::Value` keeps the last of two equal keys, so
//! `{"name": "A", "name": "B"}` would mean whatever the reader after us picks; here a
//! duplicate key at any depth makes the body malformed instead.
//!
//! Two readers: [`from_slice`] builds the whole value; [`fields_of_object`] keeps only the
//! string fields a body is read for (the create, on the decision path), without building the
//! tree, and refuses exactly the texts [`from_slice`] refuses, with the same errors.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The longest key a duplicate-key error names, in characters.
const MAX_KEY_CHARS_SHOWN: usize = 64;

/// Parses a JSON text, refusing any object with a duplicate key.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<Unambiguous>(bytes).map(|unambiguous| unambiguous.0)
}

/// A JSON value whose objects have no duplicate keys.
struct Unambiguous(Value);

impl<'de> Deserialize<'de> for Unambiguous {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UnambiguousVisitor).map(Self)
    }
}

struct UnambiguousVisitor;

impl<'de> Visitor<'de> for UnambiguousVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so every number read here is finite.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unambiguous(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let Unambiguous(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The error of a key met twice in one object.
fn duplicate<E: Error>(key: &str) -> E {
    let shown: String = key.chars().take(MAX_KEY_CHARS_SHOWN).collect();
    E::custom(format!("duplicate key `{shown}`"))
}

/// A JSON object's string fields, as [`fields_of_object`] read them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ObjectFields<'a> {
    /// The fields asked for that the object holds, each by its name, in the order they came.
    found: Vec<(&'static str, Found<'a>)>,
    /// Every other key of the object, sorted.
    pub(crate) others: BTreeSet<String>,
}

impl<'a> ObjectFields<'a> {
    /// The value of field `name`, if the object holds it.
    pub(crate) fn get(&self, name: &str) -> Option<&Found<'a>> {
        self.found
            .iter()
            .find_map(|(found, value)| (*found == name).then_some(value))
    }
}

/// The value of a field asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found<'a> {
    /// `null`.
    Null,
    /// A string: borrowed from the body unless it held escapes.
    Text(Cow<'a, str>),
    /// Anything else (read through, for its duplicate keys, and dropped).
    Other,
}

/// Reads a JSON text as [`from_slice`] does (the same errors, duplicate keys refused at any
/// depth) but keeps only the fields of the top-level object that `names` lists, and the other
/// keys; `None` when the text is valid JSON but no object.
pub(crate) fn fields_of_object<'a>(
    bytes: &'a [u8],
    names: &'static [&'static str],
) -> Result<Option<ObjectFields<'a>>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let fields = TopLevel { names }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(fields)
}

/// The body's top-level value: an object's fields, or `None` for any other value.
struct TopLevel {
    names: &'static [&'static str],
}

impl<'de> DeserializeSeed<'de> for TopLevel {
    type Value = Option<ObjectFields<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel {
    type Value = Option<ObjectFields<'de>>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Checked.visit_seq(seq).map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = ObjectFields {
            found: Vec::with_capacity(self.names.len()),
            others: BTreeSet::new(),
        };
        while let Some(Key(key)) = map.next_key()? {
            match self.names.iter().find(|name| **name == key) {
                Some(name) => {
                    if fields.get(name).is_some() {
                        return Err(duplicate(&key));
                    }
                    let value = map.next_value()?;
                    fields.found.push((name, value));
                }
                None => {
                    if fields.others.contains(key.as_ref()) {
                        return Err(duplicate(&key));
                    }
                    fields.others.insert(key.into_owned());
                    map.next_value::<Checked>()?;
                }
            }
        }
        Ok(Some(fields))
    }
}

/// An object key, borrowed from the body unless it held escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E: Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }

    fn visit_string<E: Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value))
    }
}

impl<'de> Deserialize<'de> for Found<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FoundVisitor)
    }
}

struct FoundVisitor;

impl<'de> Visitor<'de> for FoundVisitor {
    type Value = Found<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Found::Other)
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Found::Other)
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Found::Other)
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Found::Other)
    }

    fn visit_borrowed_str<E: Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Found::Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Found::Text(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(Found::Text(Cow::Owned(value)))
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(Found::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Checked.visit_seq(seq).map(|()| Found::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Checked.visit_map(map).map(|()| Found::Other)
    }
}

/// A value read only to check it: its objects' keys for duplicates, the rest by the parser.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(Checked).map(|()| Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(Key(key)) = map.next_key()? {
            if keys.contains(&key) {
                return Err(duplicate(&key));
            }
            keys.insert(key);
            map.next_value::<Checked>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        let error = from_slice(br#"{"name":"A","name":"B"}"#).unwrap_err();
        assert!(
            error.to_string().contains("duplicate key `name`"),
            "{error}"
        );
        assert!(from_slice(br#"[{"a":{"b":1,"b":1}}]"#).is_err());
    }

    #[test]
    fn anything_else_reads_as_serde_json_reads_it() {
        let text = br#"{"a":[1,-2,3.5,true,null,"x",{"b":{}}],"c":"\u00e9"}"#;
        assert_eq!(
            from_slice(text).unwrap(),
            serde_json::from_slice::<Value>(text).unwrap()
        );
        assert_eq!(from_slice(b"17").unwrap(), json!(17));
        assert!(from_slice(b"{").is_err());
    }
}
