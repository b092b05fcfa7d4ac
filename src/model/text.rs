//! The string cells of a batch (categorical values sent by name), stored by column: only a column
//! that holds some string has storage, so a wide batch with one categorical column costs one column.

use std::ops::Range;
use std::sync::Arc;

use ndarray::Array2;

/// String cells of an `n_rows`-row batch. A column is `Some` only once a cell of it is set.
#[derive(Clone, Debug, PartialEq)]
pub struct TextCells {
    n_rows: usize,
    columns: Vec<Option<Vec<Option<Arc<str>>>>>,
}

impl TextCells {
    /// No string cells yet, for a batch of `n_rows` × `n_cols`.
    pub fn new(n_rows: usize, n_cols: usize) -> Self {
        TextCells {
            n_rows,
            columns: vec![None; n_cols],
        }
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// Put a string at a cell; a cell outside the batch is ignored.
    pub fn set(&mut self, row: usize, col: usize, text: Arc<str>) {
        if row >= self.n_rows {
            return;
        }
        if let Some(column) = self.columns.get_mut(col) {
            column.get_or_insert_with(|| vec![None; self.n_rows])[row] = Some(text);
        }
    }

    pub fn get(&self, row: usize, col: usize) -> Option<&Arc<str>> {
        self.columns.get(col)?.as_ref()?.get(row)?.as_ref()
    }

    /// Does column `col` hold any string?
    pub fn has_column(&self, col: usize) -> bool {
        matches!(self.columns.get(col), Some(Some(_)))
    }

    /// No string anywhere.
    pub fn is_empty(&self) -> bool {
        self.columns.iter().all(Option::is_none)
    }

    /// The first string in row-major order, as (row, column, text).
    pub fn first(&self) -> Option<(usize, usize, &str)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(col, cells)| {
                let cells = cells.as_ref()?;
                let row = cells.iter().position(Option::is_some)?;
                Some((row, col, cells[row].as_deref()?))
            })
            .min_by_key(|&(row, col, _)| (row, col))
    }

    /// Only the given columns, in the given order; `None` when none of them holds a string.
    pub fn select(&self, cols: &[usize]) -> Option<TextCells> {
        if !cols.iter().any(|&c| self.has_column(c)) {
            return None;
        }
        let columns = cols
            .iter()
            .map(|&c| self.columns.get(c).cloned().flatten())
            .collect();
        Some(TextCells {
            n_rows: self.n_rows,
            columns,
        })
    }

    /// Only the rows in `rows` (clamped to the batch).
    pub fn rows(&self, rows: Range<usize>) -> TextCells {
        let (a, b) = (rows.start.min(self.n_rows), rows.end.min(self.n_rows));
        let (a, b) = (a.min(b), b);
        TextCells {
            n_rows: b - a,
            columns: self
                .columns
                .iter()
                .map(|c| c.as_ref().map(|cells| cells[a..b].to_vec()))
                .collect(),
        }
    }

    /// Columns side by side: each part is its width and its text, if any (the parts' row counts
    /// must be `n_rows`; a part of another height contributes no text).
    pub fn side_by_side<'a>(
        n_rows: usize,
        parts: impl IntoIterator<Item = (usize, Option<&'a TextCells>)>,
    ) -> Option<TextCells> {
        let mut columns = Vec::new();
        for (width, text) in parts {
            match text {
                Some(t) if t.n_rows == n_rows && t.n_cols() == width => {
                    columns.extend(t.columns.iter().cloned())
                }
                _ => columns.extend(std::iter::repeat_n(None, width)),
            }
        }
        let text = TextCells { n_rows, columns };
        (!text.is_empty()).then_some(text)
    }
}

/// From a dense array of cells (`None` where a cell holds no string).
impl From<Array2<Option<Arc<str>>>> for TextCells {
    fn from(cells: Array2<Option<Arc<str>>>) -> Self {
        let (n_rows, n_cols) = cells.dim();
        let mut text = TextCells::new(n_rows, n_cols);
        for ((row, col), cell) in cells.indexed_iter() {
            if let Some(s) = cell {
                text.set(row, col, Arc::clone(s));
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(spec: &[(usize, usize, &str)], n_rows: usize, n_cols: usize) -> TextCells {
        let mut t = TextCells::new(n_rows, n_cols);
        for &(r, c, s) in spec {
            t.set(r, c, Arc::from(s));
        }
        t
    }

    #[test]
    fn only_columns_with_strings_have_storage() {
        let t = cells(&[(1, 2, "a"), (0, 2, "b")], 3, 4);
        assert!(t.has_column(2));
        assert!(!t.has_column(0) && !t.has_column(3) && !t.has_column(9));
        assert_eq!(t.get(1, 2).map(|s| &**s), Some("a"));
        assert_eq!(t.get(2, 2), None);
        assert_eq!(t.get(5, 2), None);
        let mut out = t.clone();
        out.set(7, 1, Arc::from("ignored"));
        out.set(0, 9, Arc::from("ignored"));
        assert_eq!(out, t);
    }

    #[test]
    fn first_is_row_major() {
        let t = cells(&[(2, 0, "late"), (1, 3, "early")], 3, 4);
        assert_eq!(t.first(), Some((1, 3, "early")));
        assert_eq!(TextCells::new(3, 4).first(), None);
    }

    #[test]
    fn select_rows_and_side_by_side_keep_cells_in_place() {
        let t = cells(&[(0, 1, "x"), (2, 1, "y")], 3, 3);
        assert_eq!(t.select(&[0, 2]), None);
        let picked = t.select(&[1, 0]).expect("column 1 has text");
        assert_eq!(picked.get(2, 0).map(|s| &**s), Some("y"));
        let tail = t.rows(1..3);
        assert_eq!(
            (tail.n_rows(), tail.get(1, 1).map(|s| &**s)),
            (2, Some("y"))
        );
        assert_eq!(t.rows(2..9).n_rows(), 1);
        let both = TextCells::side_by_side(3, [(2, None), (3, Some(&t))]).expect("text");
        assert_eq!(both.n_cols(), 5);
        assert_eq!(both.get(0, 3).map(|s| &**s), Some("x"));
        assert_eq!(TextCells::side_by_side(3, [(2, None)]), None);
    }

    #[test]
    fn from_a_dense_array() {
        let mut dense = Array2::from_elem((2, 2), None);
        dense[(1, 0)] = Some(Arc::<str>::from("z"));
        let t = TextCells::from(dense);
        assert_eq!(t, cells(&[(1, 0, "z")], 2, 2));
    }
}
