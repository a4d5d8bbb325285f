//! Command-line parsing with kubectl's (pflag's) conventions: flags anywhere
//! among the arguments, `--flag=value` or `--flag value`, `-n value`, `-nvalue`
//! or `-n=value`, `--bool` or `--bool=false`, and `--` to end the flags.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A command line kctl cannot run: printed with the command's usage, exit code 1.
#[derive(Debug)]
pub(crate) struct UsageError {
    /// What is wrong, e.g. `unknown flag: --bogus`.
    pub(crate) message: String,
    /// The usage text of the command (or of kctl).
    pub(crate) usage: &'static str,
}

/// Flags every command accepts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Global {
    /// `--kubeconfig`: this file alone instead of `KUBECONFIG` / `~/.kube/config`.
    pub(crate) kubeconfig: Option<PathBuf>,
    /// `--context`: the kubeconfig context to use.
    pub(crate) context: Option<String>,
    /// `-n/--namespace`.
    pub(crate) namespace: Option<String>,
    /// `-A/--all-namespaces`.
    pub(crate) all_namespaces: bool,
    /// `--request-timeout` in seconds (`0`: none), also bounds `get -w`.
    pub(crate) request_timeout: Option<u64>,
}

/// What to run.
#[derive(Clone, Debug)]
pub(crate) enum Command {
    /// `version [-o json|yaml]`.
    Version { output: Option<String> },
    /// `api-versions`.
    ApiVersions,
    /// `api-resources [-o name|wide] [--namespaced=B] [--api-group=G]`.
    ApiResources {
        output: Option<String>,
        namespaced: Option<bool>,
        api_group: Option<String>,
    },
    /// `get TYPE[,TYPE] [NAME...] [-l SEL] [--field-selector SEL] [-o F] [-w]`.
    Get {
        args: Vec<String>,
        selector: Option<String>,
        field_selector: Option<String>,
        output: Option<String>,
        watch: bool,
    },
    /// `apply -f FILE|DIR|- [--field-manager M] [--force-conflicts] [-o F]`.
    Apply {
        files: Vec<String>,
        field_manager: String,
        force_conflicts: bool,
        output: Option<String>,
    },
    /// `create -f FILE|DIR|- [-o F]`.
    Create {
        files: Vec<String>,
        output: Option<String>,
    },
    /// `delete TYPE NAME... | -f FILE`.
    Delete {
        args: Vec<String>,
        files: Vec<String>,
    },
    /// `exec [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]`.
    Exec(crate::remote::ExecRequest),
    /// `port-forward [pod/]POD [LOCAL:]REMOTE...`.
    PortForward { pod: String, ports: Vec<String> },
    /// `config view [--minify] [--raw] [-o json|yaml]`.
    ConfigView {
        minify: bool,
        raw: bool,
        output: Option<String>,
    },
    /// `config get-contexts [NAME...] [-o name]`.
    ConfigGetContexts {
        names: Vec<String>,
        output: Option<String>,
    },
    /// `config current-context`.
    ConfigCurrentContext,
    /// `config use-context NAME`.
    ConfigUseContext { name: String },
    /// `help` / `--help`: print this usage and exit 0.
    Help(&'static str),
}

/// The field manager of `apply` unless `--field-manager` says otherwise.
pub(crate) const DEFAULT_FIELD_MANAGER: &str = "kctl";

/// kctl's usage.
pub(crate) const USAGE: &str = "kctl: a kubectl-compatible example CLI built on k8s-client

Usage: kctl [global flags] COMMAND [args] [flags]

Commands:
  version                  Print the client and server versions
  api-versions             Print the supported API versions (group/version)
  api-resources            Print the supported resources
  get                      Display one or many resources (-w to watch)
  apply -f FILE|DIR|-      Server-side apply manifests
  create -f FILE|DIR|-     Create objects from manifests
  delete                   Delete objects by type and name, or from manifests
  exec POD -- COMMAND      Run a command in a pod's container (-i, -t, -c)
  port-forward POD PORT... Forward local ports to a pod's ports
  config                   view, get-contexts, current-context, use-context

Global flags:
      --kubeconfig=PATH     Use this kubeconfig file alone
      --context=NAME        The kubeconfig context to use
  -n, --namespace=NS        The namespace (default: the context's, else default)
  -A, --all-namespaces      Across all namespaces (get)
      --request-timeout=S   Seconds before giving up on a request (0: never); bounds get -w
";

const GET_USAGE: &str = "Usage: kctl get TYPE[,TYPE...] [NAME...] [flags]

  -l, --selector=SEL         Label selector
      --field-selector=SEL   Field selector
  -o, --output=FORMAT        json, yaml, name or wide
  -w, --watch                After listing, watch for changes
";
const APPLY_USAGE: &str = "Usage: kctl apply -f FILE|DIR|- [flags]

  -f, --filename=PATH        Manifest file, directory or - for stdin (repeatable)
      --field-manager=NAME   Field manager for server-side apply (default kctl)
      --force-conflicts      Take ownership of fields other managers own
  -o, --output=FORMAT        json, yaml or name
";
const CREATE_USAGE: &str = "Usage: kctl create -f FILE|DIR|- [flags]

  -f, --filename=PATH        Manifest file, directory or - for stdin (repeatable)
  -o, --output=FORMAT        json, yaml or name
";
const DELETE_USAGE: &str = "Usage: kctl delete TYPE NAME... | -f FILE|DIR|-

  -f, --filename=PATH        Manifest file, directory or - for stdin (repeatable)
";
const EXEC_USAGE: &str = "Usage: kctl exec [flags] POD -- COMMAND [ARGS...]

  -c, --container=NAME       The container (default: the pod's only or default one)
  -i, --stdin                Pass stdin to the command
  -t, --tty                  Run the command in a terminal
";
const PORT_FORWARD_USAGE: &str = "Usage: kctl port-forward [pod/]POD [LOCAL:]REMOTE...

  Listens on 127.0.0.1 and ::1; `:REMOTE` picks a free local port.
";
const VERSION_USAGE: &str = "Usage: kctl version [-o json|yaml]\n";
const API_VERSIONS_USAGE: &str = "Usage: kctl api-versions\n";
const API_RESOURCES_USAGE: &str = "Usage: kctl api-resources [flags]

  -o, --output=FORMAT        name or wide
      --namespaced=BOOL      Only namespaced (true) or cluster-scoped (false) resources
      --api-group=GROUP      Only resources of this API group (\"\" for core)
";
const CONFIG_USAGE: &str = "Usage: kctl config SUBCOMMAND

  view [--minify] [--raw] [-o json|yaml]
  get-contexts [NAME...] [-o name]
  current-context
  use-context NAME
";

/// A flag kctl knows: its long name, shorthand, and whether it takes a value.
struct Spec {
    long: &'static str,
    short: Option<char>,
    value: bool,
}

const SPECS: &[Spec] = &[
    Spec {
        long: "kubeconfig",
        short: None,
        value: true,
    },
    Spec {
        long: "context",
        short: None,
        value: true,
    },
    Spec {
        long: "namespace",
        short: Some('n'),
        value: true,
    },
    Spec {
        long: "all-namespaces",
        short: Some('A'),
        value: false,
    },
    Spec {
        long: "request-timeout",
        short: None,
        value: true,
    },
    Spec {
        long: "help",
        short: Some('h'),
        value: false,
    },
    Spec {
        long: "output",
        short: Some('o'),
        value: true,
    },
    Spec {
        long: "selector",
        short: Some('l'),
        value: true,
    },
    Spec {
        long: "field-selector",
        short: None,
        value: true,
    },
    Spec {
        long: "watch",
        short: Some('w'),
        value: false,
    },
    Spec {
        long: "filename",
        short: Some('f'),
        value: true,
    },
    Spec {
        long: "field-manager",
        short: None,
        value: true,
    },
    Spec {
        long: "force-conflicts",
        short: None,
        value: false,
    },
    Spec {
        long: "namespaced",
        short: None,
        value: false,
    },
    Spec {
        long: "api-group",
        short: None,
        value: true,
    },
    Spec {
        long: "container",
        short: Some('c'),
        value: true,
    },
    Spec {
        long: "stdin",
        short: Some('i'),
        value: false,
    },
    Spec {
        long: "tty",
        short: Some('t'),
        value: false,
    },
    Spec {
        long: "minify",
        short: None,
        value: false,
    },
    Spec {
        long: "raw",
        short: None,
        value: false,
    },
];

const GLOBAL_FLAGS: &[&str] = &[
    "kubeconfig",
    "context",
    "namespace",
    "all-namespaces",
    "request-timeout",
    "help",
];

/// Flags as given: long name → values in order (booleans as `"true"`/`"false"`).
#[derive(Default)]
struct Flags(BTreeMap<&'static str, Vec<String>>);

impl Flags {
    fn last(&self, name: &str) -> Option<String> {
        self.0.get(name).and_then(|v| v.last().cloned())
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.0.get(name).cloned().unwrap_or_default()
    }
    fn bool(&self, name: &str, usage: &'static str) -> Result<bool, UsageError> {
        self.opt_bool(name, usage).map(|b| b.unwrap_or(false))
    }
    fn opt_bool(&self, name: &str, usage: &'static str) -> Result<Option<bool>, UsageError> {
        match self.last(name).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(UsageError {
                message: format!(
                    "invalid argument {other:?} for \"--{name}\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax"
                ),
                usage,
            }),
        }
    }
}

fn spec_long(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.long == name)
}

fn spec_short(c: char) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.short == Some(c))
}

/// Splits flags from positional arguments. Flags are checked against the
/// command later, when it is known. An unknown flag is an error, reported
/// after the split so that the command (and its usage) is still found.
fn split(args: &[String]) -> (Flags, Vec<String>, Option<String>) {
    let mut flags = Flags::default();
    let mut positional = Vec::new();
    let mut first_error = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            positional.extend(it.by_ref().cloned());
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            positional.push(arg.clone());
            continue;
        }
        if let Err(e) = flag(arg, &mut it, &mut flags) {
            first_error.get_or_insert(e);
        }
    }
    (flags, positional, first_error)
}

