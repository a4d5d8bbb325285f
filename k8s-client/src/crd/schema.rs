//! Turning a `schemars` JSON Schema into a Kubernetes *structural* schema.
//!
//! Kubernetes only accepts CRD schemas that are
//! [structural](https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
//!
//! 1. every node (the root, each property, each `additionalProperties` and
//!    `items`) has a `type`, unless it has `x-kubernetes-int-or-string` or
//!    `x-kubernetes-preserve-unknown-fields`;
//! 2. every field named inside `allOf`/`anyOf`/`oneOf`/`not` is also named
//!    outside them;
//! 3. nothing inside those junctors sets `type`, `description`, `default`,
//!    `additionalProperties` or `nullable`;
//! 4. at the root, `metadata` may only restrict `name` and `generateName`.
//!
//! Besides, `$ref`, `definitions`, `$schema`, `id`, `uniqueItems: true`,
//! and `additionalProperties` next to `properties` are rejected.
//!
//! [`to_structural`] rewrites a schema to satisfy these rules:
//! - every `$ref` is inlined (a recursive type becomes
//!   `x-kubernetes-preserve-unknown-fields: true` where it recurses);
//! - `Option<T>` (`anyOf: [T, {type: null}]` or `type: [T, "null"]`) becomes
//!   `T` with `nullable: true`;
//! - `const` becomes a one-value `enum`, and the numeric
//!   `exclusiveMinimum`/`exclusiveMaximum` of JSON Schema 2020-12 become the
//!   boolean flags of OpenAPI v3;
//! - enums: variants that are all objects (externally, internally and
//!   adjacently tagged, or untagged structs) are merged into one object whose
//!   properties are the union of the variants'; the junctor is kept with only
//!   each variant's `required` list when those lists tell the variants apart.
//!   Variants that are all strings (or all of another scalar type) merge into
//!   that type with the union of their `enum` values. Variants that are an
//!   integer or a string become `x-kubernetes-int-or-string`. Any other mix
//!   (such as an enum with both unit and struct variants) becomes
//!   `x-kubernetes-preserve-unknown-fields: true`: accepted, but not validated;
//! - `uniqueItems: true` (sets) becomes `x-kubernetes-list-type: set` for
//!   scalar items and is dropped otherwise; `additionalProperties: false`
//!   (`deny_unknown_fields`) is dropped, since pruning already removes unknown fields;
//! - `title`, `$schema`, `$defs`, `definitions`, `examples`, `readOnly`,
//!   `writeOnly`, `deprecated` and formats Kubernetes does not know (such as
//!   `uint32`) are dropped;
//! - at the root, `apiVersion` and `kind` are `{type: string}` and `metadata`
//!   is exactly `{type: object}`.

use serde_json::{Map, Value};

use super::JSONSchemaProps;

/// The structural schema of `T`, from its `schemars::JsonSchema` impl.
///
/// This is what `CustomResourceExt::crd` puts in `openAPIV3Schema`.
#[cfg(feature = "schemars")]
pub fn structural_schema_for<T: schemars::JsonSchema + ?Sized>() -> JSONSchemaProps {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let root = generator.into_root_schema_for::<T>();
    to_structural(root.as_value())
}

/// Without the `schemars` feature there is no schema to derive: a custom
/// resource whose derive asks for one fails to compile with a message that
/// names the feature and the alternatives.
#[cfg(not(feature = "schemars"))]
pub fn structural_schema_for<T: SchemarsFeatureDisabled + ?Sized>() -> JSONSchemaProps {
    JSONSchemaProps::default()
}

/// Implemented by no type, so [`structural_schema_for`] cannot be called
/// without the `schemars` feature.
#[cfg(not(feature = "schemars"))]
#[diagnostic::on_unimplemented(
    message = "deriving the CRD schema of `{Self}` needs k8s-client's `schemars` feature",
    note = "enable the feature, or set `schema = \"preserve-unknown-fields\"` or `crd = false` in `#[resource(...)]`"
)]
pub trait SchemarsFeatureDisabled {}

