use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::*;

fn value(text: &str) -> Value {
    from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn error(text: &str) -> YamlError {
    match from_str::<Value>(text) {
        Ok(v) => panic!("{text:?} gave {v}"),
        Err(e) => e,
    }
}

// ---------- whole documents ----------

/// The shape kubectl writes (`kubectl config view --raw`), as in config/tests fixtures.
const KUBECTL_KUBECONFIG: &str = "\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTi==
    server: https://127.0.0.1:6443
    tls-server-name: kubernetes
  name: kind
contexts:
- context:
    cluster: kind
    namespace: default
    user: admin
  name: kind
current-context: kind
kind: Config
preferences: {}
users:
- name: admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - get-token
      - --cluster=kind
      command: ./bin/plugin
      env: null
      interactiveMode: Never
      provideClusterInfo: false
    token: \"0123456789\"
";

#[test]
fn kubeconfig_as_kubectl_writes_it() {
    assert_eq!(
        value(KUBECTL_KUBECONFIG),
        json!({
            "apiVersion": "v1",
            "clusters": [{"cluster": {
                "certificate-authority-data": "LS0tLS1CRUdJTi==",
                "server": "https://127.0.0.1:6443",
                "tls-server-name": "kubernetes",
            }, "name": "kind"}],
            "contexts": [{"context": {"cluster": "kind", "namespace": "default", "user": "admin"}, "name": "kind"}],
            "current-context": "kind",
            "kind": "Config",
            "preferences": {},
            "users": [{"name": "admin", "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "args": ["get-token", "--cluster=kind"],
                    "command": "./bin/plugin",
                    "env": null,
                    "interactiveMode": "Never",
                    "provideClusterInfo": false,
                },
                "token": "0123456789",
            }}],
        })
    );
}

#[test]
fn flow_style_and_comments() {
    assert_eq!(
        value("{a: 1, b: [x, y], c: {}}"),
        json!({"a": 1, "b": ["x", "y"], "c": {}})
    );
    let text = "# head\na: 1 # after a value\n# between\nb:\n  - x # in a list\n  # end\n";
    assert_eq!(value(text), json!({"a": 1, "b": ["x"]}));
    assert_eq!(
        value("a: x#not a comment\nb: 'y # kept'\n"),
        json!({"a": "x#not a comment", "b": "y # kept"})
    );
}

#[test]
fn block_scalars_are_strings() {
    let text = "lit: |\n  one\n  two\nfold: >\n  one\n  two\n\nstrip: |-\n  123\nkeep: |+\n  x\n\nnum: |\n  1.5\n";
    assert_eq!(
        value(text),
        json!({"lit": "one\ntwo\n", "fold": "one two\n", "strip": "123", "keep": "x\n\n", "num": "1.5\n"})
    );
    // At the very end of the text, go-yaml (libyaml) adds no line feed.
    assert_eq!(value("a: |\n  end"), json!({"a": "end"}));
}

#[test]
fn documents_of_a_stream() {
    let text = "a: 1\n---\n# only a comment\n---\n[x]\n...\n---\nb: 2\n...\n";
    assert_eq!(
        documents(text).unwrap(),
        [json!({"a": 1}), Value::Null, json!(["x"]), json!({"b": 2})]
    );
    assert_eq!(documents("").unwrap(), Vec::<Value>::new());
    assert_eq!(documents("# nothing\n").unwrap(), Vec::<Value>::new());
    assert_eq!(documents("---\n").unwrap(), [Value::Null]);
}

#[test]
fn from_str_wants_at_most_one_document() {
    assert_eq!(value(""), Value::Null);
    assert_eq!(value("# only a comment\n"), Value::Null);
    assert_eq!(value("---\na: 1\n...\n"), json!({"a": 1}));
    assert_eq!(from_str::<Option<Vec<String>>>("null\n").unwrap(), None);
    assert_eq!(from_str::<Option<Vec<String>>>("").unwrap(), None);
    let e = error("a: 1\n---\nb: 2\n");
    assert_eq!((e.line(), e.column()), (2, 1), "{e}");
}

