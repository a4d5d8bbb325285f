//! Stage 1: the fetched documents → a typed model of every schema and resource.
//!
//! Reads `specs/openapi/*.json` (the `components.schemas` of each
//! group-version's OpenAPI v3 document) and `specs/discovery/*.json` (each
//! group-version's APIResourceList). Every error names the file, schema or
//! field it is about.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

/// A field's type, before it is written as Rust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    String,
    Bool,
    I32,
    I64,
    F64,
    /// `format: byte`: base64 in JSON.
    Bytes,
    /// Free-form JSON.
    Value,
    /// A type with a fixed Rust path (the hand-written meta types).
    Fixed(&'static str),
    /// Another generated schema, by its full OpenAPI name.
    Ref(String),
    Vec(Box<Ty>),
    Map(Box<Ty>),
}

/// One property of an object schema.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The JSON name.
    pub(crate) json: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) description: String,
}

/// One alternative of a union schema.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// The Rust variant name.
    pub(crate) name: &'static str,
    /// The type of its one field; a generated schema is boxed.
    pub(crate) ty: Ty,
    pub(crate) description: &'static str,
}

/// A schema to generate a struct (an object schema) or an enum (a union) for.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    /// The full OpenAPI name, such as `io.k8s.api.apps.v1.Deployment`.
    pub(crate) name: String,
    /// The module it lives in.
    pub(crate) module: ModuleId,
    /// The Rust type name (the last segment of `name`).
    pub(crate) rust_name: String,
    pub(crate) description: String,
    pub(crate) fields: Vec<Field>,
    /// A union's alternatives (see [`union_variants`]), in the order they
    /// are tried on decode; empty for an object schema.
    pub(crate) variants: Vec<Variant>,
    /// Group/version/kind pairs the schema declares (`x-kubernetes-group-version-kind`).
    pub(crate) gvks: Vec<(String, String, String)>,
}

/// A group module and version, such as `apps`/`v1` (`k8s_client::api::apps::v1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ModuleId {
    /// The group's module and feature name: `core` for the core group,
    /// otherwise the group's first label (`rbac` for `rbac.authorization.k8s.io`).
    pub(crate) group_mod: String,
    pub(crate) version: String,
}

/// One resource as discovery describes it.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    pub(crate) plural: String,
    pub(crate) singular: String,
    pub(crate) namespaced: bool,
    pub(crate) short_names: Vec<String>,
    pub(crate) verbs: Vec<String>,
    /// Subresource names (`status`, `scale`, `log`, …) in discovery's order.
    pub(crate) subresources: Vec<String>,
}

/// Everything read from the specs directory.
#[derive(Debug)]
pub(crate) struct Model {
    /// Every generated schema by full name.
    pub(crate) schemas: BTreeMap<String, Schema>,
    /// Resources by module, in discovery's order.
    pub(crate) resources: BTreeMap<ModuleId, Vec<Resource>>,
    /// The API group of each group module (`rbac` → `rbac.authorization.k8s.io`).
    pub(crate) groups: BTreeMap<String, String>,
    /// The server version the specs came from, such as `v1.34.3`.
    pub(crate) server_version: String,
    /// The protobuf messages of `specs/proto`, by full name.
    pub(crate) protos: crate::proto::Messages,
    /// Pointer-ness and omitempty of the Go fields behind them.
    pub(crate) go: crate::gotypes::GoTypes,
}

