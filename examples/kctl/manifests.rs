//! Reading `-f FILE|DIR|-`: multi-document YAML or JSON, kubectl's way.

use std::path::Path;

use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::error::Failure;

/// One object from a manifest, and where it came from (for error messages).
pub(crate) struct Manifest {
    /// The file, or `STDIN`.
    pub(crate) source: String,
    /// The object.
    pub(crate) object: Value,
}

/// Every object of every `-f` argument, in order. A directory contributes its
/// `.yaml`, `.yml` and `.json` files in name order (not recursively, as kubectl
/// without `-R`); `-` is stdin. Empty documents are skipped and `kind: List`
/// is expanded into its items.
pub(crate) async fn read(args: &[String]) -> Result<Vec<Manifest>, Failure> {
    let mut out = Vec::new();
    for arg in args {
        if arg == "-" {
            let mut text = String::new();
            tokio::io::stdin()
                .read_to_string(&mut text)
                .await
                .map_err(|e| Failure::msg(format!("reading STDIN: {e}")))?;
            parse_into("STDIN", &text, &mut out)?;
            continue;
        }
        let path = Path::new(arg);
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| Failure::msg(format!("the path {arg:?} cannot be read: {e}")))?;
        let files = if meta.is_dir() {
            let mut files = Vec::new();
            let mut dir = tokio::fs::read_dir(path)
                .await
                .map_err(|e| Failure::msg(format!("reading directory {arg:?}: {e}")))?;
            while let Some(entry) = dir
                .next_entry()
                .await
                .map_err(|e| Failure::msg(format!("reading directory {arg:?}: {e}")))?
            {
                let p = entry.path();
                let manifest_ext = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
                if manifest_ext {
                    files.push(p);
                }
            }
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let shown = file.display().to_string();
            let text = tokio::fs::read_to_string(&file)
                .await
                .map_err(|e| Failure::msg(format!("reading {shown:?}: {e}")))?;
            parse_into(&shown, &text, &mut out)?;
        }
    }
    if out.is_empty() {
        return Err(Failure::msg("no objects passed to apply"));
    }
    Ok(out)
}

/// Parses the documents of one source (YAML is a superset of JSON).
fn parse_into(source: &str, text: &str, out: &mut Vec<Manifest>) -> Result<(), Failure> {
    let docs = k8s_client::yaml::documents(text)
        .map_err(|e| Failure::msg(format!("error parsing {source}: {e}")))?;
    for doc in docs {
        match doc {
            Value::Null => {}
            Value::Object(ref o) if o.is_empty() => {}
            Value::Object(ref o) if o.get("kind").and_then(Value::as_str) == Some("List") => {
                for item in o
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                {
                    out.push(checked(source, item)?);
                }
            }
            doc => out.push(checked(source, doc)?),
        }
    }
    Ok(())
}

fn checked(source: &str, object: Value) -> Result<Manifest, Failure> {
    for field in ["apiVersion", "kind"] {
        if object[field].as_str().is_none_or(str::is_empty) {
            let title = if field == "kind" {
                "Kind"
            } else {
                "apiVersion"
            };
            return Err(Failure::msg(format!(
                "error validating data from {source}: Object '{title}' is missing in '{}'",
                serde_json::to_string(&object).unwrap_or_default()
            )));
        }
    }
    if object["metadata"]["name"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return Err(Failure::msg(format!(
            "error when processing {source}: resource name may not be empty"
        )));
    }
    Ok(Manifest {
        source: source.to_owned(),
        object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_with_lists_and_empty_documents() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n";
        let mut out = Vec::new();
        parse_into("f.yaml", text, &mut out).unwrap();
        let names: Vec<_> = out
            .iter()
            .map(|m| m.object["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["a", "b"]);
    }

    #[test]
    fn values_read_as_kubectl_reads_them() {
        // `0644` is octal, as go-yaml reads it; JSON files are YAML too.
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {volumes: [{secret: {defaultMode: 0644}}]}\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"}}\n";
        let mut out = Vec::new();
        parse_into("f.yaml", text, &mut out).unwrap();
        assert_eq!(
            out[0].object["spec"]["volumes"][0]["secret"]["defaultMode"],
            420
        );
        assert_eq!(out[1].object["kind"], "Secret");
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let mut out = Vec::new();
        let Err(Failure::Message(m)) = parse_into("f.yaml", "kind: Pod\nmetadata: [x\n", &mut out)
        else {
            panic!("expected a message")
        };
        assert!(
            m.starts_with("error parsing f.yaml: line 2, column "),
            "{m}"
        );
    }

    #[test]
    fn missing_kind_is_an_error() {
        let mut out = Vec::new();
        assert!(parse_into("f.yaml", "apiVersion: v1\nmetadata: {name: a}\n", &mut out).is_err());
        assert!(parse_into("f.yaml", "{not yaml", &mut out).is_err());
    }
}
