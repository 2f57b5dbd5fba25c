//! What changed between two versions of a report, as a reader may know it: the state change,
//! the header fields, and the paragraphs added, removed, changed or moved. The history page
//! shows one line of this per version.

use chancery_domain::Marking;
use chancery_domain::report::{Report, ReportParagraph, ReportState};
use std::collections::{HashMap, HashSet};

/// A change of state on its own, in words ("submitted", "cleared step 1").
pub fn state_change(from: ReportState, to: ReportState) -> Option<String> {
    use ReportState as S;
    Some(match (from, to) {
        _ if from == to => return None,
        (S::Draft, S::InClearance { step: 0 }) => "submitted".into(),
        (S::InClearance { step }, S::InClearance { step: next }) if next == step + 1 => {
            format!("cleared step {}", step + 1)
        }
        (S::InClearance { step }, S::Cleared) => format!("cleared step {} (the last)", step + 1),
        (S::InClearance { .. } | S::Cleared, S::Draft) => "returned to draft".into(),
        (S::Cleared, S::Published) => "published".into(),
        (S::Published, S::Withdrawn) => "withdrawn".into(),
        (from, to) => format!("state changed from {from} to {to}"),
    })
}

/// The ids of `b` that are not in a longest common subsequence with `a`: the ones that moved.
/// Myers' diff (the `similar` crate, its linear-space variant): memory linear in the number of
/// paragraphs, time O((N + M) D) for D differences, where a paragraphs x paragraphs table cost
/// 340 MB at 8,000 paragraphs. Ids are unique within a version.
pub fn out_of_order<'a>(a: &[&str], b: &[&'a str]) -> Vec<&'a str> {
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, a, b);
    let mut kept = vec![false; b.len()];
    for op in ops {
        if let similar::DiffOp::Equal { new_index, len, .. } = op {
            kept[new_index..new_index + len].fill(true);
        }
    }
    b.iter()
        .zip(kept)
        .filter(|(_, k)| !k)
        .map(|(id, _)| *id)
        .collect()
}

/// What changed from one version to the next, as a user who sees `visible` markings may know
/// it: the state change, the header fields, and the paragraphs added, removed, changed or
/// moved (by id); with the highest marking of the paragraphs it names.
pub fn describe_change(
    prev: &Report,
    next: &Report,
    visible: impl Fn(Marking) -> bool,
) -> (String, Marking) {
    let state = state_change(prev.state, next.state);
    if prev.same_content(next) {
        let text = state.unwrap_or_else(|| "saved without a change to the text".into());
        return (text, Marking::U);
    }
    let mut edits: Vec<String> = Vec::new();
    let header: [(&str, bool); 9] = [
        ("post", prev.post != next.post),
        ("tasking", prev.tasking_id != next.tasking_id),
        ("due date", prev.due != next.due),
        ("template", prev.template_key != next.template_key),
        ("subject", prev.subject != next.subject),
        ("TAGS", prev.tags != next.tags),
        ("references", prev.refs != next.refs),
        ("captions", prev.captions != next.captions),
        ("demo flag", prev.demo != next.demo),
    ];
    edits.extend(
        header
            .iter()
            .filter(|(_, c)| *c)
            .map(|(n, _)| n.to_string()),
    );
    let headings =
        |r: &Report| -> Vec<String> { r.sections.iter().map(|s| s.heading.to_string()).collect() };
    if headings(prev) != headings(next) {
        edits.push("section headings".into());
    }
    let shown = |r: &Report| -> Vec<(String, ReportParagraph)> {
        r.paragraphs()
            .filter(|(_, p)| visible(p.effective_marking()))
            .map(|(s, p)| (s.heading.to_string(), p.clone()))
            .collect()
    };
    let (old, new) = (shown(prev), shown(next));
    let index = |list: &[(String, ReportParagraph)]| -> HashMap<String, usize> {
        list.iter()
            .enumerate()
            .map(|(i, (_, p))| (p.id.as_str().to_string(), i))
            .collect()
    };
    let (old_at, new_at) = (index(&old), index(&new));
    let find = |at: &HashMap<String, usize>, id: &str| -> Option<usize> { at.get(id).copied() };
    let old_common: Vec<&str> = old
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| new_at.contains_key(*id))
        .collect();
    let new_common: Vec<&str> = new
        .iter()
        .map(|(_, p)| p.id.as_str())
        .filter(|id| old_at.contains_key(*id))
        .collect();
    let reordered: HashSet<&str> = out_of_order(&old_common, &new_common).into_iter().collect();
    let mut marking = Marking::U;
    for (heading, p) in &new {
        let id = p.id.as_str();
        let Some(i) = find(&old_at, id) else {
            edits.push(format!("{id} added"));
            marking = marking.max(p.effective_marking());
            continue;
        };
        let (old_heading, o) = &old[i];
        let mut what: Vec<&str> = Vec::new();
        for (name, changed) in [
            ("kind", o.kind != p.kind),
            ("marking", o.marking != p.marking),
            ("text", o.text != p.text),
            ("citations", o.citations != p.citations),
            ("block", o.block != p.block),
            ("moved", old_heading != heading || reordered.contains(&id)),
        ] {
            if changed {
                what.push(name);
            }
        }
        if !what.is_empty() {
            edits.push(format!("{id} {}", what.join("+")));
            marking = marking
                .max(p.effective_marking())
                .max(o.effective_marking());
        }
    }
    for (_, o) in &old {
        if find(&new_at, o.id.as_str()).is_none() {
            edits.push(format!("{} removed", o.id.as_str()));
            marking = marking.max(o.effective_marking());
        }
    }
    let mut text = if edits.is_empty() {
        "edited: no change this account may see".to_string()
    } else {
        format!("edited: {}", edits.join(", "))
    };
    if let Some(s) = state {
        text.push_str(&format!("; {s}"));
    }
    (text, marking)
}