/// Meta and runtime types that are hand-written in `k8s_client::meta` (or are
/// free-form JSON), so one definition serves both hand-written and generated code.
pub(crate) fn fixed_type(name: &str) -> Option<Ty> {
    const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.";
    let fixed = |p: &'static str| Some(Ty::Fixed(p));
    if let Some(m) = name.strip_prefix(META) {
        return match m {
            "ObjectMeta" => fixed("crate::meta::ObjectMeta"),
            "ListMeta" => fixed("crate::meta::ListMeta"),
            "LabelSelector" => fixed("crate::meta::LabelSelector"),
            "LabelSelectorRequirement" => fixed("crate::meta::LabelSelectorRequirement"),
            "FieldSelectorRequirement" => fixed("crate::meta::FieldSelectorRequirement"),
            "OwnerReference" => fixed("crate::meta::OwnerReference"),
            "ManagedFieldsEntry" => fixed("crate::meta::ManagedFieldsEntry"),
            "FieldsV1" => fixed("crate::meta::FieldsV1"),
            "Condition" => fixed("crate::meta::Condition"),
            "Status" => fixed("crate::meta::Status"),
            "StatusDetails" => fixed("crate::meta::StatusDetails"),
            "StatusCause" => fixed("crate::meta::StatusCause"),
            "DeleteOptions" => fixed("crate::meta::DeleteOptions"),
            "Preconditions" => fixed("crate::meta::Preconditions"),
            "Time" => fixed("crate::meta::Time"),
            "MicroTime" => fixed("crate::meta::MicroTime"),
            "Patch" => Some(Ty::Value),
            _ => None,
        };
    }
    match name {
        "io.k8s.apimachinery.pkg.api.resource.Quantity" => fixed("crate::meta::Quantity"),
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => fixed("crate::meta::IntOrString"),
        // An embedded object of any kind.
        "io.k8s.apimachinery.pkg.runtime.RawExtension" => Some(Ty::Value),
        // Arbitrary JSON.
        _ if name.strip_prefix(APIEXT) == Some("JSON") => Some(Ty::Value),
        _ => None,
    }
}

/// The package of the apiextensions types.
const APIEXT: &str = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";

/// The alternatives of a union schema: a value of one of several JSON
/// shapes, which the OpenAPI document names without describing (the Go
/// types decode it by hand). Each alternative is a different JSON shape,
/// so trying them in order picks the one Go's decoder picks.
pub(crate) fn union_variants(name: &str) -> Option<Vec<Variant>> {
    let schema = || Ty::Ref(format!("{APIEXT}JSONSchemaProps"));
    let variant = |name, ty, description| Variant {
        name,
        ty,
        description,
    };
    let variants = match name.strip_prefix(APIEXT)? {
        "JSONSchemaPropsOrArray" => vec![
            variant(
                "Schemas",
                Ty::Vec(Box::new(schema())),
                "One schema per position (a JSON array).",
            ),
            variant(
                "Schema",
                schema(),
                "One schema for every item (a JSON object).",
            ),
        ],
        "JSONSchemaPropsOrBool" => vec![
            variant(
                "Bool",
                Ty::Bool,
                "Whether anything is allowed (`true`) or nothing (`false`).",
            ),
            variant(
                "Schema",
                schema(),
                "What is allowed, as a schema (a JSON object).",
            ),
        ],
        "JSONSchemaPropsOrStringArray" => vec![
            variant(
                "Strings",
                Ty::Vec(Box::new(Ty::String)),
                "Property names (a JSON array of strings).",
            ),
            variant("Schema", schema(), "A schema (a JSON object)."),
        ],
        _ => return None,
    };
    Some(variants)
}

/// The module a generated schema belongs to, from its OpenAPI name.
fn module_of(name: &str) -> Option<(ModuleId, String)> {
    let (package, rust_name) = name.rsplit_once('.')?;
    let (group_mod, version) = if let Some(rest) = package.strip_prefix("io.k8s.api.") {
        rest.split_once('.')?
    } else if let Some(v) =
        package.strip_prefix("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.")
    {
        ("apiextensions", v)
    } else if let Some(v) = package.strip_prefix("io.k8s.kube-aggregator.pkg.apis.apiregistration.")
    {
        ("apiregistration", v)
    } else {
        return None;
    };
    if version.contains('.') {
        return None;
    }
    Some((
        ModuleId {
            group_mod: group_mod.to_owned(),
            version: version.to_owned(),
        },
        rust_name.to_owned(),
    ))
}

/// The module name and feature of an API group.
pub(crate) fn group_mod(group: &str) -> String {
    if group.is_empty() {
        "core".to_owned()
    } else {
        group.split('.').next().unwrap_or(group).to_owned()
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("reading {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Error::new(format!("parsing {}: {e}", path.display())))
}

/// JSON files in `dir`, sorted by name so the output never depends on the
/// file system's order.
fn json_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?
            .path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn str_field<'a>(v: &'a Value, key: &str, what: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::new(format!("{what}: missing string `{key}`")))
}