#[test]
fn crlf_bom_and_json() {
    assert_eq!(
        value("a: 1\r\nb:\r\n  - x\r\n"),
        json!({"a": 1, "b": ["x"]})
    );
    assert_eq!(value("a: |\r\n  x\r\n  y\r\n"), json!({"a": "x\ny\n"}));
    assert_eq!(value("\u{feff}a: 1\n"), json!({"a": 1}));
    let json_text = r#"{"kind": "Config", "n": -1.5e3, "big": 18446744073709551615, "list": [true, null, "\u00e9\/"], "o": {}}"#;
    assert_eq!(
        value(json_text),
        json!({"kind": "Config", "n": -1500, "big": u64::MAX, "list": [true, null, "é/"], "o": {}})
    );
    // `json.MarshalIndent` with tabs, or a hand-written file: tabs separate tokens in flow style.
    assert_eq!(value("{\n\t\"a\": [\n\t\t1\n\t]\n}\n"), json!({"a": [1]}));
}

#[test]
fn tabs_in_indentation_are_an_error() {
    let e = error("a:\n\tb: 1\n");
    assert_eq!(e.line(), 2, "{e}");
    assert_eq!(e.path(), None);
}

#[test]
fn syntax_errors_name_line_and_column_without_values() {
    let e = error("a: 1\nb: [unclosed, s3cr3t\n");
    assert!(e.line() >= 2, "{e}");
    let e = error("a: 1\ntoken: \"s3cr3t\n");
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
    let e = error("a: b: s3cr3t\n");
    assert_eq!(e.line(), 1, "{e}");
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
}

// ---------- scalars ----------

#[test]
fn plain_scalars_follow_the_core_schema() {
    let cases = [
        ("", Value::Null),
        ("~", Value::Null),
        ("null", Value::Null),
        ("Null", Value::Null),
        ("NULL", Value::Null),
        ("nULL", json!("nULL")),
        ("true", json!(true)),
        ("True", json!(true)),
        ("TRUE", json!(true)),
        ("false", json!(false)),
        ("False", json!(false)),
        ("FALSE", json!(false)),
        ("yes", json!("yes")),
        ("off", json!("off")),
        ("0", json!(0)),
        ("123", json!(123)),
        ("-17", json!(-17)),
        ("+17", json!(17)),
        ("0o17", json!(15)),
        ("0x1F", json!(31)),
        ("0xff", json!(255)),
        ("0644", json!(420)),
        ("-010", json!(-8)),
        ("08", json!(8)),
        ("9223372036854775807", json!(i64::MAX)),
        ("-9223372036854775808", json!(i64::MIN)),
        ("18446744073709551615", json!(u64::MAX)),
        ("18446744073709551616", json!(18446744073709551616.0)),
        // Go parses it as a float64, -2^63, and writes that without a fraction.
        ("-9223372036854775809", json!(i64::MIN)),
        ("0x10000000000000000", json!("0x10000000000000000")),
        ("1.5", json!(1.5)),
        ("-.5", json!(-0.5)),
        ("2.", json!(2)),
        ("1e3", json!(1000)),
        ("1.5E-3", json!(0.0015)),
        ("1e20", json!(1e20)),
        ("-1e18", json!(-1_000_000_000_000_000_000i64)),
        ("1e400", json!("1e400")),
        ("1_000", json!("1_000")),
        ("0b101", json!("0b101")),
        ("1:20", json!("1:20")),
        ("2026-01-02", json!("2026-01-02")),
        ("inf", json!("inf")),
        ("+.nan", json!("+.nan")),
        ("1.2.3", json!("1.2.3")),
        ("e3", json!("e3")),
        ("0x", json!("0x")),
        ("-x", json!("-x")),
        ("+", json!("+")),
        ("hello world", json!("hello world")),
    ];
    for (text, want) in cases {
        assert_eq!(value(&format!("v: {text}\n"))["v"], want, "{text:?}");
    }
}

