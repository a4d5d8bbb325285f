//! `get TYPE [NAME...]` and `get -w`.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_client::api::{ListParams, WatchParams};
use k8s_client::meta::WatchEvent;
use k8s_client::rest::{Accept, Verb};
use serde_json::Value;

use crate::error::{Failure, client_error_text};
use crate::printers::{Format, kind_group, list_items, object_name, structured};
use crate::resources::{self, Target};
use crate::session::Session;
use crate::table::{TabWriter, Table, TableOptions};

/// A parsed `get`.
pub(crate) struct GetRequest {
    /// `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`.
    pub(crate) args: Vec<String>,
    /// `-l`.
    pub(crate) selector: Option<String>,
    /// `--field-selector`.
    pub(crate) field_selector: Option<String>,
    /// `-o`.
    pub(crate) output: Format,
    /// `-w`.
    pub(crate) watch: bool,
}

/// Runs `get`: reads every target, prints in the chosen format, then reports
/// the errors (kubectl prints what it found before failing).
pub(crate) async fn run(session: &Session, req: &GetRequest) -> Result<(), Failure> {
    let (targets, single) = resources::targets(session, &req.args).await?;
    let has_names = targets.iter().any(|t| !t.names.is_empty());
    if has_names && session.all_namespaces {
        return Err(Failure::msg(
            "a resource cannot be retrieved by name across all namespaces",
        ));
    }
    if has_names && (req.selector.is_some() || req.field_selector.is_some()) {
        return Err(Failure::msg(
            "name cannot be provided when a selector is specified",
        ));
    }
    if req.watch && targets.len() != 1 {
        return Err(Failure::msg(format!(
            "watch is only supported on individual resources and resource collections, but {} resources were found",
            targets.len()
        )));
    }
    let with_kind = targets.len() > 1
        || req
            .args
            .first()
            .is_some_and(|a| a.contains([',', '/']) || a == "all");
    let mut errors = Vec::new();
    let mut resource_version = String::new();
    // The table's column widths carry over to the rows `-w` prints.
    let mut writer = TabWriter::default();
    let mut stream = ObjectStream::new(req.output);
    let found = match req.output {
        Format::Default | Format::Wide => {
            let mut tables = Vec::new();
            for t in &targets {
                let options = TableOptions {
                    wide: req.output == Format::Wide,
                    with_namespace: session.all_namespaces && t.resource.namespaced,
                    kind_prefix: with_kind.then(|| kind_group(&t.resource.kind, &t.resource.group)),
                    no_headers: false,
                };
                let mut table = Table::default();
                for r in fetch_tables(session, t, req, &mut errors).await {
                    resource_version = r["metadata"]["resourceVersion"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let part = Table::from_response(&r);
                    if table.columns.is_empty() {
                        table.columns = part.columns;
                    }
                    table.rows.extend(part.rows);
                }
                let lines = table.lines(&options);
                writer = TabWriter::default();
                if !lines.is_empty() {
                    tables.push(writer.format(&lines));
                }
            }
            out!("{}", tables.join("\n"));
            !tables.is_empty()
        }
        format => {
            let mut objects = Vec::new();
            for t in &targets {
                objects.extend(
                    fetch_objects(session, t, req, &mut errors, &mut resource_version).await,
                );
            }
            let found = !objects.is_empty();
            if format == Format::Name || req.watch {
                // A watch prints objects one by one, as its events will be.
                for o in objects {
                    stream.print(o);
                }
            } else if !(single && objects.is_empty()) {
                out!("{}", structured(objects, single, format));
            }
            found
        }
    };
    if !found && errors.is_empty() && matches!(req.output, Format::Default | Format::Wide) {
        let namespaced = targets.iter().any(|t| t.resource.namespaced);
        if namespaced && !session.all_namespaces {
            eprintln!("No resources found in {} namespace.", session.namespace);
        } else {
            eprintln!("No resources found");
        }
    }
    for e in &errors {
        eprintln!("{}", client_error_text(e));
    }
    if !errors.is_empty() {
        return Err(Failure::Reported);
    }
    if req.watch
        && let Some(t) = targets.first()
    {
        watch(
            session,
            t,
            req,
            &resource_version,
            with_kind,
            writer,
            stream,
        )
        .await?;
    }
    Ok(())
}

fn list_params(req: &GetRequest) -> ListParams {
    let mut lp = ListParams::default();
    if let Some(s) = &req.selector {
        lp = lp.labels(s);
    }
    if let Some(s) = &req.field_selector {
        lp = lp.fields(s);
    }
    lp
}

/// The target as server-side Tables: one per named object, or one for the list.
async fn fetch_tables(
    session: &Session,
    t: &Target,
    req: &GetRequest,
    errors: &mut Vec<k8s_client::Error>,
) -> Vec<Value> {
    let mut out = Vec::new();
    if t.names.is_empty() {
        let api = resources::api(session, &t.resource, session.all_namespaces);
        let mut b = api.request(Verb::Get, None).accept(Accept::Table);
        if let Some(s) = &req.selector {
            b = b.param("labelSelector", s);
        }
        if let Some(s) = &req.field_selector {
            b = b.param("fieldSelector", s);
        }
        match session.client.send_json::<Value>(b).await {
            Ok(v) => out.push(v),
            Err(e) => errors.push(e),
        }
    } else {
        // Names are looked up in the namespace even with -A, as kubectl does.
        let api = resources::api(session, &t.resource, false);
        for name in &t.names {
            let b = api.request(Verb::Get, Some(name)).accept(Accept::Table);
            match session.client.send_json::<Value>(b).await {
                Ok(v) => out.push(v),
                Err(e) => errors.push(e),
            }
        }
    }
    out
}

/// The target's objects with apiVersion and kind set.
async fn fetch_objects(
    session: &Session,
    t: &Target,
    req: &GetRequest,
    errors: &mut Vec<k8s_client::Error>,
    resource_version: &mut String,
) -> Vec<Value> {
    let mut out = Vec::new();
    if t.names.is_empty() {
        match resources::api(session, &t.resource, session.all_namespaces)
            .list_all(&list_params(req))
            .await
        {
            Ok(list) => {
                *resource_version = list.metadata.resource_version.clone().unwrap_or_default();
                out.extend(list_items(&list.api_version, &list.kind, list.items));
            }
            Err(e) => errors.push(e),
        }
    } else {
        let api = resources::api(session, &t.resource, false);
        for name in &t.names {
            match api.get(name).await {
                Ok(obj) => {
                    // A watch of named objects starts after the state printed.
                    if let Some(rv) = obj["metadata"]["resourceVersion"].as_str() {
                        *resource_version = rv.to_owned();
                    }
                    out.push(obj);
                }
                Err(e) => errors.push(e),
            }
        }
    }
    out
}

/// The selectors of a watch: the user's, and the one named object if any.
fn watch_params(t: &Target, req: &GetRequest) -> WatchParams {
    let mut wp = WatchParams::default();
    if let Some(s) = &req.selector {
        wp = wp.labels(s);
    }
    let fields: Vec<String> = t
        .names
        .iter()
        .map(|name| format!("metadata.name={name}"))
        .chain(req.field_selector.clone())
        .collect();
    if !fields.is_empty() {
        wp = wp.fields(&fields.join(","));
    }
    wp
}

/// `get -w`: changes after the listed state, until interrupted or until
/// `--request-timeout` passes (then it ends quietly, with success).
async fn watch(
    session: &Session,
    t: &Target,
    req: &GetRequest,
    resource_version: &str,
    with_kind: bool,
    mut writer: TabWriter,
    mut stream: ObjectStream,
) -> Result<(), Failure> {
    let api = resources::api(session, &t.resource, session.all_namespaces);
    let deadline = session.request_timeout.map(Duration::from_secs);
    let watching = async {
        if matches!(req.output, Format::Default | Format::Wide) {
            let options = TableOptions {
                wide: req.output == Format::Wide,
                with_namespace: session.all_namespaces && t.resource.namespaced,
                kind_prefix: with_kind.then(|| kind_group(&t.resource.kind, &t.resource.group)),
                no_headers: true,
            };
            let wp = watch_params(t, req)
                .disable_bookmarks()
                .accept(Accept::Table);
            let mut events = api.watch(&wp, resource_version).await?;
            let mut columns = Vec::new();
            while let Some(event) = events.try_next().await? {
                if let WatchEvent::Added(v) | WatchEvent::Modified(v) | WatchEvent::Deleted(v) =
                    event
                {
                    let mut table = Table::from_response(&v);
                    // Only the first event carries the column definitions.
                    if table.columns.is_empty() {
                        table.columns = columns.clone();
                    } else {
                        columns = table.columns.clone();
                    }
                    out!("{}", writer.format(&table.lines(&options)));
                }
            }
        } else {
            let wp = watch_params(t, req);
            let mut events = api.watch(&wp, resource_version).await?.boxed();
            while let Some(event) = events.try_next().await? {
                if let WatchEvent::Added(v) | WatchEvent::Modified(v) | WatchEvent::Deleted(v) =
                    event
                {
                    if !t.names.is_empty()
                        && !t.names.iter().any(|n| v["metadata"]["name"] == n.as_str())
                    {
                        continue;
                    }
                    stream.print(v);
                }
            }
        }
        Ok::<(), Failure>(())
    };
    match deadline {
        Some(d) => match tokio::time::timeout(d, watching).await {
            Ok(result) => result,
            Err(_elapsed) => Ok(()),
        },
        None => watching.await,
    }
}

/// Objects printed one at a time (`get -w -o json|yaml|name`), as kubectl
/// does: JSON objects one after another, YAML documents separated by `---`.
struct ObjectStream {
    format: Format,
    printed: bool,
}

impl ObjectStream {
    fn new(format: Format) -> Self {
        ObjectStream {
            format,
            printed: false,
        }
    }

    fn print(&mut self, object: Value) {
        match self.format {
            Format::Name => outln!("{}", object_name(&object)),
            format => {
                if format == Format::Yaml && self.printed {
                    out!("---\n");
                }
                out!("{}", structured(vec![object], true, format));
            }
        }
        self.printed = true;
    }
}
