#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::schema::{structural_schema_for, to_structural};
use super::*;
use crate::meta::{IntOrString, ObjectMeta, Quantity, Time};
use crate::{ClusterScope, NamespaceScope, Resource};

/// A widget.
#[derive(Resource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[resource(
    group = "example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    shortnames("wd"),
    categories("all"),
    status = "WidgetStatus",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn(
        name = "Replicas",
        type = "integer",
        json_path = ".spec.replicas",
        description = "Desired replicas"
    ),
    printcolumn(
        name = "Age",
        type = "date",
        json_path = ".metadata.creationTimestamp",
        priority = 1
    )
)]
struct Widget {
    metadata: ObjectMeta,
    spec: WidgetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<WidgetStatus>,
}

/// What a widget should be.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct WidgetSpec {
    /// How many.
    replicas: i32,
    /// Optional colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    colour: Option<String>,
    size: Size,
}

/// How big.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
enum Size {
    Small,
    Large,
}

/// What a widget is.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
struct WidgetStatus {
    replicas: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selector: Option<String>,
}

#[test]
fn resource_consts() {
    assert_eq!(Widget::API_VERSION, "example.com/v1");
    assert_eq!(Widget::PLURAL, "widgets");
    assert_eq!(Widget::SUBRESOURCES, ["status", "scale"]);
    fn scope<K: Resource<Scope = NamespaceScope>>() {}
    scope::<Widget>();
    fn cluster<K: Resource<Scope = ClusterScope>>() {}
    cluster::<CustomResourceDefinition>();
    assert_eq!(
        CustomResourceDefinition::API_VERSION,
        "apiextensions.k8s.io/v1"
    );
    assert_eq!(
        CustomResourceDefinition::PLURAL,
        "customresourcedefinitions"
    );
    assert_eq!(Widget::crd_name(), "widgets.example.com");
}

/// Compare with a committed file; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, got: &Value) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = serde_json::to_string_pretty(got).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        text, want,
        "{path} differs; rerun with UPDATE_GOLDEN=1 to accept"
    );
}

#[test]
fn widget_crd_golden() {
    let crd = serde_json::to_value(Widget::crd().manifest()).unwrap();
    golden("widget_crd.json", &crd);
    // It deserializes back into the same CRD.
    let back: CustomResourceDefinition = serde_json::from_value(crd).unwrap();
    assert_eq!(back, Widget::crd());
}

#[test]
fn manifest_is_the_crd_with_its_type() {
    let crd = Widget::crd();
    let mut manifest = serde_json::to_value(crd.manifest()).unwrap();
    let object = manifest.as_object_mut().unwrap();
    assert_eq!(
        object.remove("apiVersion"),
        Some(json!("apiextensions.k8s.io/v1"))
    );
    assert_eq!(
        object.remove("kind"),
        Some(json!("CustomResourceDefinition"))
    );
    assert_eq!(manifest, serde_json::to_value(&crd).unwrap());
}

/// The `…Or…` unions read each JSON shape as Go's decoders do, and write it back.
#[test]
fn schema_unions_round_trip() {
    let schema: JSONSchemaProps = serde_json::from_value(json!({
        "type": "object",
        "additionalProperties": false,
        "additionalItems": {"type": "string"},
        "items": [{"type": "string"}, {"type": "integer"}],
        "dependencies": {"a": ["b", "c"], "d": {"required": ["e"]}},
        "properties": {
            "list": {"type": "array", "items": {"type": "string"}},
            "map": {"type": "object", "additionalProperties": true},
        },
    }))
    .unwrap();
    assert_eq!(
        schema.additional_properties,
        Some(JSONSchemaPropsOrBool::Bool(false))
    );
    assert!(matches!(
        &schema.additional_items,
        Some(JSONSchemaPropsOrBool::Schema(s)) if s.type_.as_deref() == Some("string")
    ));
    assert!(matches!(&schema.items, Some(JSONSchemaPropsOrArray::Schemas(v)) if v.len() == 2));
    let deps = schema.dependencies.as_ref().unwrap();
    assert_eq!(
        deps["a"],
        JSONSchemaPropsOrStringArray::Strings(vec!["b".into(), "c".into()])
    );
    assert!(matches!(&deps["d"], JSONSchemaPropsOrStringArray::Schema(s) if s.required.is_some()));
    let props = schema.properties.as_ref().unwrap();
    assert!(matches!(
        &props["list"].items,
        Some(JSONSchemaPropsOrArray::Schema(s)) if s.type_.as_deref() == Some("string")
    ));
    assert_eq!(
        props["map"].additional_properties,
        Some(JSONSchemaPropsOrBool::Bool(true))
    );

    let back: JSONSchemaProps =
        serde_json::from_value(serde_json::to_value(&schema).unwrap()).unwrap();
    assert_eq!(back, schema);
    // A string where a schema or a boolean belongs is refused, as the server refuses it.
    assert!(
        serde_json::from_value::<JSONSchemaProps>(json!({"additionalProperties": "x"})).is_err()
    );
}

