//! Stage 2: the rules a [`Model`] must follow, one function each.
//!
//! Every rule reports at the token that broke it, and [`check`] runs them
//! all, so one compile shows every mistake. Defaults formed from other
//! settings (`Setting::origin` is `None`) are not checked: they are right
//! when those settings are.

use darling::error::Accumulator;

use crate::model::{Model, SchemaMode, Setting, priority_value};
use crate::parse::error_at;

/// A rule: reports what it finds wrong with the model into the accumulator.
type Rule = fn(&Model, &mut Accumulator);

/// Every rule, in the order their errors are shown.
const RULES: &[Rule] = &[
    group_format,
    version_format,
    kind_format,
    lowercase_names,
    scale_paths,
    printcolumn_types,
    printcolumn_paths,
    printcolumn_formats,
    printcolumn_priorities,
    schema_mode,
    crd_group,
    status_field,
];

/// Run every rule; all errors found are reported together.
pub(crate) fn check(m: &Model) -> darling::Result<()> {
    let mut errors = darling::Error::accumulator();
    for rule in RULES {
        rule(m, &mut errors);
    }
    errors.finish()
}

/// Report `msg` at the token `setting` came from (defaults are not reported).
fn report<T>(errors: &mut Accumulator, setting: &Setting<T>, msg: String) {
    if let Some(span) = setting.origin {
        errors.push(error_at(span, msg));
    }
}

/// `group`: empty (the core group) or a lowercase DNS subdomain.
fn group_format(m: &Model, errors: &mut Accumulator) {
    let g = &m.group.value;
    if !g.is_empty() && !is_dns_subdomain(g) {
        report(
            errors,
            &m.group,
            format!(
                "invalid group `{g}`: must be empty (the core group) or a lowercase DNS subdomain such as `example.com`"
            ),
        );
    }
}

/// `version`: `v1`, `v1beta2`, `v2alpha1`, … as Kubernetes orders them.
fn version_format(m: &Model, errors: &mut Accumulator) {
    let v = &m.version.value;
    if !is_kube_version(v) {
        report(
            errors,
            &m.version,
            format!("invalid version `{v}`: must look like `v1`, `v1beta2` or `v2alpha1`"),
        );
    }
}

/// `kind` (or the struct's name): UpperCamelCase ASCII letters and digits.
fn kind_format(m: &Model, errors: &mut Accumulator) {
    let k = &m.kind.value;
    let mut chars = k.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if !ok {
        report(
            errors,
            &m.kind,
            format!("invalid kind `{k}`: must be UpperCamelCase ASCII, such as `Widget`"),
        );
    }
}

/// `singular`, `plural`, short names, categories and subresources: lowercase DNS labels.
fn lowercase_names(m: &Model, errors: &mut Accumulator) {
    let named = [("singular", &m.singular), ("plural", &m.plural)];
    let listed = [
        ("short name", &m.short_names),
        ("category", &m.categories),
        ("subresource", &m.extra_subresources),
    ];
    let all = named.into_iter().chain(
        listed
            .into_iter()
            .flat_map(|(what, list)| list.iter().map(move |s| (what, s))),
    );
    for (what, s) in all {
        if !is_dns_label(&s.value) {
            report(
                errors,
                s,
                format!(
                    "invalid {what} `{}`: must be a lowercase DNS label (a-z, 0-9, '-', at most 63)",
                    s.value
                ),
            );
        }
    }
}

/// `scale(...)`: the replicas paths under `.spec` and `.status`, the selector under either.
fn scale_paths(m: &Model, errors: &mut Accumulator) {
    let Some(scale) = &m.scale else { return };
    json_path_under(errors, &scale.spec_replicas_path, &[".spec."]);
    json_path_under(errors, &scale.status_replicas_path, &[".status."]);
    if let Some(selector) = &scale.label_selector_path {
        json_path_under(errors, selector, &[".spec.", ".status."]);
    }
}