#[test]
fn quoted_scalars_are_strings() {
    assert_eq!(
        value("a: '123'\nb: \"true\"\nc: \"\"\nd: 'null'\ne: \"\\t\\u00e9\"\n"),
        json!({"a": "123", "b": "true", "c": "", "d": "null", "e": "\té"})
    );
}

#[test]
fn infinity_and_nan_are_errors_naming_the_line() {
    for text in [".inf", "-.inf", "+.Inf", ".NaN", ".nan", "!!float .INF"] {
        let e = error(&format!("a: 1\nb: {text}\n"));
        assert_eq!(e.line(), 2, "{text}: {e}");
        assert!(e.message().contains("JSON"), "{e}");
    }
}

#[test]
fn explicit_tags() {
    let text = "s: !!str 123\ni: !!int \"12\"\nb: !!bool 'true'\nn: !!null ''\nf: !!float 1\ng: !!float '2.5'\nbin: !!binary |\n  aGVs\n  bG8=\nns: ! 12\nm: !!map {a: 1}\nq: !!seq [1]\n";
    assert_eq!(
        value(text),
        json!({"s": "123", "i": 12, "b": true, "n": null, "f": 1, "g": 2.5, "bin": "aGVsbG8=", "ns": "12", "m": {"a": 1}, "q": [1]})
    );
}

#[test]
fn unsupported_or_mismatched_tags_are_errors() {
    let e = error("a: 1\nb: !custom x\n");
    assert_eq!(e.line(), 2, "{e}");
    assert!(e.message().contains("!custom"), "{e}");
    let e = error("a: !!timestamp 2020-01-01\n");
    assert!(e.message().contains("!!timestamp"), "{e}");
    assert!(error("a: !!map [1]\n").message().contains("!!map"));
    assert!(error("a: !!str {b: 1}\n").message().contains("!!str"));
    assert!(error("a: !thing {b: 1}\n").message().contains("!thing"));
    for bad in [
        "!!int s3cr3t",
        "!!bool s3cr3t",
        "!!null s3cr3t",
        "!!float s3cr3t",
        "!!int 1.5",
    ] {
        let e = error(&format!("a: {bad}\n"));
        assert!(
            !e.to_string().contains("s3cr3t") && e.message().contains("not a valid"),
            "{e}"
        );
    }
}

// ---------- mappings, anchors, limits ----------

#[test]
fn keys_are_strings() {
    assert_eq!(
        value("1: a\ntrue: b\n~: c\n0x10: d\n'q': e\n'<<': {f: 1}\n"),
        json!({"1": "a", "true": "b", "~": "c", "0x10": "d", "q": "e", "<<": {"f": 1}})
    );
    // A `key: value` pair inside a flow sequence is a one-entry mapping.
    assert_eq!(value("[a: 1, b]"), json!([{"a": 1}, "b"]));
}

#[test]
fn complex_keys_are_errors() {
    let e = error("a: 1\n? [x, y]\n: 2\n");
    assert_eq!(e.line(), 2, "{e}");
    assert!(e.message().contains("mapping key"), "{e}");
    assert!(error("? {k: v}\n: 2\n").message().contains("mapping key"));
    assert!(
        error("a: &x [1]\n*x : 2\n")
            .message()
            .contains("mapping key")
    );
}

#[test]
fn duplicate_keys_are_errors_naming_key_and_line() {
    let e = error("a: 1\nb:\n  c: 1\n  c: 2\n");
    assert_eq!(e.line(), 4, "{e}");
    assert!(e.message().contains("\"c\""), "{e}");
    assert!(error("{a: 1, a: 2}").message().contains("duplicate key"));
    // Same text after conversion: go-yaml would see two different keys, JSON cannot.
    assert!(error("1: a\n'1': b\n").message().contains("duplicate key"));
}

