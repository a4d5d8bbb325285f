//! Stage 2b: the protobuf codec of every generated struct, for the same
//! Rust types serde uses (`{version}_pb.rs` beside each `{version}.rs`).
//!
//! Each struct gets an `impl Message`: a `match` on the field number that
//! calls one helper of `k8s_client::protobuf` per field, a table of field
//! names for error paths, and an encoder that writes the fields backwards.
//!
//! How the `.proto` and the OpenAPI schema are matched:
//! - a message is the schema of the same package and name;
//! - a proto field is the schema property of the same name, ignoring case
//!   and punctuation (`aPIGroup` is `apiGroup`, `xKubernetesEmbeddedResource`
//!   is `x-kubernetes-embedded-resource`, `ref` is `$ref`);
//! - a proto field with no property of its name is a Go embedded struct
//!   that JSON flattens (`Volume.volumeSource`): a nested message whose
//!   fields are the parent's own;
//! - the wire type comes from the `.proto`, and must agree with the Rust type;
//! - Go's `types.go` says whether a field is a pointer (written only when
//!   set) or not (always written, and, when `omitempty`, its zero value is
//!   what JSON leaves out, so it decodes to `None`).
//!
//! Every mismatch is an error naming the message and field.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::emit::{Emitter, Shape, list_of};
use crate::gotypes::GoField;
use crate::model::{Field, ModuleId, Resource, Schema, Ty};
use crate::names::snake;
use crate::proto::{Label, PField, PMessage, PType};
use crate::{Error, Result};

/// The proto name of an OpenAPI schema name.
fn proto_name(openapi: &str) -> Option<String> {
    let rest = openapi.strip_prefix("io.k8s.")?;
    Some(format!(".k8s.io.{}", rest.replace('-', "_")))
}

/// A name with case and punctuation removed, for matching.
fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a field's value is a [`Value`] (a leaf) or a [`Message`] in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Value,
    Message,
}

/// Proto messages whose Rust form is a leaf type.
const LEAF_MESSAGES: &[(&str, &str)] = &[
    (
        "crate::meta::Time",
        ".k8s.io.apimachinery.pkg.apis.meta.v1.Time",
    ),
    (
        "crate::meta::MicroTime",
        ".k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime",
    ),
    (
        "crate::meta::Quantity",
        ".k8s.io.apimachinery.pkg.api.resource.Quantity",
    ),
    (
        "crate::meta::IntOrString",
        ".k8s.io.apimachinery.pkg.util.intstr.IntOrString",
    ),
    (
        "crate::meta::FieldsV1",
        ".k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1",
    ),
];

/// The hand-written meta types with a `Message` impl in `k8s_client::protobuf`.
const META_MESSAGES: &[&str] = &[
    "ObjectMeta",
    "ListMeta",
    "LabelSelector",
    "LabelSelectorRequirement",
    "FieldSelectorRequirement",
    "OwnerReference",
    "ManagedFieldsEntry",
    "Condition",
    "Status",
    "StatusDetails",
    "StatusCause",
    "DeleteOptions",
    "Preconditions",
];

struct Ctx<'a, 'm> {
    em: &'a mut Emitter<'m>,
    /// What is being generated, for errors.
    what: String,
}

impl Ctx<'_, '_> {
    fn err(&self, msg: impl std::fmt::Display) -> Error {
        Error::new(format!("{}: {msg}", self.what))
    }

