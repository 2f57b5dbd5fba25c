//! The report history comparison on a large report (`benches/history_diff.sh` runs it under
//! `/usr/bin/time` for the peak memory).
//!
//! `history_diff [N]` (default 8,000): a fixed generator writes a report of N paragraphs in
//! 20 sections and a next version of it in which every 50th paragraph's text changed, every
//! 400th was removed, one paragraph in 200 moved to the end of its section, and 40 were
//! added; it then times `reports::history::describe_change` between the two (the comparison
//! the history page runs for each pair of versions), the best of three.

use chancery_app::reports::history::describe_change;
use chancery_domain::report::Report;
use serde_json::{Value, json};
use std::time::Instant;

fn para(id: usize, text: &str) -> Value {
    json!({"id": format!("p{id}"), "kind": "analysis", "marking": "U", "text": text})
}

fn report(sections: Vec<Vec<Value>>) -> Report {
    let sections: Vec<Value> = sections
        .into_iter()
        .enumerate()
        .map(|(i, ps)| json!({"heading": format!("Section {i}"), "paragraphs": ps}))
        .collect();
    Report::from_json(&json!({"post": "berlin", "template_key": "hr-classic",
        "subject": "Benchmark", "tags": [], "sections": sections}))
    .expect("a valid report")
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N: a number of paragraphs"))
        .unwrap_or(8000);
    let per = n.div_ceil(20);
    let mut old: Vec<Vec<Value>> = vec![Vec::new(); 20];
    let mut new: Vec<Vec<Value>> = vec![Vec::new(); 20];
    for i in 1..=n {
        let s = (i - 1) / per;
        let text = format!("Paragraph {i}: what the sources say about the matter.");
        old[s].push(para(i, &text));
        if i % 400 == 0 {
            continue;
        }
        let text = if i % 50 == 0 {
            format!("{text} Revised.")
        } else {
            text
        };
        new[s].push(para(i, &text));
    }
    for section in new.iter_mut() {
        let moved: Vec<usize> = (0..section.len()).filter(|k| k % 200 == 7).collect();
        for k in moved.into_iter().rev() {
            let p = section.remove(k);
            section.push(p);
        }
    }
    for k in 0..40 {
        new[k % 20].push(para(n + 1 + k, "An added paragraph."));
    }
    let (a, b) = (report(old), report(new));
    let mut best = f64::INFINITY;
    let mut summary = String::new();
    for _ in 0..3 {
        let t = Instant::now();
        let (text, _) = describe_change(&a, &b, |_| true);
        best = best.min(t.elapsed().as_secs_f64());
        summary = text;
    }
    let named = summary.matches(", ").count() + 1;
    println!("paragraphs: {n}  changes named: {named}  describe_change: {best:.3} s");
}