/// The schema used with `schema = "preserve-unknown-fields"`: `spec` and
/// `status` are objects whose contents are kept as sent, unvalidated.
pub fn preserve_unknown_fields_schema() -> JSONSchemaProps {
    let open = || JSONSchemaProps {
        type_: Some("object".into()),
        x_kubernetes_preserve_unknown_fields: Some(true),
        ..Default::default()
    };
    let props = [("spec", open()), ("status", open())]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let mut root = JSONSchemaProps {
        type_: Some("object".into()),
        properties: Some(props),
        ..Default::default()
    };
    fix_root(&mut root);
    root
}

/// Rewrite a root JSON Schema (with its `$defs` or `definitions`) into a
/// structural schema for a whole object. See the [module docs](self).
pub fn to_structural(root: &Value) -> JSONSchemaProps {
    let empty = Map::new();
    let defs = root
        .get("$defs")
        .or_else(|| root.get("definitions"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut ctx = Ctx {
        defs,
        stack: Vec::new(),
    };
    let mut node = ctx.field(root);
    node.insert("type".into(), "object".into());
    node.remove("x-kubernetes-preserve-unknown-fields");
    let mut props =
        serde_json::from_value::<JSONSchemaProps>(Value::Object(node)).unwrap_or_else(|_| {
            JSONSchemaProps {
                type_: Some("object".into()),
                x_kubernetes_preserve_unknown_fields: Some(true),
                ..Default::default()
            }
        });
    fix_root(&mut props);
    props
}

/// `apiVersion`, `kind` and `metadata` as the API server wants them at the root.
fn fix_root(root: &mut JSONSchemaProps) {
    let string = || JSONSchemaProps {
        type_: Some("string".into()),
        ..Default::default()
    };
    let props = root.properties.get_or_insert_with(Default::default);
    props.insert("apiVersion".into(), string());
    props.insert("kind".into(), string());
    props.insert(
        "metadata".into(),
        JSONSchemaProps {
            type_: Some("object".into()),
            ..Default::default()
        },
    );
    if let Some(req) = &mut root.required {
        req.retain(|r| !matches!(r.as_str(), "apiVersion" | "kind" | "metadata"));
        if req.is_empty() {
            root.required = None;
        }
    }
}

const FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "date",
    "date-time",
    "datetime",
    "duration",
    "password",
    "bsonobjectid",
    "uri",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "cidr",
    "mac",
    "uuid",
    "uuid3",
    "uuid4",
    "uuid5",
    "isbn",
    "isbn10",
    "isbn13",
    "creditcard",
    "ssn",
    "hexcolor",
    "rgbcolor",
];

/// Keywords copied as they are.
const COPIED: &[&str] = &[
    "description",
    "pattern",
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "maxProperties",
    "minProperties",
    "multipleOf",
    "example",
];

struct Ctx<'a> {
    defs: &'a Map<String, Value>,
    /// Definitions being inlined, to stop at recursion.
    stack: Vec<String>,
}

fn preserve() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
    m
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
        || v.get("const").is_some_and(Value::is_null)
        || v.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() == 1 && e[0].is_null())
}

fn type_of(m: &Map<String, Value>) -> Option<&str> {
    m.get("type").and_then(Value::as_str)
}

fn is_scalar(t: &str) -> bool {
    matches!(t, "string" | "integer" | "number" | "boolean")
}