    /// Checks one (non-repeated) Rust type against a proto type.
    fn kind(&self, ty: &Ty, p: &PType, in_map: bool) -> Result<Kind> {
        let ok = |k| Ok(k);
        match (ty, p) {
            (Ty::String, PType::String)
            | (Ty::Bool, PType::Bool)
            | (Ty::I32, PType::Int32)
            | (Ty::I64, PType::Int64)
            | (Ty::Bytes, PType::Bytes)
            | (Ty::F64, PType::Double) => ok(Kind::Value),
            (Ty::Value, PType::Message(m))
                if m == ".k8s.io.apimachinery.pkg.runtime.RawExtension"
                    || m.ends_with(".apiextensions.v1.JSON") =>
            {
                ok(Kind::Value)
            }
            (Ty::Fixed(path), PType::Message(m)) => {
                if let Some((_, want)) = LEAF_MESSAGES.iter().find(|(p, _)| p == path) {
                    return if m == want {
                        ok(Kind::Value)
                    } else {
                        Err(self.err(format!("{path} is the proto message {m}")))
                    };
                }
                let short = path.rsplit("::").next().unwrap_or(path);
                if META_MESSAGES.contains(&short)
                    && m == &format!(".k8s.io.apimachinery.pkg.apis.meta.v1.{short}")
                {
                    ok(Kind::Message)
                } else {
                    Err(self.err(format!("{path} is the proto message {m}")))
                }
            }
            (Ty::Ref(name), PType::Message(m)) => {
                if proto_name(name).as_deref() != Some(m.as_str()) {
                    return Err(self.err(format!("{name} is the proto message {m}")));
                }
                let union = self
                    .em
                    .model
                    .schemas
                    .get(name)
                    .is_some_and(|s| !s.variants.is_empty());
                ok(if union { Kind::Value } else { Kind::Message })
            }
            // `map<string, ExtraValue>`: a wrapper message around a list.
            (Ty::Vec(inner), PType::Message(m))
                if in_map && **inner == Ty::String && m.ends_with(".ExtraValue") =>
            {
                ok(Kind::Value)
            }
            _ => Err(self.err(format!(
                "the Rust type {ty:?} and the proto type {p:?} disagree"
            ))),
        }
    }
}

/// The decode expression and encode statement of one field.
struct Arm {
    number: u32,
    name: String,
    decode: String,
    encode: String,
}

/// The arm of proto field `pf`, which is Rust field `f` of the struct.
fn field_arm(
    cx: &mut Ctx<'_, '_>,
    f: &Field,
    shape: Shape,
    pf: &PField,
    go: Option<GoField>,
) -> Result<Arm> {
    let rust = format!("self.{}", snake(&f.json));
    let n = pf.number;
    // Unknown Go declarations are taken as pointers: written only when set.
    let pointer = go.is_none_or(|g| g.pointer);
    let omitempty = go.is_some_and(|g| g.omitempty);
    let (decode, encode) = match (&f.ty, pf.label) {
        (Ty::Vec(inner), Label::Repeated) => {
            let k = match cx.kind(inner, &pf.ty, false)? {
                Kind::Value => "val",
                Kind::Message => "msg",
            };
            match shape {
                Shape::Plain => (
                    format!("pb::vec_{k}(&mut {rust}, wt, r)"),
                    format!("pb::put_vec_{k}(w, {n}, &{rust});"),
                ),
                Shape::Opt => (
                    format!("pb::opt_vec_{k}(&mut {rust}, wt, r)"),
                    format!("pb::put_opt_vec_{k}(w, {n}, &{rust});"),
                ),
                Shape::OptBox => return Err(cx.err(format!("{}: a boxed list", f.json))),
            }
        }
        (Ty::Map(inner), Label::Map) => {
            let k = match cx.kind(inner, &pf.ty, true)? {
                Kind::Value => "val",
                Kind::Message => "msg",
            };
            match shape {
                Shape::Plain => (
                    format!("pb::map_{k}(&mut {rust}, wt, r)"),
                    format!("pb::put_map_{k}(w, {n}, &{rust});"),
                ),
                Shape::Opt => (
                    format!("pb::opt_map_{k}(&mut {rust}, wt, r)"),
                    format!("pb::put_opt_map_{k}(w, {n}, &{rust});"),
                ),
                Shape::OptBox => return Err(cx.err(format!("{}: a boxed map", f.json))),
            }
        }
        (Ty::Vec(_) | Ty::Map(_), _) | (_, Label::Repeated | Label::Map) => {
            return Err(cx.err(format!(
                "field {}: the Rust type {:?} and the proto label {:?} disagree",
                f.json, f.ty, pf.label
            )));
        }
        (ty, Label::Optional) => {
            let kind = cx
                .kind(ty, &pf.ty, false)
                .map_err(|e| cx.err(format!("field {}: {e}", f.json)))?;
            match (shape, kind) {
                (Shape::Plain, Kind::Value) => (
                    format!("pb::val(&mut {rust}, wt, r)"),
                    format!("pb::put_val(w, {n}, &{rust});"),
                ),
                (Shape::Plain, Kind::Message) => (
                    format!("pb::msg(&mut {rust}, wt, r)"),
                    format!("pb::put_msg(w, {n}, &{rust});"),
                ),
                (Shape::Opt, Kind::Value) => {
                    let scalar =
                        matches!(ty, Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::Bytes);
                    let dec = if scalar && !pointer && omitempty {
                        "opt_val_nz"
                    } else {
                        "opt_val"
                    };
                    let enc = if pointer {
                        "put_opt_val"
                    } else {
                        "put_opt_val_zero"
                    };
                    (
                        format!("pb::{dec}(&mut {rust}, wt, r)"),
                        format!("pb::{enc}(w, {n}, &{rust});"),
                    )
                }
                (Shape::Opt, Kind::Message) => {
                    let enc = if pointer {
                        "put_opt_msg"
                    } else {
                        "put_opt_msg_zero"
                    };
                    (
                        format!("pb::opt_msg(&mut {rust}, wt, r)"),
                        format!("pb::{enc}(w, {n}, &{rust}.as_ref());"),
                    )
                }
                (Shape::OptBox, Kind::Message) => {
                    let enc = if pointer {
                        "put_opt_msg"
                    } else {
                        "put_opt_msg_zero"
                    };
                    (
                        format!("pb::opt_box_msg(&mut {rust}, wt, r)"),
                        format!("pb::{enc}(w, {n}, &{rust});"),
                    )
                }
                (Shape::OptBox, Kind::Value) => {
                    return Err(cx.err(format!("field {}: a boxed leaf value", f.json)));
                }
            }
        }
    };
    Ok(Arm {
        number: n,
        name: f.json.clone(),
        decode,
        encode,
    })
}