/// Records one flag argument (taking its value from `rest` when it is separate).
fn flag(
    arg: &str,
    rest: &mut std::slice::Iter<'_, String>,
    flags: &mut Flags,
) -> Result<(), String> {
    let (spec, inline, shown) = if let Some(long) = arg.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (long, None),
        };
        let spec = spec_long(name).ok_or_else(|| format!("unknown flag: --{name}"))?;
        (spec, inline, format!("--{name}"))
    } else {
        let mut chars = arg[1..].chars();
        let c = chars.next().unwrap_or('-');
        let tail = chars.as_str();
        let spec =
            spec_short(c).ok_or_else(|| format!("unknown shorthand flag: '{c}' in {arg}"))?;
        let inline = if tail.is_empty() {
            None
        } else if spec.value {
            Some(tail.strip_prefix('=').unwrap_or(tail).to_owned())
        } else {
            // Combined boolean shorthands, such as -wA.
            let mut bools = vec![spec];
            for c in tail.chars() {
                match spec_short(c) {
                    Some(s) if !s.value => bools.push(s),
                    _ => return Err(format!("unknown shorthand flag: '{c}' in {arg}")),
                }
            }
            for s in bools {
                flags.0.entry(s.long).or_default().push("true".to_owned());
            }
            return Ok(());
        };
        (spec, inline, format!("-{c}"))
    };
    let value = match (spec.value, inline) {
        (_, Some(v)) => v,
        (true, None) => rest
            .next()
            .cloned()
            .ok_or_else(|| format!("flag needs an argument: {shown}"))?,
        (false, None) => "true".to_owned(),
    };
    flags.0.entry(spec.long).or_default().push(value);
    Ok(())
}