#[test]
fn anchors_and_aliases() {
    let text = "base: &b {x: 1, l: [a, b]}\ncopy: *b\nname: &n web\nnames: [*n, *n]\n*n : key from alias\n";
    assert_eq!(
        value(text),
        json!({"base": {"x": 1, "l": ["a", "b"]}, "copy": {"x": 1, "l": ["a", "b"]}, "name": "web", "names": ["web", "web"], "web": "key from alias"})
    );
    // A number anchored then used as a key is its JSON text.
    assert_eq!(value("a: &n 0x10\n*n : b\n")["16"], json!("b"));
}

#[test]
fn merge_keys_are_read_as_go_yaml_reads_them() {
    // Each case as `kubectl create --dry-run=client -o json` printed its data.
    let data = |body: &str| {
        value(&format!(
            "x: &one {{a: '1', b: '1'}}\ny: &two {{b: '2', c: '2'}}\ndata:\n{body}"
        ))["data"]
            .clone()
    };
    assert_eq!(
        data("  <<: *one\n  c: '3'\n"),
        json!({"a": "1", "b": "1", "c": "3"})
    );
    // Entries after the merge win over it, and the merge wins over entries before it.
    assert_eq!(data("  <<: *one\n  a: '9'\n"), json!({"a": "9", "b": "1"}));
    assert_eq!(data("  a: '9'\n  <<: *one\n"), json!({"a": "1", "b": "1"}));
    // In a sequence of mappings the earlier ones win.
    assert_eq!(
        data("  <<: [*one, *two]\n"),
        json!({"a": "1", "b": "1", "c": "2"})
    );
    // An inline mapping, two merge keys, an empty mapping, the explicit tag.
    assert_eq!(
        data("  <<: {a: '1'}\n  b: '2'\n"),
        json!({"a": "1", "b": "2"})
    );
    assert_eq!(
        data("  <<: {a: '1'}\n  <<: {b: '2'}\n"),
        json!({"a": "1", "b": "2"})
    );
    assert_eq!(data("  <<: {}\n  b: '1'\n"), json!({"b": "1"}));
    assert_eq!(data("  !!merge <<: {a: '1'}\n"), json!({"a": "1"}));
    // A merge inside an anchored mapping is resolved before the mapping is copied.
    assert_eq!(
        value("x: &in {a: '1'}\ny: &out {<<: *in, b: '2'}\ndata:\n  <<: *out\n")["data"],
        json!({"a": "1", "b": "2"})
    );
    // A quoted `<<` is an ordinary key.
    assert_eq!(data("  '<<': {a: '1'}\n"), json!({"<<": {"a": "1"}}));
    // An explicit key set twice is still an error, merged or not.
    assert!(
        error("data:\n  <<: {a: '1'}\n  a: '2'\n  a: '3'\n")
            .message()
            .contains("duplicate key")
    );
    // Only mappings merge, as go-yaml says.
    for bad in [
        "  <<: hello\n",
        "  <<:\n  b: '1'\n",
        "  <<: [{a: '1'}, x]\n",
        "  <<: [[{a: '1'}]]\n",
    ] {
        let e = error(&format!("data:\n{bad}"));
        assert_eq!(
            e.message(),
            "map merge requires map or sequence of maps as the value",
            "{bad}"
        );
        assert_eq!(e.line(), 2, "{bad}");
    }
    // Manifests read through `documents` merge too.
    assert_eq!(
        documents("a: {<<: {b: 1}}\n").unwrap(),
        [json!({"a": {"b": 1}})]
    );
}

#[test]
fn undefined_and_recursive_aliases_are_errors() {
    let e = error("a: 1\nb: *nowhere\n");
    assert_eq!(e.line(), 2, "{e}");
    assert!(error("a: &x [1, *x]\n").message().contains("undefined"));
    // Anchors do not cross documents.
    assert!(documents("a: &x 1\n---\nb: *x\n").is_err());
}

