//! Rust names for JSON names, and documentation text that rustdoc accepts.

/// Rust keywords a JSON field name may collide with.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
    "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "yield", "abstract", "become", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "try", "gen",
];

/// `podIPs` → `pod_ips`, `targetCPUUtilizationPercentage` →
/// `target_cpu_utilization_percentage`, `x-kubernetes-list-type` →
/// `x_kubernetes_list_type`, `type` → `type_`.
///
/// An acronym followed by a plural `s` stays one word (`IPs`, `CIDRs`, `URLs`);
/// a capital and a digit after an acronym are a word of their own
/// (`openAPIV3Schema` → `open_api_v3_schema`).
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    let push_sep = |out: &mut String| {
        if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            push_sep(&mut out);
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let plural_s =
                next == Some('s') && chars.get(i + 2).is_none_or(|c| c.is_ascii_uppercase());
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => {
                    next.is_some_and(|n| n.is_ascii_lowercase() || n.is_ascii_digit()) && !plural_s
                }
                _ => false,
            };
            if boundary {
                push_sep(&mut out);
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    if KEYWORDS.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// What serde's `rename_all = "camelCase"` makes of a snake_case field name.
pub(crate) fn serde_camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The snake_case plural for an accessor method: `NetworkPolicy` +
/// `networkpolicies` → `network_policies`.
///
/// The plural is discovery's; the word breaks are the kind's.
pub(crate) fn snake_plural(kind: &str, plural: &str) -> String {
    let kind_snake = snake(kind).trim_end_matches('_').to_owned();
    let lower = kind.to_ascii_lowercase();
    let common = lower
        .bytes()
        .zip(plural.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return snake(plural);
    }
    // Drop the letters of the kind after the common stem, keeping its
    // underscores, then add the rest of the plural.
    let mut drop = lower.len() - common;
    let mut stem: String = kind_snake.clone();
    while drop > 0 {
        match stem.pop() {
            Some('_') => {}
            Some(_) => drop -= 1,
            None => break,
        }
    }
    let name = format!("{}{}", stem.trim_end_matches('_'), &plural[common..]);
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A schema description as doc comment lines that rustdoc renders as text
/// and never warns about or runs as a doctest.
///
/// - Leading whitespace is dropped, so no line becomes an indented code block.
/// - Outside code spans, `\`, `[`, `]`, `<`, `>`, `*`, `_` and `#` are escaped,
///   so nothing becomes a link, an HTML tag, emphasis or a heading.
/// - Bare URLs are wrapped in `<…>`, as rustdoc asks.
/// - With an odd number of backticks (or a fence), backticks are escaped too.
pub(crate) fn doc_lines(text: &str) -> Vec<String> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let escape_ticks = text.matches('`').count() % 2 == 1 || text.contains("```");
    let mut lines = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        lines.push(escape_line(line, escape_ticks));
    }
    // Collapse runs of blank lines, and end a list with a blank line before
    // text that is not a list item (otherwise Markdown folds it into the
    // last item, and clippy flags the lazy continuation).
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for l in lines {
        if l.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        let after_item = out.last().is_some_and(|p| is_list_item(p));
        if after_item && !l.is_empty() && !is_list_item(&l) {
            out.push(String::new());
        }
        out.push(l);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out
}

/// Whether Markdown reads the line as a list item.
fn is_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

fn escape_line(line: &str, escape_ticks: bool) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while !rest.is_empty() {
        let Some(c) = rest.chars().next() else { break };
        if c == '`' {
            if escape_ticks {
                out.push_str("\\`");
            } else {
                in_code = !in_code;
                out.push('`');
            }
            rest = &rest[1..];
            continue;
        }
        if !in_code && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '`' || c == '<' || c == '>')
                .unwrap_or(rest.len());
            let mut url = &rest[..end];
            while let Some(stripped) = url.strip_suffix(['.', ',', ';', ':', ')', '\'']) {
                url = stripped;
            }
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code
            && matches!(
                c,
                '\\' | '[' | ']' | '<' | '>' | '*' | '_' | '#' | '|' | '~'
            )
        {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        // An unclosed span would swallow the following lines: close it.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        for (json, want) in [
            ("podIPs", "pod_ips"),
            ("podIP", "pod_ip"),
            ("hostIPC", "host_ipc"),
            (
                "targetCPUUtilizationPercentage",
                "target_cpu_utilization_percentage",
            ),
            (
                "serverAddressByClientCIDRs",
                "server_address_by_client_cidrs",
            ),
            ("nonResourceURLs", "non_resource_urls"),
            ("x-kubernetes-list-map-keys", "x_kubernetes_list_map_keys"),
            ("$ref", "ref_"),
            ("type", "type_"),
            ("continue", "continue_"),
            ("apiVersion", "api_version"),
            ("v1beta1", "v1beta1"),
            ("fsGroup", "fs_group"),
            ("externalIPs", "external_ips"),
            ("openAPIV3Schema", "open_api_v3_schema"),
            ("fieldsV1", "fields_v1"),
            ("FieldsV1", "fields_v1"),
        ] {
            assert_eq!(snake(json), want, "{json}");
        }
    }

    #[test]
    fn accessor_plurals() {
        for (kind, plural, want) in [
            ("NetworkPolicy", "networkpolicies", "network_policies"),
            ("Pod", "pods", "pods"),
            ("Endpoints", "endpoints", "endpoints"),
            ("Ingress", "ingresses", "ingresses"),
            (
                "CustomResourceDefinition",
                "customresourcedefinitions",
                "custom_resource_definitions",
            ),
            ("APIService", "apiservices", "api_services"),
            ("CSIDriver", "csidrivers", "csi_drivers"),
        ] {
            assert_eq!(snake_plural(kind, plural), want, "{kind}");
        }
    }

    #[test]
    fn docs_are_escaped() {
        assert_eq!(
            doc_lines("See https://k8s.io/docs. Use `a[0]` or [x] <y>\n    indented"),
            [
                "See <https://k8s.io/docs>. Use `a[0]` or \\[x\\] \\<y\\>",
                "indented"
            ]
        );
        assert_eq!(doc_lines("odd ` tick [a]"), ["odd \\` tick \\[a\\]"]);
        assert_eq!(
            doc_lines("Values:\n- a\n- b\nMore."),
            ["Values:", "- a", "- b", "", "More."]
        );
    }
}
