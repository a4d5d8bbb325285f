//! kubectl's human-readable tables.
//!
//! Like kubectl, kctl asks the server for a `meta.k8s.io/v1` Table
//! (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the server knows
//! every kind's columns (built-ins, and CRDs' `additionalPrinterColumns`, else
//! NAME and AGE) and formats their cells, AGE included. What is left here is
//! what kubectl does on the client: choose columns (`-o wide` shows those with
//! a priority), add NAMESPACE for `-A` and `kind/` prefixes for several types,
//! and align the cells with Go's tabwriter settings.
//!
//! A server that answers with plain objects instead of a Table (some
//! aggregated APIs) gets kubectl's client-side default: NAME and AGE, the age
//! written by kubectl's duration printer.

use k8s_client::meta::Time;
use serde_json::Value;

use crate::json::go_number;
use crate::terminal::escape_terminal;

/// A server-side Table, reduced to what the printer needs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    /// Column names and priorities (0: shown by default; otherwise only with `-o wide`).
    pub(crate) columns: Vec<(String, i64)>,
    /// Rows: the cells, and the namespace of the object the row shows.
    pub(crate) rows: Vec<Row>,
}

/// One row of a Table.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    /// The cells as the server sent them.
    pub(crate) cells: Vec<Value>,
    /// `object.metadata.namespace` (rows carry partial object metadata).
    pub(crate) namespace: String,
}

/// How to print a table.
#[derive(Clone, Debug, Default)]
pub(crate) struct TableOptions {
    /// `-o wide`: include columns with a non-zero priority.
    pub(crate) wide: bool,
    /// `-A` on a namespaced resource: a leading NAMESPACE column.
    pub(crate) with_namespace: bool,
    /// `kind[.group]` to prefix names with (several types in one command).
    pub(crate) kind_prefix: Option<String>,
    /// Leave out the header line (watch events after the first).
    pub(crate) no_headers: bool,
}