impl Model {
    /// Reads the specs directory.
    pub(crate) fn load(specs: &Path) -> Result<Model> {
        let version = read_json(&specs.join("version.json"))?;
        let server_version = str_field(&version, "gitVersion", "version.json")?.to_owned();

        // The same schema appears in every document that refers to it; the
        // copies must agree.
        let mut raw: BTreeMap<String, Value> = BTreeMap::new();
        for file in json_files(&specs.join("openapi"))? {
            let doc = read_json(&file)?;
            let schemas = doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .ok_or_else(|| Error::new(format!("{}: no components.schemas", file.display())))?;
            for (name, schema) in schemas {
                match raw.get(name) {
                    Some(prev) if prev != schema => {
                        return Err(Error::new(format!(
                            "schema {name} differs between documents (second copy in {})",
                            file.display()
                        )));
                    }
                    Some(_) => {}
                    None => {
                        raw.insert(name.clone(), schema.clone());
                    }
                }
            }
        }

        let mut schemas = BTreeMap::new();
        for (name, schema) in &raw {
            if fixed_type(name).is_some() {
                continue;
            }
            let Some((module, rust_name)) = module_of(name) else {
                // Meta types nothing generated refers to (APIResourceList,
                // WatchEvent, …): references to them are checked below.
                continue;
            };
            let parsed = match union_variants(name) {
                Some(variants) => Schema {
                    name: name.clone(),
                    module,
                    rust_name,
                    description: description(schema),
                    fields: Vec::new(),
                    variants,
                    gvks: Vec::new(),
                },
                None => parse_schema(name, schema, module, rust_name)?,
            };
            schemas.insert(name.clone(), parsed);
        }
        // Every reference must resolve to a generated or hand-written type.
        for s in schemas.values() {
            for f in &s.fields {
                check_refs(&f.ty, &schemas)
                    .map_err(|e| Error::new(format!("{}.{}: {e}", s.name, f.json)))?;
            }
            for v in &s.variants {
                check_refs(&v.ty, &schemas)
                    .map_err(|e| Error::new(format!("{}::{}: {e}", s.name, v.name)))?;
            }
        }

        let mut resources: BTreeMap<ModuleId, Vec<Resource>> = BTreeMap::new();
        let mut groups = BTreeMap::new();
        for file in json_files(&specs.join("discovery"))? {
            let what = file.display().to_string();
            let doc = read_json(&file)?;
            let gv = str_field(&doc, "groupVersion", &what)?;
            let (group, version) = gv.rsplit_once('/').unwrap_or(("", gv));
            let module = ModuleId {
                group_mod: group_mod(group),
                version: version.to_owned(),
            };
            if let Some(prev) = groups.insert(module.group_mod.clone(), group.to_owned())
                && prev != group
            {
                return Err(Error::new(format!(
                    "{what}: groups {prev} and {group} would share the module {}",
                    module.group_mod
                )));
            }
            let list = doc
                .get("resources")
                .and_then(Value::as_array)
                .ok_or_else(|| Error::new(format!("{what}: no resources")))?;
            let mut found: Vec<Resource> = Vec::new();
            for r in list {
                let name = str_field(r, "name", &what)?;
                if let Some((plural, sub)) = name.split_once('/') {
                    let parent =
                        found
                            .iter_mut()
                            .find(|p| p.plural == plural)
                            .ok_or_else(|| {
                                Error::new(format!(
                                    "{what}: subresource {name} before its resource"
                                ))
                            })?;
                    parent.subresources.push(sub.to_owned());
                    continue;
                }
                let what = format!("{what}: resource {name}");
                let strings = |key: &str| -> Vec<String> {
                    r.get(key)
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default()
                };
                found.push(Resource {
                    group: group.to_owned(),
                    version: version.to_owned(),
                    kind: str_field(r, "kind", &what)?.to_owned(),
                    plural: name.to_owned(),
                    singular: str_field(r, "singularName", &what)?.to_owned(),
                    namespaced: r
                        .get("namespaced")
                        .and_then(Value::as_bool)
                        .ok_or_else(|| Error::new(format!("{what}: missing `namespaced`")))?,
                    short_names: strings("shortNames"),
                    verbs: strings("verbs"),
                    subresources: Vec::new(),
                });
            }
            resources.insert(module, found);
        }
        let protos = crate::proto::load(&specs.join("proto"))?;
        let mut go = crate::gotypes::GoTypes::new();
        crate::gotypes::load(&specs.join("proto"), &mut go)?;
        Ok(Model {
            schemas,
            resources,
            groups,
            server_version,
            protos,
            go,
        })
    }

