//! kubectl's human-readable tables.
//!
//! Like kubectl, kctl asks the server for a `meta.k8s.io/v1` Table
//! (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the server knows
//! every kind's columns (built-ins, and CRDs' `additionalPrinterColumns`, else
//! NAME and AGE) and formats their cells, AGE included. What is left here is
//! what kubectl does on the client: choose columns (`-o wide` shows those with
//! a priority), add NAMESPACE for `-A` and `kind/` prefixes for several types,
//! and align the cells with Go's tabwriter settings.

use serde_json::Value;

use crate::json::go_number;

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
    fn multi_line_cells_are_cut() {
        assert_eq!(cell_text(&json!("a\nb")), "a...");
        assert_eq!(cell_text(&json!(null)), "");
        assert_eq!(cell_text(&json!(2.5)), "2.5");
    }
}