#[test]
fn nesting_is_limited() {
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(from_str::<Value>(&deep).is_ok());
    let deeper = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert!(error(&deeper).message().contains("nested more than 256"));
    // Block and flow nesting count together.
    let mut mixed = String::new();
    for i in 0..200 {
        mixed.push_str(&format!("{}k:\n", " ".repeat(i)));
    }
    mixed.push_str(&format!(
        "{}k: {}{}\n",
        " ".repeat(200),
        "[".repeat(100),
        "]".repeat(100)
    ));
    assert!(error(&mixed).message().contains("nested more than 256"));
    // Far deeper input fails the same way, without exhausting the stack.
    assert!(documents(&"[".repeat(100_000)).is_err());
    assert!(documents(&"{a: ".repeat(100_000)).is_err());
    // An alias cannot stack one deep value onto another.
    let half = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let text = format!(
        "a: &d {half}\nb: {}*d{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(error(&text).message().contains("nested more than 256"));
}

#[test]
fn alias_bombs_are_cut_off() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    let e = error(&text);
    assert!(e.message().contains("more than 1000000 values"), "{e}");
    assert!(documents(&text).is_err());
    // A few aliases of a small value are fine.
    assert!(from_str::<Value>("a: &a [1, 2]\nb: [*a, *a, *a]\n").is_ok());
}

#[test]
fn alias_bombs_of_large_scalars_are_cut_off_by_bytes() {
    // Few values, many bytes: each alias copies the whole anchored string.
    let big = "x".repeat(1 << 20);
    let mut text = format!("a: &a {big}\nb:\n");
    for _ in 0..100 {
        text.push_str("- *a\n");
    }
    let e = error(&text);
    assert!(e.message().contains("bytes copied by aliases"), "{e}");
    // At the alias that went over.
    assert_eq!(text.lines().nth(e.line() - 1), Some("- *a"), "{e}");
    assert!(documents(&text).is_err());
    // Keys copied by an alias of a mapping count too.
    let mut keys = format!("a: &a {{{big}: 1}}\nb:\n");
    for _ in 0..100 {
        keys.push_str("- *a\n");
    }
    assert!(documents(&keys).is_err());
    // Anchors that hold aliases are copies too: doubling each level.
    let mut nested = format!("a0: &a0 {}\n", "y".repeat(1 << 18));
    for i in 1..=8 {
        nested.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
    }
    let e = documents(&nested).unwrap_err();
    assert!(e.message().contains("bytes copied by aliases"), "{e}");
    // A large value aliased a few times is fine.
    let few = format!("a: &a {big}\nb: [*a, *a, *a]\n");
    assert_eq!(documents(&few).map(|d| d.len()).ok(), Some(1));
}