/// The arms of message `msg` (proto name `pname`) filling the Rust struct
/// `s`: its own fields, or, for an embedded struct, the parent's. Records
/// which Rust fields were filled in `filled`.
fn arms(
    cx: &mut Ctx<'_, '_>,
    s: &Schema,
    resource: bool,
    pname: &str,
    msg: &PMessage,
    filled: &mut BTreeSet<String>,
    depth: usize,
) -> Result<Vec<Arm>> {
    let model = cx.em.model;
    let short = pname.rsplit('.').next().unwrap_or(pname);
    let go = model.go.get(&(msg.package.clone(), short.to_owned()));
    let mut out = Vec::new();
    for pf in &msg.fields {
        let gof = go.and_then(|g| g.get(&pf.number)).copied();
        let field = s
            .fields
            .iter()
            .find(|f| norm(&f.json) == norm(&pf.name))
            .filter(|f| !(resource && (f.json == "apiVersion" || f.json == "kind")));
        if let Some(f) = field {
            let shape = cx.em.shape(f, resource);
            out.push(field_arm(cx, f, shape, pf, gof)?);
            filled.insert(f.json.clone());
            continue;
        }
        // An embedded struct that JSON flattens into this one.
        let embedded = match (&pf.ty, pf.label) {
            (PType::Message(m), Label::Optional) if depth < 4 => {
                model.protos.get(m).map(|pm| (m, pm))
            }
            _ => None,
        };
        let Some((m, pm)) = embedded else {
            return Err(cx.err(format!(
                "proto field {} ({}) has no property in the schema",
                pf.name, pf.number
            )));
        };
        let inner = arms(cx, s, resource, m, pm, filled, depth + 1)?;
        let n = pf.number;
        let mut decode = String::from("pb::embedded(wt, r, |tag, wt, r| match tag {\n");
        for a in &inner {
            let _ = writeln!(decode, "{} => {},", a.number, a.decode);
        }
        decode.push_str("_ => r.skip(wt),\n})");
        let mut encode = format!("w.nested({n}, |w| {{\n");
        for a in inner.iter().rev() {
            let _ = writeln!(encode, "{}", a.encode);
        }
        encode.push_str("});");
        out.push(Arm {
            number: n,
            name: pf.name.clone(),
            decode,
            encode,
        });
    }
    out.sort_by_key(|a| a.number);
    Ok(out)
}

