//! Lists decoded at their exact length.
//!
//! JSON gives no length up front, so serde's `Vec` grows by doubling and
//! starts at four elements: a pod's one container holds room for four. The
//! spare capacity lives as long as the object, so objects kept in memory
//! (caches, stores) would carry it for their lifetime.
//!
//! Most lists in an object hold one to four elements. Those are gathered on
//! the stack and moved into one allocation of the exact size, so decoding
//! them makes no reallocation and frees nothing. That matters beyond the
//! bytes: glibc's malloc consolidates its free lists whenever a request of
//! 1 KiB or more meets freed small chunks, and a four-element buffer of
//! containers or volumes is such a request. Longer lists grow as usual and
//! are trimmed at the end.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// How many elements are gathered before the first allocation
/// (`Vec::from` an array allocates exactly its length).
const GATHERED: usize = 4;

/// A `Vec<T>` decoded at its exact length.
struct Exact<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Exact<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ExactVisitor(PhantomData))
    }
}

struct ExactVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ExactVisitor<T> {
    type Value = Exact<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Held in locals rather than an array of options: moving such an
        // array moves all of its slots, which for a one-element list of
        // large structs (containers, volumes) costs more than the decode.
        let Some(first) = seq.next_element()? else {
            return Ok(Exact(Vec::new()));
        };
        let Some(second) = seq.next_element()? else {
            return Ok(Exact(Vec::from([first])));
        };
        let Some(third) = seq.next_element()? else {
            return Ok(Exact(Vec::from([first, second])));
        };
        let Some(fourth) = seq.next_element()? else {
            return Ok(Exact(Vec::from([first, second, third])));
        };
        let Some(fifth) = seq.next_element()? else {
            return Ok(Exact(Vec::from([first, second, third, fourth])));
        };
        let rest = seq.size_hint().unwrap_or(GATHERED);
        let mut all = Vec::with_capacity(GATHERED + 1 + rest);
        all.extend([first, second, third, fourth, fifth]);
        while let Some(element) = seq.next_element()? {
            all.push(element);
        }
        all.shrink_to_fit();
        Ok(Exact(all))
    }
}

/// An optional list at its exact length.
pub(crate) fn opt_vec<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Exact<T>>::deserialize(deserializer)?.map(|exact| exact.0))
}

/// A required list at its exact length; `null` (Go's nil slice) is empty.
pub(crate) fn vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Exact<T>>::deserialize(deserializer)?.map_or_else(Vec::new, |exact| exact.0))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Lists {
        #[serde(default, deserialize_with = "super::opt_vec")]
        maybe: Option<Vec<String>>,
        #[serde(default, deserialize_with = "super::vec")]
        always: Vec<u32>,
    }

    fn decode(json: &str) -> Lists {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn every_length_keeps_its_elements_in_order_at_exact_capacity() {
        for len in 0..12u32 {
            let numbers: Vec<u32> = (0..len).collect();
            let json = format!(r#"{{"always": {numbers:?}}}"#);
            let lists = decode(&json);
            assert_eq!(lists.always, numbers, "{json}");
            assert_eq!(lists.always.capacity(), numbers.len(), "{json}");
        }
    }

    #[test]
    fn null_and_absent_lists() {
        let lists = decode(r#"{"maybe": null, "always": null}"#);
        assert_eq!(lists.maybe, None);
        assert!(lists.always.is_empty());
        let lists = decode("{}");
        assert_eq!(lists.maybe, None);
        assert!(lists.always.is_empty());
        let lists = decode(r#"{"maybe": ["a", "b"]}"#);
        assert_eq!(lists.maybe, Some(vec!["a".to_owned(), "b".to_owned()]));
    }

    #[test]
    fn a_bad_element_is_an_error_naming_it() {
        let err = serde_json::from_str::<Lists>(r#"{"always": [1, 2, "three"]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid type: string \"three\""), "{err}");
    }
}
