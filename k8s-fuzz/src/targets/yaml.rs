//! The YAML reader: multi-document streams, anchors and aliases, merge keys,
//! tags, and its depth, node and alias-byte limits.

use serde_json::Value;

/// Reads `data` as a YAML stream; of one that reads, checks that:
/// - [`from_str`](k8s_client::yaml::from_str) agrees with
///   [`documents`](k8s_client::yaml::documents) (the one document, `null`
///   for none, an error for several);
/// - each document, written as JSON (which is YAML), reads back as itself.
pub fn yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let docs = match k8s_client::yaml::documents(text) {
        Ok(docs) => docs,
        Err(e) => {
            let _ = (e.to_string(), e.line(), e.column(), e.path());
            assert!(k8s_client::yaml::from_str::<Value>(text).is_err());
            return;
        }
    };
    let single = k8s_client::yaml::from_str::<Value>(text);
    match docs.as_slice() {
        [] => assert_eq!(single.ok(), Some(Value::Null), "no documents"),
        [doc] => assert_eq!(single.ok().as_ref(), Some(doc), "one document"),
        _ => assert!(single.is_err(), "from_str of {} documents", docs.len()),
    }
    for doc in &docs {
        let json = escape_unprintable(&serde_json::to_string(doc).expect("a Value serializes"));
        match k8s_client::yaml::documents(&json) {
            Ok(back) => assert_eq!(
                back,
                std::slice::from_ref(doc),
                "JSON of a document: {json}"
            ),
            Err(e) => panic!("JSON of a document does not read back: {e}\n{json}"),
        }
    }
}

/// `json` with the characters YAML does not allow unescaped (C1 controls,
/// DEL, U+FFFE) written as `\uXXXX`, which serde_json leaves raw. They only
/// occur inside strings (JSON's structure is printable ASCII), so this is
/// still the same JSON.
fn escape_unprintable(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if super::yaml_printable(c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}