impl Table {
    /// Reads a `Table` response, or a watch event's Table.
    pub(crate) fn from_value(v: &Value) -> Table {
        let columns = v["columnDefinitions"]
            .as_array()
            .map(|cols| {
                cols.iter()
                    .map(|c| {
                        (
                            c["name"].as_str().unwrap_or_default().to_owned(),
                            c["priority"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rows = v["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| Row {
                        cells: r["cells"].as_array().cloned().unwrap_or_default(),
                        namespace: r["object"]["metadata"]["namespace"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Table { columns, rows }
    }

    /// kubectl's default table for a response that is not a Table: NAME and AGE
    /// of the list's items (or of the one object), ages as of `now`.
    pub(crate) fn from_objects(v: &Value, now: Time) -> Table {
        let objects = match v["items"].as_array() {
            Some(items) => items.clone(),
            None => vec![v.clone()],
        };
        let rows = objects
            .iter()
            .map(|o| {
                let meta = &o["metadata"];
                let age = meta["creationTimestamp"]
                    .as_str()
                    .and_then(|t| t.parse::<Time>().ok())
                    .map_or_else(
                        || "<unknown>".to_owned(),
                        |t| human_duration(now.unix_seconds() - t.unix_seconds()),
                    );
                Row {
                    cells: vec![meta["name"].clone(), Value::String(age)],
                    namespace: meta["namespace"].as_str().unwrap_or_default().to_owned(),
                }
            })
            .collect();
        Table {
            columns: vec![("Name".to_owned(), 0), ("Age".to_owned(), 0)],
            rows,
        }
    }

    /// A server's answer as a table: its Table, else kubectl's default.
    pub(crate) fn from_response(v: &Value) -> Table {
        if v["kind"] == "Table" {
            Table::from_value(v)
        } else {
            Table::from_objects(v, Time::now())
        }
    }

    /// The lines of the table as tab-separated cells (kubectl's `printTable`),
    /// ready for [`align`]. No lines at all when there are no rows.
    pub(crate) fn lines(&self, options: &TableOptions) -> Vec<Vec<String>> {
        if self.rows.is_empty() {
            return Vec::new();
        }
        let shown: Vec<usize> = (0..self.columns.len())
            .filter(|&i| options.wide || self.columns[i].1 == 0)
            .collect();
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        if !options.no_headers {
            let mut header: Vec<String> = Vec::new();
            if options.with_namespace {
                header.push("NAMESPACE".to_owned());
            }
            header.extend(shown.iter().map(|&i| self.columns[i].0.to_uppercase()));
            lines.push(header);
        }
        for row in &self.rows {
            let mut line = Vec::with_capacity(shown.len() + 1);
            if options.with_namespace {
                line.push(row.namespace.clone());
            }
            for &i in &shown {
                let mut cell = row.cells.get(i).map(cell_text).unwrap_or_default();
                // The name column (the first) carries the kind when several types print.
                if let (0, Some(prefix)) = (i, &options.kind_prefix) {
                    cell = format!("{prefix}/{cell}");
                }
                line.push(cell);
            }
            lines.push(line);
        }
        // Headers, cells and namespaces are the server's text.
        for cell in lines.iter_mut().flatten() {
            *cell = escape_terminal(cell);
        }
        lines
    }
}

/// A cell as kubectl prints it: strings cut at the first line break (with
/// `...`), other values as Go's `fmt.Sprint` shows them, null as nothing.
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => String::new(),
        Value::String(s) => match s.find(['\n', '\r', '\u{c}']) {
            Some(i) => format!("{}...", &s[..i]),
            None => s.clone(),
        },
        Value::Number(n) => go_number(n),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// apimachinery's `duration.HumanDuration`, which kubectl's AGE columns use:
/// seconds up to 2 minutes, then minutes (with seconds under 10 minutes), hours
/// (with minutes under 8 hours), days (with hours under 8 days), years (with
/// days under 8 years).
pub(crate) fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// Go's `text/tabwriter` as kubectl configures it (min width 6, padding 3, spaces):
/// every cell but the last of a line is padded to its column's width.
pub(crate) fn align(lines: &[Vec<String>]) -> String {
    TabWriter::default().format(lines)
}

/// kubectl's tabwriter (liggitt/tabwriter with `RememberWidths`): column widths
/// only grow across [`format`](TabWriter::format) calls, so the rows of `get -w`
/// line up under the header printed first.
#[derive(Default)]
pub(crate) struct TabWriter {
    widths: Vec<usize>,
}

impl TabWriter {
    /// Aligns `lines` with the widths seen so far and remembers the new ones.
    pub(crate) fn format(&mut self, lines: &[Vec<String>]) -> String {
        const MIN_WIDTH: usize = 6;
        const PADDING: usize = 3;
        for line in lines {
            // The last cell of a line is not tab-terminated, so it does not count.
            for (j, cell) in line.iter().enumerate().take(line.len().saturating_sub(1)) {
                if self.widths.len() <= j {
                    self.widths.resize(j + 1, MIN_WIDTH);
                }
                self.widths[j] = self.widths[j].max(cell.chars().count() + PADDING);
            }
        }
        let mut out = String::new();
        for line in lines {
            for (j, cell) in line.iter().enumerate() {
                out.push_str(cell);
                if j + 1 < line.len() {
                    let pad = self.widths[j].saturating_sub(cell.chars().count());
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kubectl_layout() {
        let t = Table::from_value(&json!({
            "columnDefinitions": [
                {"name": "Name", "priority": 0},
                {"name": "Data", "priority": 0},
                {"name": "Extra", "priority": 1},
                {"name": "Age", "priority": 0}
            ],
            "rows": [
                {"cells": ["cfg", 1, "x", "0s"], "object": {"metadata": {"namespace": "default"}}},
                {"cells": ["kube-root-ca.crt", 1, "y", "6m19s"], "object": {"metadata": {"namespace": "default"}}}
            ]
        }));
        let out = align(&t.lines(&TableOptions {
            kind_prefix: Some("configmap".into()),
            ..Default::default()
        }));
        assert_eq!(
            out,
            "NAME                         DATA   AGE\n\
             configmap/cfg                1      0s\n\
             configmap/kube-root-ca.crt   1      6m19s\n"
        );
        let wide = align(&t.lines(&TableOptions {
            wide: true,
            with_namespace: true,
            ..Default::default()
        }));
        assert!(
            wide.starts_with("NAMESPACE   NAME               DATA   EXTRA   AGE\n"),
            "{wide}"
        );
        assert!(t.lines(&TableOptions::default()).len() == 3);
        assert!(Table::default().lines(&TableOptions::default()).is_empty());
    }

    #[test]
    fn ages_like_kubectl() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (125, "2m5s"),
            (599, "9m59s"),
            (600, "10m"),
            (3 * 3600 - 1, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 120, "3h2m"),
            (8 * 3600, "8h"),
            (47 * 3600 + 59 * 60, "47h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(secs), want, "{secs}s");
        }
    }

    #[test]
    fn default_table_for_plain_objects() {
        let now: Time = "2026-01-01T00:10:00Z".parse().unwrap();
        let list = json!({"kind": "WidgetList", "items": [
            {"metadata": {"name": "a", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z"}},
            {"metadata": {"name": "b"}}
        ]});
        let t = Table::from_objects(&list, now);
        let out = align(&t.lines(&TableOptions {
            with_namespace: true,
            ..Default::default()
        }));
        assert_eq!(
            out,
            "NAMESPACE   NAME   AGE\nns          a      10m\n            b      <unknown>\n"
        );
    }

    #[test]
    fn server_text_is_escaped_for_the_terminal() {
        // A hostile server's cells, headers and namespaces must not drive the terminal.
        let t = Table::from_value(&json!({
            "columnDefinitions": [{"name": "Na\u{1b}[2Jme", "priority": 0}],
            "rows": [{"cells": ["\u{1b}]0;pwned\u{7}x"], "object": {"metadata": {"namespace": "n\u{1b}[31m"}}}]
        }));
        let out = align(&t.lines(&TableOptions {
            with_namespace: true,
            ..Default::default()
        }));
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert_eq!(out, "NAMESPACE   NA^[[2JME\nn^[[31m     ^[]0;pwned\u{7}x\n");
    }

    #[test]
    fn multi_line_cells_are_cut() {
        assert_eq!(cell_text(&json!("a\nb")), "a...");
        assert_eq!(cell_text(&json!(null)), "");
        assert_eq!(cell_text(&json!(2.5)), "2.5");
    }
}