/// Check the structural-schema rules on a converted schema.
fn assert_structural(v: &Value, path: &str, in_junctor: bool) {
    let o = v
        .as_object()
        .unwrap_or_else(|| panic!("{path}: not an object"));
    for banned in [
        "$ref",
        "$defs",
        "definitions",
        "$schema",
        "title",
        "const",
        "examples",
    ] {
        assert!(!o.contains_key(banned), "{path}: has {banned}");
    }
    assert_ne!(
        o.get("uniqueItems"),
        Some(&json!(true)),
        "{path}: uniqueItems"
    );
    if o.contains_key("properties") {
        assert!(
            !o.contains_key("additionalProperties"),
            "{path}: properties and additionalProperties"
        );
    }
    if in_junctor {
        for banned in [
            "type",
            "description",
            "default",
            "additionalProperties",
            "nullable",
            "properties",
            "items",
        ] {
            assert!(!o.contains_key(banned), "{path}: {banned} inside a junctor");
        }
    } else {
        let typed = o.get("type").is_some_and(Value::is_string)
            || o.contains_key("x-kubernetes-int-or-string")
            || o.contains_key("x-kubernetes-preserve-unknown-fields");
        assert!(typed, "{path}: no type in {v}");
    }
    if let Some(props) = o.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            assert_structural(p, &format!("{path}.{k}"), false);
        }
    }
    if let Some(ap @ Value::Object(_)) = o.get("additionalProperties") {
        assert_structural(ap, &format!("{path}.*"), false);
    }
    if let Some(items) = o.get("items") {
        assert_structural(items, &format!("{path}[]"), false);
    }
    if o.get("type") == Some(&json!("array")) {
        assert!(o.contains_key("items"), "{path}: array without items");
    }
    for j in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = o.get(j).and_then(Value::as_array) {
            if o.contains_key("x-kubernetes-int-or-string") {
                continue;
            }
            for (i, s) in list.iter().enumerate() {
                assert_structural(s, &format!("{path}.{j}[{i}]"), true);
            }
        }
    }
}

fn schema_of<T: JsonSchema>() -> Value {
    let v = serde_json::to_value(structural_schema_for::<T>()).unwrap();
    assert_structural(&v, "", false);
    v
}

/// The schema of `T` as field `f` of a root object.
fn field_of<T: JsonSchema>() -> Value {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Root<T> {
        metadata: ObjectMeta,
        f: T,
    }
    schema_of::<Root<T>>()["properties"]["f"].clone()
}

#[test]
fn root_metadata_api_version_kind() {
    let v = schema_of::<Widget>();
    assert_eq!(v["type"], "object");
    assert_eq!(v["properties"]["metadata"], json!({"type": "object"}));
    assert_eq!(v["properties"]["apiVersion"], json!({"type": "string"}));
    assert_eq!(v["properties"]["kind"], json!({"type": "string"}));
    assert_eq!(v["required"], json!(["spec"]));
}

#[test]
fn option_becomes_nullable() {
    assert_eq!(
        field_of::<Option<String>>(),
        json!({"type": "string", "nullable": true})
    );
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        a: i64,
    }
    let v = field_of::<Option<Inner>>();
    assert_eq!(v["type"], "object");
    assert_eq!(v["nullable"], true);
    assert_eq!(
        v["properties"]["a"],
        json!({"type": "integer", "format": "int64"})
    );
    assert!(v.get("anyOf").is_none(), "{v}");
}