impl Ctx<'_> {
    /// A node in a position that must have a type (rule 1).
    fn field(&mut self, v: &Value) -> Map<String, Value> {
        let mut m = self.node(v);
        let typed = m.contains_key("type")
            || m.contains_key("x-kubernetes-int-or-string")
            || m.contains_key("x-kubernetes-preserve-unknown-fields");
        if !typed {
            m.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
        }
        m
    }

    fn node(&mut self, v: &Value) -> Map<String, Value> {
        let Some(obj) = v.as_object() else {
            // `true`, `false` or garbage: anything goes.
            return preserve();
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.reference(r, obj);
        }

        let mut out = Map::new();
        let mut nullable = obj.get("nullable").and_then(Value::as_bool) == Some(true);

        // type, possibly a list including "null"
        let mut types: Vec<&str> = match obj.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"null") {
            nullable = true;
            types.retain(|t| *t != "null");
        }
        match types.as_slice() {
            [] => {}
            [t] => {
                out.insert("type".into(), (*t).into());
            }
            ts if ts.len() == 2 && ts.contains(&"integer") && ts.contains(&"string") => {
                out.insert("x-kubernetes-int-or-string".into(), true.into());
            }
            _ => {
                out.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
            }
        }

        // enum / const
        let values = match (obj.get("enum"), obj.get("const")) {
            (Some(Value::Array(e)), _) => Some(e.clone()),
            (_, Some(c)) => Some(vec![c.clone()]),
            _ => None,
        };
        if let Some(mut values) = values {
            if values.iter().any(Value::is_null) {
                nullable = true;
                values.retain(|v| !v.is_null());
            }
            if !values.is_empty() {
                out.insert("enum".into(), Value::Array(values));
            }
        }

        for key in COPIED {
            if let Some(v) = obj.get(*key) {
                out.insert((*key).into(), v.clone());
            }
        }
        if let Some(ex) = obj
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            && !out.contains_key("example")
        {
            out.insert("example".into(), ex.clone());
        }
        if let Some(d) = obj.get("default")
            && !d.is_null()
        {
            out.insert("default".into(), d.clone());
        }
        if let Some(f) = obj.get("format").and_then(Value::as_str)
            && FORMATS.contains(&f)
        {
            out.insert("format".into(), f.into());
        }
        for (key, flag) in [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ] {
            if let Some(v) = obj.get(key) {
                out.insert(key.into(), v.clone());
            }
            match obj.get(flag) {
                Some(Value::Number(n)) => {
                    out.insert(key.into(), Value::Number(n.clone()));
                    out.insert(flag.into(), true.into());
                }
                Some(Value::Bool(b)) => {
                    out.insert(flag.into(), (*b).into());
                }
                _ => {}
            }
        }
        for (k, v) in obj {
            if k.starts_with("x-kubernetes-") {
                out.insert(k.clone(), v.clone());
            }
        }
        if let Some(req) = obj.get("required").and_then(Value::as_array)
            && !req.is_empty()
        {
            out.insert("required".into(), Value::Array(req.clone()));
        }

        // properties and maps
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            let converted: Map<String, Value> = props
                .iter()
                .map(|(k, v)| (k.clone(), Value::Object(self.field(v))))
                .collect();
            out.insert("properties".into(), Value::Object(converted));
        }
        match obj.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(ap) => {
                if out.contains_key("properties") {
                    // Kubernetes forbids both; keep the extra fields instead.
                    out.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
                } else {
                    out.insert("additionalProperties".into(), Value::Object(self.field(ap)));
                }
            }
        }

        // arrays
        match obj.get("items") {
            Some(items @ Value::Object(_)) | Some(items @ Value::Bool(true)) => {
                out.insert("items".into(), Value::Object(self.field(items)));
            }
            Some(_) => {
                out.insert("items".into(), Value::Object(preserve()));
            }
            None if type_of(&out) == Some("array") => {
                out.insert("items".into(), Value::Object(preserve()));
            }
            None => {}
        }
        if obj.get("uniqueItems").and_then(Value::as_bool) == Some(true)
            && !out.contains_key("x-kubernetes-list-type")
            && out
                .get("items")
                .and_then(Value::as_object)
                .and_then(type_of)
                .is_some_and(is_scalar)
        {
            out.insert("x-kubernetes-list-type".into(), "set".into());
        }

        // junctors
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for s in all {
                let n = self.node(s);
                merge_into(&mut out, n);
            }
        }
        for kw in ["oneOf", "anyOf"] {
            let Some(list) = obj.get(kw).and_then(Value::as_array) else {
                continue;
            };
            let (nulls, rest): (Vec<&Value>, Vec<&Value>) =
                list.iter().partition(|v| is_null_schema(v));
            if !nulls.is_empty() {
                nullable = true;
            }
            let mut variants: Vec<Map<String, Value>> = rest.iter().map(|v| self.node(v)).collect();
            match variants.len() {
                0 => {}
                1 => {
                    if let Some(only) = variants.pop() {
                        merge_into(&mut out, only);
                    }
                }
                _ => union(&mut out, variants, kw),
            }
        }

        if nullable {
            out.insert("nullable".into(), true.into());
        }
        out
    }

    fn reference(&mut self, r: &str, obj: &Map<String, Value>) -> Map<String, Value> {
        let name = r
            .rsplit('/')
            .next()
            .unwrap_or(r)
            .replace("~1", "/")
            .replace("~0", "~");
        let mut out = if self.stack.contains(&name) {
            preserve()
        } else if let Some(def) = self.defs.get(&name) {
            self.stack.push(name);
            let n = self.node(def);
            self.stack.pop();
            n
        } else {
            preserve()
        };
        let mut siblings = obj.clone();
        siblings.remove("$ref");
        if !siblings.is_empty() {
            let sib = self.node(&Value::Object(siblings));
            // What the field says about itself wins over the referenced type.
            for (k, v) in sib {
                if matches!(
                    k.as_str(),
                    "description" | "default" | "nullable" | "example"
                ) {
                    out.insert(k, v);
                } else {
                    merge_key(&mut out, k, v);
                }
            }
        }
        out
    }
}