/// `printcolumn(type = ...)`: one of the types `kubectl get` can show.
fn printcolumn_types(m: &Model, errors: &mut Accumulator) {
    const TYPES: [&str; 5] = ["integer", "number", "string", "boolean", "date"];
    for c in &m.print_columns {
        let t = &c.ty.value;
        if !TYPES.contains(&t.as_str()) {
            report(
                errors,
                &c.ty,
                format!("invalid column type `{t}`: must be one of {TYPES:?}"),
            );
        }
    }
}

/// `printcolumn(json_path = ...)`: a simple JSON path from the object's root.
fn printcolumn_paths(m: &Model, errors: &mut Accumulator) {
    for c in &m.print_columns {
        json_path_under(errors, &c.json_path, &["."]);
    }
}

/// `printcolumn(format = ...)`: one of the OpenAPI formats the server accepts there.
fn printcolumn_formats(m: &Model, errors: &mut Accumulator) {
    const FORMATS: [&str; 8] = [
        "int32",
        "int64",
        "float",
        "double",
        "byte",
        "date",
        "date-time",
        "password",
    ];
    for format in m.print_columns.iter().filter_map(|c| c.format.as_ref()) {
        let f = &format.value;
        if !FORMATS.contains(&f.as_str()) {
            report(
                errors,
                format,
                format!("invalid column format `{f}`: must be one of {FORMATS:?}"),
            );
        }
    }
}

/// `printcolumn(priority = ...)`: a non-negative 32-bit integer.
fn printcolumn_priorities(m: &Model, errors: &mut Accumulator) {
    for p in m.print_columns.iter().filter_map(|c| c.priority.as_ref()) {
        if priority_value(p).is_none() {
            errors.push(error_at(
                p.span(),
                "`priority` must be a non-negative 32-bit integer",
            ));
        }
    }
}

/// `schema = ...`: one of the modes [`SchemaMode`] names.
fn schema_mode(m: &Model, errors: &mut Accumulator) {
    let Some(schema) = &m.schema else { return };
    if SchemaMode::from_name(&schema.value).is_none() {
        let names: Vec<String> = SchemaMode::NAMES
            .iter()
            .map(|(n, _)| format!("{n:?}"))
            .collect();
        report(
            errors,
            schema,
            format!("`schema` must be {}", names.join(" or ")),
        );
    }
}

/// `crd = true`: custom resources live in a group with a dot (never the core group).
fn crd_group(m: &Model, errors: &mut Accumulator) {
    if !m.crd.value {
        return;
    }
    let g = &m.group.value;
    if g.is_empty() {
        report(
            errors,
            &m.crd,
            "`crd = true` needs a `group`: the core group cannot hold custom resources".to_owned(),
        );
    } else if !g.contains('.') {
        report(
            errors,
            &m.crd,
            "a CustomResourceDefinition's group must contain a dot, such as `example.com`"
                .to_owned(),
        );
    }
}

/// `status = ...`: the struct has a `status` field for it.
fn status_field(m: &Model, errors: &mut Accumulator) {
    if let Some(status) = &m.status
        && !m.has_status_field
    {
        errors.push(error_at(
            syn::spanned::Spanned::span(status),
            "`status = ...` needs a field named `status` on the struct",
        ));
    }
}

/// Report `path` unless it is a simple JSON path (no array notation)
/// starting with one of `prefixes`.
fn json_path_under(errors: &mut Accumulator, path: &Setting<String>, prefixes: &[&str]) {
    let p = &path.value;
    let under = prefixes
        .iter()
        .any(|pre| p.starts_with(pre) && p.len() > pre.len());
    if !(under && !p.contains('[') && !p.ends_with('.') && !p.contains("..")) {
        let allowed: Vec<String> = prefixes.iter().map(|p| format!("`{p}`")).collect();
        report(
            errors,
            path,
            format!(
                "invalid JSON path `{p}`: must start with {} and use no array notation",
                allowed.join(" or ")
            ),
        );
    }
}