fn emit_message(em: &mut Emitter<'_>, out: &mut String, s: &Schema, resource: bool) -> Result<()> {
    let model = em.model;
    let mut cx = Ctx {
        em,
        what: format!("protobuf of {}", s.name),
    };
    let pname = proto_name(&s.name).ok_or_else(|| cx.err("no proto package"))?;
    let msg = model
        .protos
        .get(&pname)
        .ok_or_else(|| cx.err(format!("no proto message {pname}")))?;
    let mut filled = BTreeSet::new();
    let arms = arms(&mut cx, s, resource, &pname, msg, &mut filled, 0)?;
    for f in &s.fields {
        // TypeMeta is not in the message: the envelope carries it.
        let type_meta = f.json == "apiVersion" || f.json == "kind";
        if !type_meta && !filled.contains(&f.json) {
            return Err(cx.err(format!("property {} has no proto field", f.json)));
        }
    }
    let name = &s.rust_name;
    if arms.is_empty() {
        // A message with no fields (an empty struct): everything is skipped.
        let _ = writeln!(
            out,
            "impl pb::Message for {name} {{\nfn merge_field(&mut self, _tag: u32, wt: pb::WireType, r: &mut pb::Reader<'_>) -> pb::Result<()> {{\nr.skip(wt)\n}}\nfn field_name(_tag: u32) -> &'static str {{\n\"?\"\n}}\nfn encode(&self, _w: &mut pb::Writer) {{}}\n}}\n"
        );
        return Ok(());
    }
    let _ = writeln!(out, "impl pb::Message for {name} {{");
    out.push_str(
        "fn merge_field(&mut self, tag: u32, wt: pb::WireType, r: &mut pb::Reader<'_>) -> pb::Result<()> {\nmatch tag {\n",
    );
    for a in &arms {
        let _ = writeln!(out, "{} => {},", a.number, a.decode);
    }
    out.push_str("_ => r.skip(wt),\n}\n}\n");
    out.push_str("fn field_name(tag: u32) -> &'static str {\nmatch tag {\n");
    for a in &arms {
        let _ = writeln!(out, "{} => {:?},", a.number, a.name);
    }
    out.push_str("_ => \"?\",\n}\n}\n");
    out.push_str("fn encode(&self, w: &mut pb::Writer) {\n");
    for a in arms.iter().rev() {
        let _ = writeln!(out, "{}", a.encode);
    }
    out.push_str("}\n");
    out.push_str("}\n\n");
    Ok(())
}

/// The three apiextensions unions, by hand: each is a message of its
/// alternatives, and Go's JSON picks the shape from which one is set.
fn emit_union(out: &mut String, s: &Schema) -> Result<()> {
    let code = match s.rust_name.as_str() {
        // {bool allows = 1; JSONSchemaProps schema = 2}: a schema when set.
        "JSONSchemaPropsOrBool" => {
            "impl pb::Value for JSONSchemaPropsOrBool {
    const WIRE: pb::WireType = pb::WireType::Len;
    fn decode(wt: pb::WireType, r: &mut pb::Reader<'_>) -> pb::Result<Self> {
        let (mut allows, mut schema) = (false, None);
        pb::embedded(wt, r, |tag, wt, r| match tag {
            1 => pb::val(&mut allows, wt, r),
            2 => pb::opt_box_msg(&mut schema, wt, r),
            _ => r.skip(wt),
        })?;
        Ok(match schema {
            Some(s) => JSONSchemaPropsOrBool::Schema(s),
            None => JSONSchemaPropsOrBool::Bool(allows),
        })
    }
    fn encode(&self, tag: u32, w: &mut pb::Writer) {
        w.nested(tag, |w| match self {
            JSONSchemaPropsOrBool::Schema(s) => {
                pb::put_msg(w, 2, &**s);
                pb::put_val(w, 1, &true);
            }
            JSONSchemaPropsOrBool::Bool(b) => pb::put_val(w, 1, b),
        });
    }
    fn encode_zero(tag: u32, w: &mut pb::Writer) {
        pb::Value::encode(&JSONSchemaPropsOrBool::Bool(false), tag, w);
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(JSONSchemaPropsOrBool::Bool(false))
    }
}
"
        }
        // {JSONSchemaProps schema = 1; repeated JSONSchemaProps jSONSchemas = 2}.
        "JSONSchemaPropsOrArray" => {
            "impl pb::Value for JSONSchemaPropsOrArray {
    const WIRE: pb::WireType = pb::WireType::Len;
    fn decode(wt: pb::WireType, r: &mut pb::Reader<'_>) -> pb::Result<Self> {
        let (mut schema, mut schemas) = (None, Vec::new());
        pb::embedded(wt, r, |tag, wt, r| match tag {
            1 => pb::opt_box_msg(&mut schema, wt, r),
            2 => pb::vec_msg(&mut schemas, wt, r),
            _ => r.skip(wt),
        })?;
        Ok(if schemas.is_empty() {
            JSONSchemaPropsOrArray::Schema(schema.unwrap_or_default())
        } else {
            JSONSchemaPropsOrArray::Schemas(schemas)
        })
    }
    fn encode(&self, tag: u32, w: &mut pb::Writer) {
        w.nested(tag, |w| match self {
            JSONSchemaPropsOrArray::Schemas(v) => pb::put_vec_msg(w, 2, v),
            JSONSchemaPropsOrArray::Schema(s) => pb::put_msg(w, 1, &**s),
        });
    }
    fn encode_zero(tag: u32, w: &mut pb::Writer) {
        w.bytes_field(tag, b\"\");
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(JSONSchemaPropsOrArray::Schemas(Vec::new()))
    }
}
"
        }
        // {JSONSchemaProps schema = 1; repeated string property = 2}.
        "JSONSchemaPropsOrStringArray" => {
            "impl pb::Value for JSONSchemaPropsOrStringArray {
    const WIRE: pb::WireType = pb::WireType::Len;
    fn decode(wt: pb::WireType, r: &mut pb::Reader<'_>) -> pb::Result<Self> {
        let (mut schema, mut strings) = (None, Vec::new());
        pb::embedded(wt, r, |tag, wt, r| match tag {
            1 => pb::opt_box_msg(&mut schema, wt, r),
            2 => pb::vec_val(&mut strings, wt, r),
            _ => r.skip(wt),
        })?;
        Ok(if strings.is_empty() {
            JSONSchemaPropsOrStringArray::Schema(schema.unwrap_or_default())
        } else {
            JSONSchemaPropsOrStringArray::Strings(strings)
        })
    }
    fn encode(&self, tag: u32, w: &mut pb::Writer) {
        w.nested(tag, |w| match self {
            JSONSchemaPropsOrStringArray::Strings(v) => pb::put_vec_val(w, 2, v),
            JSONSchemaPropsOrStringArray::Schema(s) => pb::put_msg(w, 1, &**s),
        });
    }
    fn encode_zero(tag: u32, w: &mut pb::Writer) {
        w.bytes_field(tag, b\"\");
    }
    fn is_zero(&self) -> bool {
        false
    }
    fn zero() -> Option<Self> {
        Some(JSONSchemaPropsOrStringArray::Strings(Vec::new()))
    }
}
"
        }
        other => {
            return Err(Error::new(format!(
                "protobuf of {}: no codec for the union {other}",
                s.name
            )));
        }
    };
    out.push_str(code);
    out.push('\n');
    Ok(())
}

