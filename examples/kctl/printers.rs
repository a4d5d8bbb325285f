//! Output formats of `get`, `apply` and `create`: `-o json|yaml|name|wide`
//! and the default table.

use serde_json::{Value, json};

use crate::error::Failure;
use crate::json::to_go_json;
use crate::yaml::to_yaml;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// The server's table (get), or a one-line summary (apply, create).
    Default,
    /// `-o wide`: the table with every column.
    Wide,
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o name`: `kind.group/name`.
    Name,
}

/// The formats `get` accepts.
pub(crate) const GET_FORMATS: &[&str] = &["json", "yaml", "name", "wide"];
/// The formats `apply` and `create` accept.
pub(crate) const MUTATE_FORMATS: &[&str] = &["json", "yaml", "name"];

impl Format {
    /// `-o VALUE`, checked against what the command allows.
    pub(crate) fn parse(output: Option<&str>, allowed: &[&str]) -> Result<Format, Failure> {
        let format = match output {
            None | Some("") => return Ok(Format::Default),
            Some(o) if !allowed.contains(&o) => None,
            Some("wide") => Some(Format::Wide),
            Some("json") => Some(Format::Json),
            Some("yaml") => Some(Format::Yaml),
            Some("name") => Some(Format::Name),
            Some(_) => None,
        };
        format.ok_or_else(|| {
            Failure::msg(format!(
                "unable to match a printer suitable for the output format {:?}, allowed formats are: {}",
                output.unwrap_or_default(),
                allowed.join(",")
            ))
        })
    }
}

/// `kind[.group]` as kubectl names a type in `-o name` and table prefixes
/// (`deployment.apps`, `pod`).
pub(crate) fn kind_group(kind: &str, group: &str) -> String {
    if group.is_empty() {
        kind.to_lowercase()
    } else {
        format!("{}.{group}", kind.to_lowercase())
    }
}

/// `kind.group/name` of an object, from its own apiVersion and kind.
pub(crate) fn object_name(obj: &Value) -> String {
    let api_version = obj["apiVersion"].as_str().unwrap_or_default();
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    format!(
        "{}/{}",
        kind_group(obj["kind"].as_str().unwrap_or_default(), group),
        obj["metadata"]["name"].as_str().unwrap_or_default()
    )
}

/// Objects in a structured format, as `get` prints them. One object asked for
/// by name prints alone; anything else is wrapped in a `List`.
///
/// `metadata.managedFields` is left out, as kubectl does unless
/// `--show-managed-fields`.
pub(crate) fn structured(objects: Vec<Value>, single: bool, format: Format) -> String {
    let mut objects = without_managed_fields(objects);
    if single && objects.len() == 1 {
        return document(&objects.remove(0), format);
    }
    // kubectl get wraps objects in an unstructured List: keys sorted.
    document(
        &json!({
            "apiVersion": "v1",
            "items": objects,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }),
        format,
    )
}

/// What `apply` and `create` print with `-o json|yaml`: one object alone,
/// several in kubectl's typed `v1.List` (`kind`, `apiVersion`, empty `metadata`
/// and `items`, in that order).
pub(crate) fn structured_results(objects: Vec<Value>, format: Format) -> String {
    #[derive(serde::Serialize)]
    struct TypedList {
        kind: &'static str,
        #[serde(rename = "apiVersion")]
        api_version: &'static str,
        metadata: serde_json::Map<String, Value>,
        items: Vec<Value>,
    }
    let mut objects = without_managed_fields(objects);
    if objects.len() == 1 {
        return document(&objects.remove(0), format);
    }
    let list = TypedList {
        kind: "List",
        api_version: "v1",
        metadata: serde_json::Map::new(),
        items: objects,
    };
    match format {
        Format::Yaml => match serde_json::to_value(&list) {
            Ok(v) => to_yaml(&v),
            Err(_) => String::new(),
        },
        _ => format!("{}\n", to_go_json(&list)),
    }
}

fn without_managed_fields(mut objects: Vec<Value>) -> Vec<Value> {
    for o in &mut objects {
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    }
    objects
}

/// One JSON or YAML document, ending with a newline.
fn document(doc: &Value, format: Format) -> String {
    match format {
        Format::Yaml => to_yaml(doc),
        _ => format!("{}\n", to_go_json(doc)),
    }
}

/// Items of a list response, with the `apiVersion` and `kind` the server leaves
/// out of each item filled in from the list (kubectl shows them).
pub(crate) fn list_items(list_api_version: &str, list_kind: &str, items: Vec<Value>) -> Vec<Value> {
    let kind = list_kind.strip_suffix("List").unwrap_or(list_kind);
    items
        .into_iter()
        .map(|mut item| {
            if let Some(obj) = item.as_object_mut() {
                obj.entry("apiVersion")
                    .or_insert_with(|| json!(list_api_version));
                obj.entry("kind").or_insert_with(|| json!(kind));
            }
            item
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_wrappers() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        assert_eq!(object_name(&d), "deployment.apps/web");
        assert_eq!(object_name(&p), "pod/p");
        assert_eq!(
            structured(vec![], false, Format::Json),
            "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"
        );
        assert!(
            structured(vec![p.clone()], true, Format::Yaml)
                .starts_with("apiVersion: v1\nkind: Pod\n")
        );
        assert!(
            structured(vec![p], false, Format::Yaml)
                .starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n")
        );
        assert!(Format::parse(Some("wide"), MUTATE_FORMATS).is_err());
        assert_eq!(
            Format::parse(Some("wide"), GET_FORMATS).unwrap(),
            Format::Wide
        );
    }

    #[test]
    fn list_items_get_type_meta() {
        let items = list_items("apps/v1", "DeploymentList", vec![json!({"metadata": {}})]);
        assert_eq!(items[0]["kind"], "Deployment");
        assert_eq!(items[0]["apiVersion"], "apps/v1");
    }
}