/// `v` followed by a major version, optionally `alpha` or `beta` and a minor one.
fn is_kube_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let Some((_major, rest)) = split_number(rest) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest
        .strip_prefix("alpha")
        .or_else(|| rest.strip_prefix("beta"))
    else {
        return false;
    };
    split_number(rest).is_some_and(|(_minor, rest)| rest.is_empty())
}

/// Split a leading number without leading zero (at least 1) off `s`.
fn split_number(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, rest) = s.split_at(end);
    (!num.is_empty() && !num.starts_with('0')).then_some((num, rest))
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::model::tests::model_of;
    use syn::{DeriveInput, parse_quote};

    /// The messages `rule` gives for `input`.
    fn errors(rule: Rule, input: DeriveInput) -> Vec<String> {
        let m = model_of(&input).unwrap();
        let mut acc = darling::Error::accumulator();
        rule(&m, &mut acc);
        acc.into_inner().iter().map(ToString::to_string).collect()
    }

    fn one_error(rule: Rule, input: DeriveInput) -> String {
        let mut e = errors(rule, input);
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    #[test]
    fn versions() {
        for ok in ["v1", "v12", "v1beta2", "v2alpha1", "v10beta10"] {
            assert!(is_kube_version(ok), "{ok}");
        }
        for bad in [
            "", "1", "v", "v0", "v01", "v1beta", "v1gamma1", "V1", "v1beta0", "v1-beta1",
        ] {
            assert!(!is_kube_version(bad), "{bad}");
        }
        let e = one_error(
            version_format,
            parse_quote! { #[resource(version = "v1.0")] struct W { metadata: M } },
        );
        assert!(e.starts_with("invalid version `v1.0`"), "{e}");
    }

    #[test]
    fn groups() {
        for ok in [
            "apps",
            "example.com",
            "a-b.example.com",
            "apiextensions.k8s.io",
        ] {
            assert!(is_dns_subdomain(ok), "{ok}");
        }
        for bad in [
            "Example.com",
            "example..com",
            ".example.com",
            "-a.com",
            "a_b.com",
            "example.com.",
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
        let core =
            parse_quote! { #[resource(group = "", version = "v1")] struct W { metadata: M } };
        assert!(errors(group_format, core).is_empty());
        let e = one_error(
            group_format,
            parse_quote! { #[resource(group = "Example_com", version = "v1")] struct W { metadata: M } },
        );
        assert!(e.starts_with("invalid group `Example_com`"), "{e}");
    }

    #[test]
    fn kinds() {
        for ok in ["Widget", "V1Thing"] {
            let input =
                parse_quote! { #[resource(version = "v1", kind = #ok)] struct W { metadata: M } };
            assert!(errors(kind_format, input).is_empty(), "{ok}");
        }
        for bad in ["widget", "", "Wid_get", "Wid-get", "Wïdget"] {
            let input =
                parse_quote! { #[resource(version = "v1", kind = #bad)] struct W { metadata: M } };
            assert_eq!(errors(kind_format, input).len(), 1, "{bad}");
        }
        // The default kind is the struct's name, and is checked too.
        let e = one_error(
            kind_format,
            parse_quote! { #[resource(version = "v1")] struct widget { metadata: M } },
        );
        assert!(e.contains("`widget`"), "{e}");
    }

    #[test]
    fn names() {
        let e = errors(
            lowercase_names,
            parse_quote! {
                #[resource(version = "v1", plural = "Ws", singular = "w_", shortnames("ok", "NO"),
                           categories("all", ""), subresources("log", "Exec"))]
                struct W { metadata: M }
            },
        );
        assert_eq!(e.len(), 5, "{e:?}");
        for what in [
            "singular",
            "plural",
            "short name",
            "category",
            "subresource",
        ] {
            assert!(
                e.iter().any(|m| m.starts_with(&format!("invalid {what} "))),
                "{what}: {e:?}"
            );
        }
        // Defaults formed from a bad kind are not reported a second time.
        let bad_kind =
            parse_quote! { #[resource(version = "v1", kind = "Wïdget")] struct W { metadata: M } };
        assert!(errors(lowercase_names, bad_kind).is_empty());
    }

    #[test]
    fn paths() {
        let e = errors(
            scale_paths,
            parse_quote! {
                #[resource(version = "v1", scale(spec_replicas_path = ".status.r",
                    status_replicas_path = ".status.r", label_selector_path = ".metadata.x"))]
                struct W { metadata: M }
            },
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].contains("must start with `.spec.`"), "{e:?}");
        assert!(e[1].contains("`.spec.` or `.status.`"), "{e:?}");
        let e = errors(
            printcolumn_paths,
            parse_quote! {
                #[resource(version = "v1",
                    printcolumn(name = "A", type = "string", json_path = ".metadata.name"),
                    printcolumn(name = "B", type = "string", json_path = "spec"),
                    printcolumn(name = "C", type = "string", json_path = ".spec.items[0]"),
                    printcolumn(name = "D", type = "string", json_path = ".spec."))]
                struct W { metadata: M }
            },
        );
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn printcolumns() {
        let input = || -> DeriveInput {
            parse_quote! {
                #[resource(version = "v1",
                    printcolumn(name = "A", type = "int", json_path = ".a", format = "uint", priority = -1),
                    printcolumn(name = "B", type = "date", json_path = ".b", format = "date-time", priority = 3))]
                struct W { metadata: M }
            }
        };
        assert!(one_error(printcolumn_types, input()).starts_with("invalid column type `int`"));
        assert!(
            one_error(printcolumn_formats, input()).starts_with("invalid column format `uint`")
        );
        assert!(one_error(printcolumn_priorities, input()).contains("non-negative"));
    }

    #[test]
    fn schema_modes() {
        let e = one_error(
            schema_mode,
            parse_quote! { #[resource(version = "v1", schema = "x")] struct W { metadata: M } },
        );
        assert_eq!(
            e,
            r#"`schema` must be "derived" or "preserve-unknown-fields""#
        );
        let ok = parse_quote! { #[resource(version = "v1", schema = "derived")] struct W { metadata: M } };
        assert!(errors(schema_mode, ok).is_empty());
    }

    #[test]
    fn crd_groups() {
        let e = one_error(
            crd_group,
            parse_quote! { #[resource(version = "v1", crd = true)] struct W { metadata: M } },
        );
        assert!(e.contains("core group"), "{e}");
        let e = one_error(
            crd_group,
            parse_quote! { #[resource(group = "apps", version = "v1", crd = true)] struct W { metadata: M } },
        );
        assert!(e.contains("must contain a dot"), "{e}");
        let off = parse_quote! { #[resource(group = "apps", version = "v1", crd = false)] struct W { metadata: M } };
        assert!(errors(crd_group, off).is_empty());
    }

    #[test]
    fn status_needs_a_field() {
        let e = one_error(
            status_field,
            parse_quote! { #[resource(version = "v1", status = "S")] struct W { metadata: M } },
        );
        assert!(e.contains("field named `status`"), "{e}");
        let ok = parse_quote! { #[resource(version = "v1", status = "S")] struct W { metadata: M, status: S } };
        assert!(errors(status_field, ok).is_empty());
    }

    #[test]
    fn reports_every_error() {
        let input: DeriveInput = parse_quote! {
            #[resource(group = "Example.com", version = "1", kind = "widget")]
            struct W { metadata: ObjectMeta }
        };
        let e = check(&model_of(&input).unwrap()).unwrap_err();
        assert_eq!(e.len(), 3, "{e}");
        let valid: DeriveInput = parse_quote! {
            #[resource(group = "example.com", version = "v1", namespaced, status = "S",
                       printcolumn(name = "A", type = "integer", json_path = ".spec.a"))]
            struct Widget { metadata: ObjectMeta, status: Option<S> }
        };
        check(&model_of(&valid).unwrap()).unwrap();
    }
}