/// Parses kctl's arguments (without the program name).
pub(crate) fn parse(args: &[String]) -> Result<(Global, Command), UsageError> {
    let usage_err = |message: String, usage| UsageError { message, usage };
    let (flags, positional, error) = split(args);
    let mut words = positional.into_iter();
    let command = words.next();
    let usage = command.as_deref().map_or(USAGE, usage_for);
    if let Some(message) = error {
        return Err(usage_err(message, usage));
    }
    let rest: Vec<String> = words.collect();

    let global = Global {
        kubeconfig: flags.last("kubeconfig").map(PathBuf::from),
        context: flags.last("context"),
        namespace: flags.last("namespace"),
        all_namespaces: flags.bool("all-namespaces", usage)?,
        request_timeout: match flags.last("request-timeout") {
            None => None,
            Some(s) => Some(parse_timeout(&s).ok_or_else(|| {
                usage_err(
                    format!("invalid request timeout {s:?}: want seconds such as 30 or 30s"),
                    usage,
                )
            })?),
        },
    };
    if flags.bool("help", usage)? {
        return Ok((global, Command::Help(usage)));
    }
    let Some(command) = command else {
        return Err(usage_err("no command given".to_owned(), USAGE));
    };

    let (allowed, cmd): (&[&str], Command) = match command.as_str() {
        "help" => (&[], Command::Help(USAGE)),
        "version" => (
            &["output"],
            Command::Version {
                output: flags.last("output"),
            },
        ),
        "api-versions" => (&[], Command::ApiVersions),
        "api-resources" => (
            &["output", "namespaced", "api-group"],
            Command::ApiResources {
                output: flags.last("output"),
                namespaced: flags.opt_bool("namespaced", usage)?,
                api_group: flags.last("api-group"),
            },
        ),
        "get" => {
            if rest.is_empty() {
                return Err(usage_err(
                    "You must specify the type of resource to get.".to_owned(),
                    usage,
                ));
            }
            (
                &["output", "selector", "field-selector", "watch"],
                Command::Get {
                    args: rest.clone(),
                    selector: flags.last("selector"),
                    field_selector: flags.last("field-selector"),
                    output: flags.last("output"),
                    watch: flags.bool("watch", usage)?,
                },
            )
        }
        "apply" | "create" => {
            let files = flags.all("filename");
            if files.is_empty() {
                return Err(usage_err("must specify one of -f and -k".to_owned(), usage));
            }
            if let Some(extra) = rest.first() {
                return Err(usage_err(format!("unexpected argument {extra:?}"), usage));
            }
            if command == "apply" {
                (
                    &["filename", "field-manager", "force-conflicts", "output"],
                    Command::Apply {
                        files,
                        field_manager: flags
                            .last("field-manager")
                            .unwrap_or_else(|| DEFAULT_FIELD_MANAGER.to_owned()),
                        force_conflicts: flags.bool("force-conflicts", usage)?,
                        output: flags.last("output"),
                    },
                )
            } else {
                (
                    &["filename", "output"],
                    Command::Create {
                        files,
                        output: flags.last("output"),
                    },
                )
            }
        }
        "delete" => {
            let files = flags.all("filename");
            if files.is_empty() == rest.is_empty() {
                return Err(usage_err(
                    "give either TYPE NAME... or -f FILE, not both or neither".to_owned(),
                    usage,
                ));
            }
            (
                &["filename"],
                Command::Delete {
                    args: rest.clone(),
                    files,
                },
            )
        }
        "exec" => {
            let Some((pod, command)) = rest.split_first().filter(|(_, c)| !c.is_empty()) else {
                return Err(usage_err(
                    "expected 'exec POD -- COMMAND [ARGS...]'".to_owned(),
                    usage,
                ));
            };
            (
                &["container", "stdin", "tty"],
                Command::Exec(crate::remote::ExecRequest {
                    pod: pod.clone(),
                    command: command.to_vec(),
                    container: flags.last("container"),
                    stdin: flags.bool("stdin", usage)?,
                    tty: flags.bool("tty", usage)?,
                }),
            )
        }
        "port-forward" => {
            let Some((pod, ports)) = rest.split_first().filter(|(_, p)| !p.is_empty()) else {
                return Err(usage_err(
                    "TYPE/NAME and list of ports are required for port-forward".to_owned(),
                    usage,
                ));
            };
            (
                &[],
                Command::PortForward {
                    pod: pod.clone(),
                    ports: ports.to_vec(),
                },
            )
        }
        "config" => parse_config(&flags, &rest, usage)?,
        other => {
            return Err(usage_err(
                format!("unknown command {other:?} for \"kctl\""),
                USAGE,
            ));
        }
    };
    for name in flags.0.keys() {
        if !allowed.contains(name) && !GLOBAL_FLAGS.contains(name) {
            return Err(usage_err(format!("unknown flag: --{name}"), usage));
        }
    }
    match &cmd {
        Command::Version { .. } | Command::ApiVersions | Command::ApiResources { .. }
            if !rest.is_empty() =>
        {
            Err(usage_err(
                format!("unexpected argument {:?}", rest[0]),
                usage,
            ))
        }
        _ => Ok((global, cmd)),
    }
}