/// Merge the converted schema `src` into `dst`: properties and `required`
/// are united; for other keys `dst` wins.
fn merge_into(dst: &mut Map<String, Value>, src: Map<String, Value>) {
    for (k, v) in src {
        merge_key(dst, k, v);
    }
}

fn merge_key(dst: &mut Map<String, Value>, k: String, v: Value) {
    match (k.as_str(), dst.get_mut(&k), v) {
        ("properties", Some(Value::Object(d)), Value::Object(s)) => {
            for (pk, pv) in s {
                match (d.get_mut(&pk), pv) {
                    (Some(Value::Object(existing)), Value::Object(new)) => {
                        merge_property(existing, new);
                    }
                    (None, pv) => {
                        d.insert(pk, pv);
                    }
                    _ => {}
                }
            }
        }
        ("required", Some(Value::Array(d)), Value::Array(s)) => {
            for r in s {
                if !d.contains(&r) {
                    d.push(r);
                }
            }
        }
        ("nullable", Some(d), v) => {
            if v == Value::Bool(true) {
                *d = v;
            }
        }
        (_, Some(_), _) => {}
        (_, None, v) => {
            dst.insert(k, v);
        }
    }
}

/// Two schemas (usually two enum variants) name the same property: allow
/// what either allows.
fn merge_property(existing: &mut Map<String, Value>, new: Map<String, Value>) {
    let (a, b) = (type_of(existing), type_of(&new));
    if a != b {
        let int_or_string = matches!(
            (a, b),
            (Some("integer"), Some("string")) | (Some("string"), Some("integer"))
        );
        let nullable = existing.get("nullable").cloned();
        let description = existing.get("description").cloned();
        existing.clear();
        if int_or_string {
            existing.insert("x-kubernetes-int-or-string".into(), true.into());
        } else {
            existing.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
        }
        if let Some(d) = description {
            existing.insert("description".into(), d);
        }
        if let Some(n) = nullable {
            existing.insert("nullable".into(), n);
        }
        return;
    }
    merge_enums(existing, &new);
    if new.get("nullable") == Some(&Value::Bool(true)) {
        existing.insert("nullable".into(), true.into());
    }
    if let (Some(Value::Object(ep)), Some(Value::Object(np))) =
        (existing.get_mut("properties"), new.get("properties"))
    {
        for (k, v) in np {
            match (ep.get_mut(k), v) {
                (Some(Value::Object(e)), Value::Object(n)) => merge_property(e, n.clone()),
                (None, v) => {
                    ep.insert(k.clone(), v.clone());
                }
                _ => {}
            }
        }
        // A field is required only if every alternative requires it.
        let keep: Vec<Value> = match (existing.get("required"), new.get("required")) {
            (Some(Value::Array(a)), Some(Value::Array(b))) => {
                a.iter().filter(|r| b.contains(r)).cloned().collect()
            }
            _ => Vec::new(),
        };
        if keep.is_empty() {
            existing.remove("required");
        } else {
            existing.insert("required".into(), Value::Array(keep));
        }
    }
}