#[cfg(test)]
mod tests {
    use super::out_of_order;

    /// The table this replaced: a longest common subsequence by dynamic programming over a
    /// paragraphs x paragraphs table.
    fn out_of_order_by_table<'a>(a: &[&str], b: &[&'a str]) -> Vec<&'a str> {
        let (n, m) = (a.len(), b.len());
        let mut t = vec![vec![0usize; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i][j] = if a[i] == b[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        let (mut i, mut j, mut kept) = (0, 0, Vec::new());
        while i < n && j < m {
            if a[i] == b[j] {
                kept.push(b[j]);
                i += 1;
                j += 1;
            } else if t[i + 1][j] >= t[i][j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
        b.iter().copied().filter(|id| !kept.contains(id)).collect()
    }

    /// A swap of two neighbours is a tie (either one moved): the table named the first, the
    /// diff names the second; the shuffled test below checks the counts agree.
    #[test]
    fn ordinary_moves_are_named_as_before() {
        let ids = |s: &str| -> Vec<String> { s.split(' ').map(String::from).collect() };
        for (a, b) in [
            ("p1 p2 p3 p4", "p1 p2 p3 p4"),
            ("p1 p2 p3 p4", "p4 p1 p2 p3"),
            ("p1 p2 p3 p4", "p2 p3 p4 p1"),
            ("p1 p2 p3 p4 p5", "p1 p4 p2 p3 p5"),
            ("p1 p2 p3 p4 p5 p6", "p1 p2 p6 p3 p4 p5"),
        ] {
            let (a, b) = (ids(a), ids(b));
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            assert_eq!(
                out_of_order(&a, &b),
                out_of_order_by_table(&a, &b),
                "{a:?} -> {b:?}"
            );
        }
    }

    /// Whatever the order, as many paragraphs are named moved as the table named: both keep a
    /// longest common subsequence (which one, among equals, may differ).
    #[test]
    fn as_many_moves_as_the_table_on_shuffled_orders() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300 {
            let n = 1 + (round % 40);
            let a: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
            let mut b = a.clone();
            for _ in 0..(next() % 6) {
                let (i, j) = ((next() as usize) % n, (next() as usize) % n);
                let p = b.remove(i);
                b.insert(j, p);
            }
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let b: Vec<&str> = b.iter().map(String::as_str).collect();
            assert_eq!(
                out_of_order(&a, &b).len(),
                out_of_order_by_table(&a, &b).len(),
                "{a:?} -> {b:?}"
            );
        }
    }
}