/// Checks a `KindList` message is `{ListMeta metadata = 1; repeated Kind items = 2}`,
/// which `List<T>`'s codec assumes.
fn check_list(em: &Emitter<'_>, s: &Schema, item: &str) -> Result<()> {
    let pname = proto_name(&s.name).unwrap_or_default();
    let msg =
        em.model.protos.get(&pname).ok_or_else(|| {
            Error::new(format!("protobuf of {}: no proto message {pname}", s.name))
        })?;
    let item_proto = format!("{}.{item}", pname.rsplit_once('.').map_or("", |p| p.0));
    let shape: Vec<(u32, Label, PType)> = msg
        .fields
        .iter()
        .map(|f| (f.number, f.label, f.ty.clone()))
        .collect();
    let want = vec![
        (
            1,
            Label::Optional,
            PType::Message(".k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta".to_owned()),
        ),
        (2, Label::Repeated, PType::Message(item_proto)),
    ];
    if shape != want {
        return Err(Error::new(format!(
            "protobuf of {}: not {{ListMeta metadata = 1; repeated {item} items = 2}}",
            s.name
        )));
    }
    Ok(())
}

/// The codec file of one version module.
pub(crate) fn emit_module(
    em: &mut Emitter<'_>,
    module: &ModuleId,
    schemas: &[&crate::model::Schema],
    resources: &[Resource],
) -> Result<String> {
    let model = em.model;
    let mut resource_schemas = BTreeSet::new();
    for r in resources {
        resource_schemas.insert(model.schema_of(module, r)?.name.clone());
    }
    let kinds: BTreeSet<String> = resource_schemas
        .iter()
        .filter_map(|n| model.schemas.get(n))
        .map(|s| s.rust_name.clone())
        .collect();
    let mut out = format!(
        "//! Protobuf codecs of the `{}/{}` types (`k8s_client::protobuf`).\n//!\n//! Generated by `cargo run -p k8s-codegen` from `codegen/specs`; do not edit.\n\n\
         use super::{}::*;\nuse crate::protobuf as pb;\n\n",
        module.group_mod, module.version, module.version
    );
    for s in schemas {
        if let Some(item) = list_of(s, &kinds) {
            check_list(em, s, item)?;
            continue;
        }
        if !s.variants.is_empty() {
            emit_union(&mut out, s)?;
            continue;
        }
        emit_message(em, &mut out, s, resource_schemas.contains(&s.name))?;
    }
    Ok(out)
}
