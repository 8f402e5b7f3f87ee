//! Reading the tab-separated tables in `data/`.

use std::path::Path;

use crate::Result;

/// One data row: its line number (1-based) and its cells.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) line: usize,
    pub(crate) cells: Vec<String>,
}

impl Row {
    /// Cell `i`, or an error naming the file and line.
    pub(crate) fn cell(&self, i: usize, file: &Path) -> Result<&str> {
        self.cells.get(i).map(String::as_str).ok_or_else(|| {
            format!(
                "{}:{}: expected at least {} columns, found {}",
                file.display(),
                self.line,
                i + 1,
                self.cells.len()
            )
            .into()
        })
    }
}

/// Reads a TSV file: `#` lines are comments, blank lines are skipped.
pub(crate) fn read(path: &Path) -> Result<Vec<Row>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| Row {
            line: i + 1,
            cells: l.split('\t').map(|c| c.trim().to_owned()).collect(),
        })
        .collect())
}