#[test]
fn vec_and_sets() {
    assert_eq!(
        field_of::<Vec<i32>>(),
        json!({"type": "array", "items": {"type": "integer", "format": "int32"}})
    );
    assert_eq!(
        field_of::<BTreeSet<String>>(),
        json!({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"})
    );
}

#[test]
fn maps() {
    assert_eq!(
        field_of::<BTreeMap<String, String>>(),
        json!({"type": "object", "additionalProperties": {"type": "string"}})
    );
    assert_eq!(
        field_of::<BTreeMap<String, Value>>(),
        json!({"type": "object", "additionalProperties": {"x-kubernetes-preserve-unknown-fields": true}})
    );
    assert_eq!(
        field_of::<Value>(),
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn unsigned_formats_are_dropped() {
    assert_eq!(
        field_of::<u32>(),
        json!({"type": "integer", "minimum": 0.0})
    );
}

#[test]
fn unit_enum() {
    assert_eq!(
        field_of::<Size>(),
        json!({"type": "string", "enum": ["Small", "Large"], "description": "How big."})
    );
}

#[test]
fn externally_tagged_enum() {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    enum Source {
        Git { url: String },
        Image { name: String, tag: Option<String> },
    }
    let v = field_of::<Source>();
    assert_eq!(v["type"], "object");
    assert_eq!(
        v["properties"]["Git"]["properties"]["url"],
        json!({"type": "string"})
    );
    assert_eq!(v["properties"]["Image"]["required"], json!(["name"]));
    assert_eq!(
        v["oneOf"],
        json!([{"required": ["Git"]}, {"required": ["Image"]}])
    );
}

#[test]
fn internally_tagged_enum() {
    #[derive(JsonSchema)]
    #[serde(tag = "type")]
    #[allow(dead_code)]
    enum Action {
        Scale { replicas: i32 },
        Restart,
    }
    let v = field_of::<Action>();
    assert_eq!(v["type"], "object");
    assert_eq!(v["properties"]["type"]["type"], "string");
    assert_eq!(v["properties"]["type"]["enum"], json!(["Scale", "Restart"]));
    assert_eq!(v["required"], json!(["type"]));
    // {type} ⊂ {type, replicas}: a junctor would reject valid objects, so none.
    assert!(v.get("oneOf").is_none(), "{v}");
}

#[test]
fn adjacently_tagged_enum() {
    #[derive(JsonSchema)]
    #[serde(tag = "kind", content = "value")]
    #[allow(dead_code)]
    enum Limit {
        Count(u32),
        Name(String),
    }
    let v = field_of::<Limit>();
    assert_eq!(v["type"], "object");
    assert_eq!(v["properties"]["kind"]["enum"], json!(["Count", "Name"]));
    // The two `value`s are an integer or a string.
    assert_eq!(
        v["properties"]["value"],
        json!({"x-kubernetes-int-or-string": true})
    );
    assert_eq!(v["required"], json!(["kind", "value"]));
}

#[test]
fn variants_sharing_a_field_name() {
    #[derive(JsonSchema)]
    #[serde(tag = "type")]
    #[allow(dead_code)]
    enum Check {
        Http { target: HttpTarget },
        Tcp { target: TcpTarget },
        Exec { target: Vec<String> },
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct HttpTarget {
        path: String,
        port: i32,
    }
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct TcpTarget {
        port: i32,
    }
    let v = field_of::<Check>();
    // An object in two variants and an array in the third: kept, not validated.
    assert_eq!(
        v["properties"]["target"]["x-kubernetes-preserve-unknown-fields"],
        true
    );

    #[derive(JsonSchema)]
    #[serde(tag = "type")]
    #[allow(dead_code)]
    enum Probe {
        Http { target: HttpTarget },
        Tcp { target: TcpTarget },
    }
    let v = field_of::<Probe>();
    let t = &v["properties"]["target"];
    assert_eq!(t["type"], "object");
    assert!(t["properties"]["path"].is_object() && t["properties"]["port"].is_object());
    assert_eq!(t["required"], json!(["port"]));
}

#[test]
fn untagged_enums() {
    #[derive(JsonSchema)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Port {
        Number(i32),
        Name(String),
    }
    assert_eq!(
        field_of::<Port>(),
        json!({"x-kubernetes-int-or-string": true})
    );

    #[derive(JsonSchema)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Mixed {
        Flag(bool),
        Obj { a: String },
    }
    assert_eq!(
        field_of::<Mixed>(),
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn nested_and_recursive() {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
        many: Vec<Inner>,
    }
    /// Documented inner.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Inner {
        x: bool,
    }
    let v = field_of::<Outer>();
    assert_eq!(
        v["properties"]["inner"]["properties"]["x"],
        json!({"type": "boolean"})
    );
    assert_eq!(
        v["properties"]["many"]["items"]["description"],
        "Documented inner."
    );

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Tree {
        children: Vec<Tree>,
    }
    let v = field_of::<Tree>();
    assert_eq!(
        v["properties"]["children"]["items"],
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn meta_types() {
    assert_eq!(
        field_of::<IntOrString>(),
        json!({"x-kubernetes-int-or-string": true})
    );
    let q = field_of::<Quantity>();
    assert_eq!(q["x-kubernetes-int-or-string"], true);
    assert!(q["pattern"].as_str().unwrap().starts_with("^(\\+|-)?"));
    assert_eq!(
        field_of::<Time>(),
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        field_of::<Option<Time>>(),
        json!({"type": "string", "format": "date-time", "nullable": true})
    );
    assert_eq!(
        field_of::<ObjectMeta>(),
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
}

#[test]
fn draft_2020_keywords() {
    let v = to_structural(&json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "T",
        "type": "object",
        "properties": {
            "n": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "c": {"const": "x", "type": "string"},
            "t": {"type": "array", "prefixItems": [{"type": "string"}]},
            "d": {"type": ["string", "null"], "default": null},
        },
        "additionalProperties": false,
    }));
    let v = serde_json::to_value(v).unwrap();
    assert_structural(&v, "", false);
    let p = &v["properties"];
    assert_eq!(
        p["n"],
        json!({"type": "number", "minimum": 0.0, "exclusiveMinimum": true, "maximum": 1.0})
    );
    assert_eq!(p["c"], json!({"type": "string", "enum": ["x"]}));
    assert_eq!(
        p["t"]["items"],
        json!({"x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(p["d"], json!({"type": "string", "nullable": true}));
    assert!(v.get("title").is_none() && v.get("additionalProperties").is_none());
}

#[test]
fn preserve_unknown_fields_mode() {
    #[derive(Resource)]
    #[resource(
        group = "example.com",
        version = "v1alpha1",
        schema = "preserve-unknown-fields"
    )]
    struct Loose {
        metadata: ObjectMeta,
    }
    let crd = serde_json::to_value(Loose::crd()).unwrap();
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    assert_structural(schema, "", false);
    assert_eq!(
        schema["properties"]["spec"],
        json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    );
    assert_eq!(crd["spec"]["scope"], "Cluster");
}

mod v2 {
    use super::*;
    /// Widget, version 2.
    #[derive(Resource, JsonSchema)]
    #[resource(
        group = "example.com",
        version = "v2",
        kind = "Widget",
        namespaced,
        storage = false
    )]
    #[allow(dead_code)]
    pub(super) struct WidgetV2 {
        pub(super) metadata: ObjectMeta,
        pub(super) spec: BTreeMap<String, String>,
    }
}

#[test]
fn merge_versions() {
    let merged = merge_crds(vec![Widget::crd(), v2::WidgetV2::crd()], "v2").unwrap();
    let names: Vec<_> = merged
        .spec
        .versions
        .iter()
        .map(|v| (v.name.as_str(), v.storage))
        .collect();
    assert_eq!(names, [("v1", false), ("v2", true)]);
    assert_eq!(merged.metadata.name.as_deref(), Some("widgets.example.com"));

    assert_eq!(
        merge_crds(vec![Widget::crd(), Widget::crd()], "v1"),
        Err(MergeError::DuplicateVersion("v1".into()))
    );
    assert_eq!(
        merge_crds(vec![Widget::crd()], "v9"),
        Err(MergeError::UnknownStoredVersion("v9".into()))
    );
    assert_eq!(merge_crds(vec![], "v1"), Err(MergeError::Empty));
    let mut other = v2::WidgetV2::crd();
    other.spec.scope = "Cluster".into();
    assert!(matches!(
        merge_crds(vec![Widget::crd(), other], "v1"),
        Err(MergeError::Mismatch { what: "scope", .. })
    ));
    let mut other = v2::WidgetV2::crd();
    other.spec.group = "other.io".into();
    assert!(matches!(
        merge_crds(vec![Widget::crd(), other], "v1"),
        Err(MergeError::Mismatch { what: "group", .. })
    ));
}