fn parse_config(
    flags: &Flags,
    rest: &[String],
    usage: &'static str,
) -> Result<(&'static [&'static str], Command), UsageError> {
    let usage_err = |message: String| UsageError { message, usage };
    let sub = rest.first().map(String::as_str);
    let args = rest.get(1..).unwrap_or_default();
    let no_args = |c: Command| {
        if let Some(a) = args.first() {
            Err(usage_err(format!("unexpected argument {a:?}")))
        } else {
            Ok(c)
        }
    };
    Ok(match sub {
        Some("view") => (
            &["minify", "raw", "output"],
            no_args(Command::ConfigView {
                minify: flags.bool("minify", usage)?,
                raw: flags.bool("raw", usage)?,
                output: flags.last("output"),
            })?,
        ),
        Some("get-contexts") => (
            &["output"],
            Command::ConfigGetContexts {
                names: args.to_vec(),
                output: flags.last("output"),
            },
        ),
        Some("current-context") => (&[], no_args(Command::ConfigCurrentContext)?),
        Some("use-context") => match args {
            [name] => (&[], Command::ConfigUseContext { name: name.clone() }),
            _ => {
                return Err(usage_err(
                    "Unexpected args: use-context takes exactly one NAME".to_owned(),
                ));
            }
        },
        Some(other) => return Err(usage_err(format!("unknown config subcommand {other:?}"))),
        None => return Err(usage_err("config needs a subcommand".to_owned())),
    })
}

