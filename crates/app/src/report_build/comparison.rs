//! The case comparison block: the cases by short reference (A, B, ...) with their full
//! titles, then the matrix of their outcomes (A1, A2, B1, ...) against the three measures,
//! as the compare page shows them, with a row saying which of the first outcomes of A and B
//! is harsher on each measure; caveats name the outcomes by reference.

use super::BuildError;
use super::resolve::{Builder, victims};
use chancery_domain::case_summary::SELECTION_CAVEAT;
use chancery_domain::severity::{
    self, CompareContext, Harsher, Measure, Measures, Outcome, Span, Verdict,
};
use chancery_domain::{Case, Marking, Record, RecordId};
use chancery_report::chart::format_number;
use chancery_report::doc::{Block, Row, Table};

/// The short reference of the `i`th case: A, B, ..., Z, AA, ...
fn reference(i: usize) -> String {
    let mut n = i + 1;
    let mut label = Vec::new();
    while n > 0 {
        n -= 1;
        label.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    label.iter().rev().collect()
}

/// An outcome in words: its offences, then the verdict and the sentence.
fn outcome_text(o: &Outcome) -> String {
    let offences: Vec<String> = o.offences.iter().map(|f| f.label.to_string()).collect();
    let verdict = match &o.verdict {
        Verdict::Convicted { .. } => {
            let parts: Vec<String> = o
                .sentence()
                .map(|s| {
                    s.components()
                        .iter()
                        .map(severity::describe::component_text)
                        .collect()
                })
                .unwrap_or_default();
            format!("convicted: {}", parts.join(", "))
        }
        Verdict::Acquitted => "acquitted".into(),
        Verdict::Discontinued => "discontinued".into(),
    };
    format!("{} — {verdict}", offences.join("; "))
}

/// A span of days (`1,095 days`, `365 to 730 days`) or of rank levels (`3`, `2 to 4`).
fn span_text(s: Span<u32>, unit: &str) -> String {
    let n = |v: u32| format_number(f64::from(v), 0);
    if s.min == s.max {
        format!("{}{unit}", n(s.min))
    } else {
        format!("{} to {}{unit}", n(s.min), n(s.max))
    }
}

/// The three measures of one outcome, as the matrix's cells.
fn measure_cells(m: &Measures) -> [String; 3] {
    [
        span_text(m.unconditional_custody_days, " days"),
        span_text(m.max_custody_exposure_days, " days"),
        span_text(
            Span {
                min: u32::from(m.rank.min.level()),
                max: u32::from(m.rank.max.level()),
            },
            "",
        ),
    ]
}

impl Builder<'_> {
    pub(super) async fn comparison(
        &mut self,
        title: &str,
        cases: &[RecordId],
        para: &str,
    ) -> Result<Block, BuildError> {
        let mut rows = Vec::new();
        let mut loaded: Vec<Record<Case>> = Vec::new();
        for id in cases {
            let c = self.case(*id, para).await?;
            rows.push(Row {
                cells: vec![
                    reference(loaded.len()),
                    c.id.to_string(),
                    c.data.title.to_string(),
                    c.data
                        .date
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "n.d.".into()),
                    c.data.status.label().to_string(),
                    victims(&c),
                ],
                marking: c.data.marking,
            });
            loaded.push(c);
        }
        let mut matrix = Vec::new();
        for (i, c) in loaded.iter().enumerate() {
            let r = reference(i);
            let outcomes = &c.data.detail.outcomes;
            if outcomes.is_empty() {
                matrix.push(Row {
                    cells: vec![format!("{r}: no outcome recorded")],
                    marking: c.data.marking,
                });
            }
            for (j, o) in outcomes.iter().enumerate() {
                let mut cells = vec![format!("{r}{}: {}", j + 1, outcome_text(&o.outcome))];
                cells.extend(measure_cells(&o.outcome.measures()));
                matrix.push(Row {
                    cells,
                    marking: c.data.marking,
                });
            }
        }
        let mut caveats = vec![SELECTION_CAVEAT.to_string()];
        if let (Some(a), Some(b)) = (loaded.first(), loaded.get(1))
            && let (Some(oa), Some(ob)) = (
                a.data.detail.outcomes.first(),
                b.data.detail.outcomes.first(),
            )
        {
            let ctx = CompareContext::new("A1", "B1");
            let cmp = severity::compare(&oa.outcome, &ob.outcome, &ctx);
            let mut cells = vec!["Harsher, A1 against B1".to_string()];
            for measure in [
                Measure::UnconditionalCustodyDays,
                Measure::MaxCustodyExposureDays,
                Measure::SeverityRank,
            ] {
                cells.push(
                    match cmp.row(measure).harsher {
                        Harsher::A => "A1",
                        Harsher::B => "B1",
                        Harsher::Equal => "equal",
                        Harsher::Undetermined => "undetermined (ranges overlap)",
                    }
                    .to_string(),
                );
            }
            matrix.push(Row {
                cells,
                marking: Marking::highest([a.data.marking, b.data.marking]),
            });
            if cmp.depends_on_measure {
                caveats.push("which of A1 and B1 is harsher depends on the measure".into());
            }
            caveats.extend(cmp.caveats.iter().map(|c| c.detail.clone()));
        }
        let marking = Marking::highest(rows.iter().map(|r| r.marking));
        Ok(Block::CaseComparison {
            title: title.to_string(),
            table: Table {
                columns: ["Ref", "Case", "Title", "Date", "Status", "Victim parties"]
                    .map(String::from)
                    .to_vec(),
                rows,
                internal_columns: vec![5],
            },
            measures: Table {
                columns: [
                    "Outcome",
                    "Unconditional custody",
                    "Maximum custodial exposure",
                    "Severity rank (0 to 7)",
                ]
                .map(String::from)
                .to_vec(),
                rows: matrix,
                internal_columns: Vec::new(),
            },
            caveats,
            marking,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_run_a_to_z_then_aa() {
        assert_eq!(reference(0), "A");
        assert_eq!(reference(1), "B");
        assert_eq!(reference(25), "Z");
        assert_eq!(reference(26), "AA");
    }

    #[test]
    fn spans_read_with_separators() {
        assert_eq!(span_text(Span::exact(1095), " days"), "1,095 days");
        assert_eq!(
            span_text(Span { min: 365, max: 730 }, " days"),
            "365 to 730 days"
        );
        assert_eq!(span_text(Span { min: 2, max: 4 }, ""), "2 to 4");
    }
}