/// Two variants name the same property: allow the values of both.
fn merge_enums(existing: &mut Map<String, Value>, new: &Map<String, Value>) {
    match (existing.get_mut("enum"), new.get("enum")) {
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for v in b {
                if !a.contains(v) {
                    a.push(v.clone());
                }
            }
        }
        (Some(_), None) => {
            existing.remove("enum");
        }
        _ => {}
    }
}

/// The variants of an enum (`oneOf`/`anyOf`), merged into structural form.
fn union(out: &mut Map<String, Value>, variants: Vec<Map<String, Value>>, kw: &str) {
    let types: Vec<Option<&str>> = variants.iter().map(type_of).collect();
    let all = |t: &str| types.iter().all(|x| *x == Some(t));
    if all("object") {
        let required: Vec<Vec<Value>> = variants
            .iter()
            .map(|v| {
                v.get("required")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let common: Vec<Value> = required
            .first()
            .map(|first| {
                first
                    .iter()
                    .filter(|r| required.iter().all(|other| other.contains(r)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let distinct = required.iter().enumerate().all(|(i, a)| {
            !a.is_empty()
                && required
                    .iter()
                    .enumerate()
                    .all(|(j, b)| i == j || !a.iter().all(|r| b.contains(r)))
        });
        let mut merged = Map::new();
        merged.insert("type".into(), "object".into());
        for mut v in variants {
            v.remove("required");
            v.remove("description");
            merge_into(&mut merged, v);
        }
        if !common.is_empty() {
            merged.insert("required".into(), Value::Array(common));
        }
        merge_into(out, merged);
        if distinct {
            let junctor = required
                .into_iter()
                .map(|r| {
                    let mut m = Map::new();
                    m.insert("required".into(), Value::Array(r));
                    Value::Object(m)
                })
                .collect();
            out.insert(kw.into(), Value::Array(junctor));
        }
        return;
    }
    if let Some(Some(t)) = types.first()
        && is_scalar(t)
        && all(t)
    {
        out.entry("type").or_insert_with(|| (*t).into());
        let mut values: Vec<Value> = Vec::new();
        let mut every_enum = true;
        for v in &variants {
            match v.get("enum").and_then(Value::as_array) {
                Some(e) => {
                    for x in e {
                        if !values.contains(x) {
                            values.push(x.clone());
                        }
                    }
                }
                None => every_enum = false,
            }
        }
        if every_enum && !values.is_empty() {
            out.insert("enum".into(), Value::Array(values));
        }
        return;
    }
    let mut kinds: Vec<&str> = types.iter().map(|t| t.unwrap_or("")).collect();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds == ["integer", "string"] {
        out.insert("x-kubernetes-int-or-string".into(), true.into());
        return;
    }
    out.remove("type");
    out.insert("x-kubernetes-preserve-unknown-fields".into(), true.into());
}