/// The usage text for the command named by `command` (`config` looks no further).
fn usage_for(command: &str) -> &'static str {
    match command {
        "get" => GET_USAGE,
        "apply" => APPLY_USAGE,
        "create" => CREATE_USAGE,
        "delete" => DELETE_USAGE,
        "version" => VERSION_USAGE,
        "api-versions" => API_VERSIONS_USAGE,
        "api-resources" => API_RESOURCES_USAGE,
        "config" => CONFIG_USAGE,
        "exec" => EXEC_USAGE,
        "port-forward" => PORT_FORWARD_USAGE,
        _ => USAGE,
    }
}

/// `--request-timeout`: `30`, `30s`, `2m` or `1h` (kubectl also takes `0` for none).
fn parse_timeout(s: &str) -> Option<u64> {
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = num.parse().ok()?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn flags_anywhere_in_every_spelling() {
        let (g, c) = parse(&args("-n kube-system get pods -oyaml --selector=app=x -A")).unwrap();
        assert_eq!(g.namespace.as_deref(), Some("kube-system"));
        assert!(g.all_namespaces);
        match c {
            Command::Get {
                args,
                output,
                selector,
                ..
            } => {
                assert_eq!(args, vec!["pods"]);
                assert_eq!(output.as_deref(), Some("yaml"));
                assert_eq!(selector.as_deref(), Some("app=x"));
            }
            other => panic!("{other:?}"),
        }
        let (g, _) = parse(&args("get pods --namespace=x -o=json -wA")).unwrap();
        assert_eq!(g.namespace.as_deref(), Some("x"));
        assert!(g.all_namespaces);
    }

    #[test]
    fn usage_errors() {
        let e = parse(&args("get pods --bogus")).unwrap_err();
        assert_eq!(e.message, "unknown flag: --bogus");
        assert_eq!(e.usage, GET_USAGE);
        let e = parse(&args("get pods --minify")).unwrap_err();
        assert_eq!(e.message, "unknown flag: --minify");
        let e = parse(&args("get pods -n")).unwrap_err();
        assert_eq!(e.message, "flag needs an argument: -n");
        assert!(parse(&args("frobnicate")).is_err());
        assert!(parse(&args("get")).is_err());
        assert!(parse(&args("apply")).is_err());
        assert!(parse(&args("config use-context")).is_err());
        assert!(parse(&args("api-resources --namespaced=maybe")).is_err());
    }

    #[test]
    fn exec_takes_the_pod_then_the_command_after_dashes() {
        match parse(&args("exec -it -c main web -- sh -c -x")).unwrap().1 {
            Command::Exec(req) => {
                assert_eq!(req.pod, "web");
                assert_eq!(req.command, ["sh", "-c", "-x"]);
                assert_eq!(req.container.as_deref(), Some("main"));
                assert!(req.stdin && req.tty);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(&args("exec web")).is_err());
        assert!(parse(&args("port-forward web")).is_err());
    }

    #[test]
    fn apply_defaults() {
        match parse(&args("apply -f a.yaml -f dir")).unwrap().1 {
            Command::Apply {
                files,
                field_manager,
                force_conflicts,
                ..
            } => {
                assert_eq!(files, vec!["a.yaml", "dir"]);
                assert_eq!(field_manager, DEFAULT_FIELD_MANAGER);
                assert!(!force_conflicts);
            }
            other => panic!("{other:?}"),
        }
    }
}
