//! A table as fixed-width cable text. Columns keep their natural width when the table fits
//! the line; otherwise each column gets a share of the line in proportion to its natural
//! width, never below its longest word (at most 16 characters), and each cell wraps inside
//! its column at spaces, so nothing is cut: a title or an outcome reads in full over several
//! lines. A word longer than its column is split
//! (only then). A table with a row of several lines puts a blank line between rows.

use super::wrap;
use crate::doc::Table;

/// The narrowest a column gives way to: its longest word, within these bounds.
const MIN_COLUMN: usize = 4;
const MAX_WORD_FLOOR: usize = 16;

/// The table's lines, none wider than `width` characters (as long as `width` leaves each
/// column a character): the header, a rule of dashes, then the rows.
pub(super) fn text_lines(table: &Table, width: usize) -> Vec<String> {
    let n = table.columns.len();
    if n == 0 {
        return Vec::new();
    }
    let len = |s: &str| s.chars().count();
    let cell = |cells: &[String], i: usize| cells.get(i).cloned().unwrap_or_default();
    let column = |i: usize| {
        std::iter::once(table.columns[i].clone())
            .chain(table.rows.iter().map(move |r| cell(&r.cells, i)))
    };
    let mut widths: Vec<usize> = (0..n)
        .map(|i| column(i).map(|c| len(&c)).max().unwrap_or(0))
        .collect();
    let floors: Vec<usize> = (0..n)
        .map(|i| {
            let word = column(i)
                .flat_map(|c| c.split(' ').map(len).collect::<Vec<_>>())
                .max()
                .unwrap_or(0);
            word.clamp(MIN_COLUMN, MAX_WORD_FLOOR).min(widths[i])
        })
        .collect();
    let gaps = 2 * (n - 1);
    let avail = width.saturating_sub(gaps);
    let natural = widths.clone();
    let total: usize = natural.iter().sum();
    if total > avail {
        // Each column a share of the line in proportion to its natural width, never below
        // its floor; then the column with the most room above its floor gives way while the
        // table is too wide (the widest of all once none has room: its long words split),
        // and what is left over goes to the column furthest below its natural width.
        for i in 0..n {
            widths[i] = (natural[i] * avail / total).max(floors[i]).min(natural[i]);
        }
        while widths.iter().sum::<usize>() > avail {
            let pick = (0..n)
                .filter(|i| widths[*i] > floors[*i])
                .max_by_key(|i| (widths[*i] - floors[*i], usize::MAX - i))
                .or_else(|| {
                    (0..n)
                        .filter(|i| widths[*i] > 1)
                        .max_by_key(|i| (widths[*i], usize::MAX - i))
                });
            match pick {
                Some(i) => widths[i] -= 1,
                None => break,
            }
        }
        while widths.iter().sum::<usize>() < avail {
            let pick = (0..n)
                .filter(|i| widths[*i] < natural[*i])
                .max_by_key(|i| (natural[*i] - widths[*i], usize::MAX - i));
            match pick {
                Some(i) => widths[i] += 1,
                None => break,
            }
        }
    }
    let row_lines = |cells: &[String]| -> Vec<String> {
        let wrapped: Vec<Vec<String>> = (0..n)
            .map(|i| cell_lines(&cell(cells, i), widths[i]))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
        (0..height)
            .map(|k| {
                let parts: Vec<String> = (0..n)
                    .map(|i| {
                        let c = wrapped[i].get(k).map(String::as_str).unwrap_or("");
                        if i + 1 == n {
                            c.to_string()
                        } else {
                            format!("{c:<w$}", w = widths[i])
                        }
                    })
                    .collect();
                parts.join("  ").trim_end().to_string()
            })
            .collect()
    };
    let mut out = row_lines(&table.columns);
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| row_lines(&r.cells)).collect();
    let spaced = rows.iter().any(|r| r.len() > 1);
    for (k, r) in rows.into_iter().enumerate() {
        if spaced && k > 0 {
            out.push(String::new());
        }
        out.extend(r);
    }
    out
}

/// A cell's text wrapped at spaces into lines of at most `width` characters; a word longer
/// than that is split into pieces of `width`.
fn cell_lines(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for line in wrap(text, width, 0) {
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= width {
            out.push(line);
        } else {
            out.extend(chars.chunks(width).map(|c| c.iter().collect::<String>()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Row;
    use chancery_domain::Marking;

    fn table(columns: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| Row {
                    cells: r.iter().map(|c| c.to_string()).collect(),
                    marking: Marking::U,
                })
                .collect(),
            internal_columns: Vec::new(),
        }
    }

    #[test]
    fn a_table_that_fits_keeps_its_natural_widths() {
        let t = table(&["Year", "Orders"], &[&["2023", "12"], &["2024", "15"]]);
        assert_eq!(
            text_lines(&t, 72),
            vec!["Year  Orders", "----  ------", "2023  12", "2024  15"]
        );
    }

    #[test]
    fn long_cells_wrap_in_their_column_and_nothing_is_cut() {
        let title = "Stadtpark group assault: the verdict of the regional court after \
                     a trial of eleven months";
        let outcome = "Rape — convicted: 4 years 6 months custody, expulsion for 8 years";
        let t = table(
            &["Ref", "Title", "Outcome"],
            &[&["A", title, outcome], &["B", "Speech case", "acquitted"]],
        );
        let lines = text_lines(&t, 72);
        for l in &lines {
            assert!(l.chars().count() <= 72, "{l:?}");
            assert!(!l.contains('~'), "{l:?}");
        }
        // Each column's pieces, read down the rows, give the full text back.
        let col = |start: usize, end: Option<usize>| -> String {
            lines[2..]
                .iter()
                .take_while(|l| !l.is_empty())
                .map(|l| {
                    let chars: Vec<char> = l.chars().collect();
                    let end = end.unwrap_or(chars.len()).min(chars.len());
                    chars
                        .get(start.min(chars.len())..end)
                        .map(|c| c.iter().collect::<String>())
                        .unwrap_or_default()
                        .trim()
                        .to_string()
                })
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let title_at = lines[0].find("Title").unwrap();
        let outcome_at = lines[0].find("Outcome").unwrap();
        assert_eq!(col(title_at, Some(outcome_at)), title, "{lines:#?}");
        assert_eq!(col(outcome_at, None), outcome, "{lines:#?}");
        // Rows of several lines are set apart by a blank line.
        assert!(lines.contains(&String::new()));
        assert!(
            lines.iter().any(|l| l.starts_with("B    Speech case")),
            "{lines:#?}"
        );
    }

    #[test]
    fn a_word_longer_than_any_column_is_split_not_cut() {
        let long = "x".repeat(200);
        let t = table(&["A", "B"], &[&[&long, &long]]);
        let lines = text_lines(&t, 72);
        for l in &lines {
            assert!(l.chars().count() <= 72, "{l:?}");
        }
        let xs: usize = lines.iter().map(|l| l.matches('x').count()).sum();
        assert_eq!(xs, 400);
    }
}