    /// The schema of a resource: the one declaring its group/version/kind in
    /// the resource's module.
    pub(crate) fn schema_of(&self, module: &ModuleId, r: &Resource) -> Result<&Schema> {
        let mut hits = self.schemas.values().filter(|s| {
            &s.module == module
                && s.gvks
                    .iter()
                    .any(|(g, v, k)| *g == r.group && *v == r.version && *k == r.kind)
        });
        match (hits.next(), hits.next()) {
            (Some(s), None) => Ok(s),
            (None, _) => Err(Error::new(format!(
                "resource {}/{} ({}): no schema declares its group/version/kind",
                module.group_mod, r.plural, r.kind
            ))),
            (Some(a), Some(b)) => Err(Error::new(format!(
                "resource {}/{} ({}): both {} and {} declare it",
                module.group_mod, r.plural, r.kind, a.name, b.name
            ))),
        }
    }
}

fn check_refs(ty: &Ty, schemas: &BTreeMap<String, Schema>) -> Result<()> {
    match ty {
        Ty::Ref(r) if !schemas.contains_key(r) => Err(Error::new(format!(
            "refers to {r}, which is neither generated nor hand-written in k8s_client::meta"
        ))),
        Ty::Vec(t) | Ty::Map(t) => check_refs(t, schemas),
        _ => Ok(()),
    }
}

fn parse_schema(name: &str, v: &Value, module: ModuleId, rust_name: String) -> Result<Schema> {
    let ctx = |e: Error| Error::new(format!("schema {name}: {e}"));
    match v.get("type").and_then(Value::as_str) {
        Some("object") => {}
        other => {
            return Err(ctx(Error::new(format!(
                "expected `type: object`, found {other:?}; map it in fixed_type if it is hand-written"
            ))));
        }
    }
    let required: BTreeSet<&str> = v
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields = Vec::new();
    if let Some(props) = v.get("properties").and_then(Value::as_object) {
        for (json, p) in props {
            let ty = parse_ty(p).map_err(|e| ctx(Error::new(format!("field {json}: {e}"))))?;
            fields.push(Field {
                json: json.clone(),
                ty,
                required: required.contains(json.as_str()),
                description: description(p),
            });
        }
    }
    let gvks = v
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|g| -> Result<(String, String, String)> {
                    Ok((
                        str_field(g, "group", name)?.to_owned(),
                        str_field(g, "version", name)?.to_owned(),
                        str_field(g, "kind", name)?.to_owned(),
                    ))
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Schema {
        name: name.to_owned(),
        module,
        rust_name,
        description: description(v),
        fields,
        variants: Vec::new(),
        gvks,
    })
}

fn description(v: &Value) -> String {
    v.get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The type of a property (or of array items and map values).
fn parse_ty(p: &Value) -> Result<Ty> {
    // References are written `$ref` or, with siblings such as a default,
    // `allOf: [{$ref}]`.
    let reference = p.get("$ref").and_then(Value::as_str).or_else(|| {
        p.get("allOf")
            .and_then(Value::as_array)
            .and_then(|a| match a.as_slice() {
                [one] => one.get("$ref").and_then(Value::as_str),
                _ => None,
            })
    });
    if let Some(r) = reference {
        let name = r
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| Error::new(format!("unexpected reference {r}")))?;
        return Ok(fixed_type(name).unwrap_or_else(|| Ty::Ref(name.to_owned())));
    }
    if p.get("allOf").is_some() || p.get("oneOf").is_some() || p.get("anyOf").is_some() {
        return Err(Error::new("a union other than allOf with one $ref"));
    }
    let format = p.get("format").and_then(Value::as_str);
    Ok(match p.get("type").and_then(Value::as_str) {
        Some("string") => match format {
            Some("byte") => Ty::Bytes,
            Some("date-time") => Ty::Fixed("crate::meta::Time"),
            _ => Ty::String,
        },
        Some("boolean") => Ty::Bool,
        Some("integer") => match format {
            Some("int32") => Ty::I32,
            _ => Ty::I64,
        },
        Some("number") => Ty::F64,
        Some("array") => {
            let items = p
                .get("items")
                .ok_or_else(|| Error::new("array without items"))?;
            Ty::Vec(Box::new(parse_ty(items)?))
        }
        Some("object") => match p.get("additionalProperties") {
            Some(values) if values.is_object() => Ty::Map(Box::new(parse_ty(values)?)),
            _ => Ty::Value,
        },
        None => Ty::Value,
        Some(other) => return Err(Error::new(format!("unknown type {other}"))),
    })
}