// ---------- type errors ----------

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[allow(dead_code)]
struct User {
    name: String,
    #[serde(default)]
    user: BTreeMap<String, Value>,
    #[serde(default)]
    as_groups: Vec<String>,
    #[serde(default)]
    mode: Option<Mode>,
    #[serde(default)]
    port: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
enum Mode {
    Never,
    Always,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Users {
    users: Vec<User>,
}

#[test]
fn type_errors_name_line_column_and_path_without_the_value() {
    let text = "users:\n- name: a\n- name: b\n  as-groups: hunter2\n";
    let e = from_str::<Users>(text).unwrap_err();
    assert_eq!(e.path(), Some("users[1].as-groups"));
    assert_eq!((e.line(), e.column()), (4, 14));
    assert_eq!(e.message(), "invalid type: string, expected a sequence");
    assert_eq!(
        e.to_string(),
        "line 4, column 14: users[1].as-groups: invalid type: string, expected a sequence"
    );

    let e = from_str::<Users>("users:\n- name: 123456\n").unwrap_err();
    assert_eq!(
        (e.path(), e.line(), e.column()),
        (Some("users[0].name"), 2, 9)
    );
    assert!(!e.to_string().contains("123456"), "{e}");

    // A document that is a sequence: the path starts with an index.
    let e = from_str::<Vec<User>>("- name: a\n- name: [x]\n").unwrap_err();
    assert_eq!(
        (e.path(), e.line(), e.column()),
        (Some("[1].name"), 2, 9),
        "{e}"
    );

    let e = from_str::<Users>("users:\n- name: a\n  port: 300\n").unwrap_err();
    assert_eq!(e.message(), "invalid value: integer, expected u8");

    let e =
        from_str::<Users>("users:\n- name: a\n  mode: \"S3cr\\\"`, expected et\"\n").unwrap_err();
    assert!(!e.to_string().contains("S3cr"), "{e}");
    assert_eq!(e.message(), "unknown variant, expected `Never` or `Always`");
}

#[test]
fn type_errors_fall_back_to_the_nearest_position() {
    // A missing field: the mapping that lacks it.
    let e = from_str::<Users>("users:\n- user: {}\n").unwrap_err();
    assert_eq!(
        (e.path(), e.line(), e.column()),
        (Some("users[0]"), 2, 3),
        "{e}"
    );
    assert!(e.message().contains("missing field `name`"), "{e}");
    // Inside a value copied by an alias: the alias.
    let text = "x: &g {a: 1}\nusers:\n- name: a\n  as-groups: *g\n";
    let e = from_str::<Users>(text).unwrap_err();
    assert_eq!(
        (e.path(), e.line(), e.column()),
        (Some("users[0].as-groups"), 4, 14),
        "{e}"
    );
    // The document itself.
    let e = from_str::<Users>("5\n").unwrap_err();
    assert_eq!((e.path(), e.line(), e.column()), (None, 1, 1), "{e}");
    let e = from_str::<Users>("").unwrap_err();
    assert_eq!((e.path(), e.line(), e.column()), (None, 1, 1), "{e}");
}

#[test]
fn serde_messages_lose_their_values() {
    use error::redact;
    let cases = [
        (
            "invalid type: string \"hunter2\", expected a sequence",
            "invalid type: string, expected a sequence",
        ),
        (
            "invalid type: string \"a\\\"b, expected x\", expected a map",
            "invalid type: string, expected a map",
        ),
        (
            "invalid type: integer `42`, expected a string",
            "invalid type: integer, expected a string",
        ),
        (
            "invalid type: floating point `1.5`, expected i32",
            "invalid type: floating point, expected i32",
        ),
        (
            "invalid type: boolean `true`, expected a string",
            "invalid type: boolean, expected a string",
        ),
        (
            "invalid type: null, expected a string",
            "invalid type: null, expected a string",
        ),
        ("invalid value: string \"x\"", "invalid value: string"),
        (
            "invalid type: string \"unterminated",
            "invalid type: string",
        ),
        (
            "unknown variant `s3cr3t`, expected `A` or `B`",
            "unknown variant, expected `A` or `B`",
        ),
        (
            "unknown variant `s3cr3t`, there are no variants",
            "unknown variant, there are no variants",
        ),
        ("missing field `name`", "missing field `name`"),
    ];
    for (message, want) in cases {
        assert_eq!(redact(message, Some(&json!("s3cr3t"))), want);
    }
    // Messages of a type's own `Deserialize` lose the value where they quote it.
    assert_eq!(
        redact("bad duration s3cr3t", Some(&json!("s3cr3t"))),
        "bad duration [REDACTED]"
    );
    assert_eq!(
        redact("port 99999 too big", Some(&json!(99999))),
        "port [REDACTED] too big"
    );
}

#[test]
fn every_prefix_of_a_document_parses_or_fails_cleanly() {
    let text = format!(
        "{KUBECTL_KUBECONFIG}x: &a {{k: [1, 'q', \"\\u00e9\"], ? c : d}}\ny: *a\nz: !!binary |\n  aGk=\n---\n- >-\n  folded\n"
    );
    for (i, _) in text.char_indices() {
        let prefix = text.get(..i).unwrap();
        let _ = documents(prefix);
        let _ = from_str::<Users>(prefix);
    }
}
