//! `chancery report build` on the demo: a new build prints its id, every format renders,
//! `--build` re-renders byte for byte, the public edition drops the SBU paragraph, and bad
//! input is refused with a reason and without writing.

use crate::{get, get_json, run_cli, start, token_for};

/// The value axis's tick labels of an SVG chart, as numbers: the right-aligned numeric texts
/// (plotters writes each text's content on a line of its own). Every text of the chart is
/// checked to be 12 px or more, and every tick of 1,000 or more to carry its separator.
fn y_ticks(svg: &str) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let after = &rest[start..];
        let open = &after[..after.find('>').unwrap()];
        let close = after.find("</text>").unwrap();
        let content = after[open.len() + 1..close].trim();
        let size: f64 = open
            .split("font-size=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        assert!(size >= 12.0, "{content:?} at {size} px");
        if open.contains("text-anchor=\"end\"")
            && let Ok(v) = content.replace(',', "").parse::<f64>()
        {
            assert!(v < 1000.0 || content.contains(','), "{content:?}");
            ticks.push(v);
        }
        rest = &after[close..];
    }
    ticks
}

/// The first SVG of a page or document, with its title and description checked.
fn first_svg(html: &str) -> &str {
    let svg = &html[html.find("<svg").expect("a chart")..html.find("</svg>").unwrap()];
    assert!(svg.contains("<title>") && svg.contains("<desc>"), "{svg}");
    svg
}

/// The text of one column of a cable table: the header line `header` names the columns;
/// the cells under `name` (up to the next column, or the line's end) are read down the
/// lines until the table ends, and joined by spaces.
fn column_text(lines: &[&str], header: usize, name: &str, next: Option<&str>) -> String {
    let at = |n: &str| lines[header].find(n).unwrap();
    let (from, to) = (at(name), next.map(at));
    lines[header + 2..]
        .iter()
        .take_while(|l| !l.starts_with("Caveat:") && !l.starts_with("Outcome  "))
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let end = to.unwrap_or(chars.len()).min(chars.len());
            chars[from.min(end)..end].iter().collect::<String>()
        })
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn build(args: &[&str]) -> std::process::Output {
    run_cli(args, "")
}

#[test]
fn demo_report_builds_and_rerenders_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo-data");
    let data_s = data.to_str().unwrap();
    {
        let run = start(&["demo", "--data", data_s, "--listen", "127.0.0.1:0"], &[]);
        assert!(
            run.lines[0].contains("1 tasking(s), 1 draft report(s)"),
            "{:?}",
            run.lines
        );
        // The demo's tasking is addressed to every demo post; Berlin is drafting.
        let token = token_for(data_s, "hq.editor@chancery.example");
        let c = get_json(&format!("http://{}/api/v1/compliance", run.addr), &token);
        let rows = c["items"].as_array().unwrap();
        assert_eq!(rows.len(), 8, "{c}");
        let berlin = rows.iter().find(|r| r["post"] == "berlin").unwrap();
        assert_eq!(berlin["status"], "drafting");
        assert_eq!(berlin["report_id"], 1);
        assert!(
            rows.iter()
                .filter(|r| r["post"] != "berlin")
                .all(|r| r["status"] == "not_started")
        );
        // The draft is not ready: one fact paragraph has no source yet, and says so.
        let r = get_json(&format!("http://{}/api/v1/reports/1", run.addr), &token);
        let problems = r["clearance_problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{r}");
        assert_eq!(problems[0]["paragraph"], "p6");
        assert_eq!(problems[0]["link"], "/reports/1#p6");
        // The demo's rate chart starts at zero, in labels, beside the table of its numbers.
        let (status, page) = get(
            &format!(
                "http://{}/statistics/rate?num=demo_synthetic_offences:citizen=FOR,indic=OFFENCES\
                 &den=demo_synthetic_offences:citizen=FOR,indic=POP&geo=DE",
                run.addr
            ),
            Some(&token),
        );
        assert_eq!(status, 200, "{page}");
        let svg = first_svg(&page);
        let ticks = y_ticks(svg);
        assert!(ticks.len() >= 3, "{ticks:?}");
        assert_eq!(ticks.iter().cloned().fold(f64::INFINITY, f64::min), 0.0);
        assert!(svg.contains("Germany") && !svg.contains("geo="), "{svg}");
        assert!(svg.contains("95% interval"), "the band is explained");
        assert!(page[page.find("</svg>").unwrap()..].contains("<th>Rate per 100,000</th>"));
    }
    let out_dir = dir.path();
    let path = |name: &str| out_dir.join(name).to_str().unwrap().to_string();

    // A new build needs an account.
    let refused = build(&[
        "report",
        "build",
        "1",
        "--format",
        "cable",
        "--out",
        &path("x.txt"),
        "--data",
        data_s,
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--as EMAIL"));
    assert!(
        !out_dir.join("x.txt").exists(),
        "nothing written on refusal"
    );

    let made = build(&[
        "report",
        "build",
        "1",
        "--format",
        "cable",
        "--out",
        &path("first.txt"),
        "--as",
        "hq.editor@chancery.example",
        "--data",
        data_s,
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let build_id = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert_eq!(build_id, "1");
    let cable = std::fs::read_to_string(out_dir.join("first.txt")).unwrap();
    assert!(
        cable.starts_with("UNCLAS\nSENSITIVE\nSIPDIS\nDEMO - NOT AN OFFICIAL COMMUNICATION\n"),
        "{cable}"
    );
    assert!(
        cable.contains("TAGS: PHUM KCRM SMIG PREL GM\n"),
        "geographic tag from the post's country"
    );
    assert!(cable.contains("(SBU) The Hamburg group rape verdict"));
    assert!(
        cable.trim_end().ends_with("PLACEHOLDER"),
        "demo builds use a placeholder signer"
    );
    assert!(cable.lines().all(|l| l.chars().count() <= 72));
    // The figure names its data and says it is synthetic, whatever its title says.
    assert!(
        cable.contains("Caveat: SYNTHETIC data: these numbers are made up"),
        "{cable}"
    );
    assert!(
        cable.contains("Caveat: Data: Chancery demo data (SYNTHETIC),"),
        "{cable}"
    );

    // The comparison block: the cases by reference with their full titles, then the
    // outcomes against the three measures, everything wrapped inside 72 columns.
    let lines: Vec<&str> = cable.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "Hamburg: the verdict and the speech conviction")
        .expect("the comparison block");
    let header = start + 1;
    assert!(lines[header].starts_with("Ref  "), "{cable}");
    let titles = column_text(&lines, header, "Title", Some("Date"));
    for title in [
        "Stadtpark group rape, Hamburg: youth chamber verdict of 28 Nov 2023",
        "Insult and threat conviction for messages sent to a suspect in the Stadtpark case",
    ] {
        assert!(
            titles.contains(title),
            "{title:?} not in {titles:?}\n{cable}"
        );
    }
    let matrix = header
        + lines[header..]
            .iter()
            .position(|l| l.starts_with("Outcome  "))
            .expect("the measures");
    assert!(lines[matrix].contains("Unconditional"), "{cable}");
    let outcomes = column_text(&lines, matrix, "Outcome", Some("Unconditional"));
    for outcome in [
        "A1: Rape — convicted:",
        "B1: Insult; Threat — convicted:",
        "Harsher, A1 against B1",
    ] {
        assert!(
            outcomes.contains(outcome),
            "{outcome:?} not in {outcomes:?}\n{cable}"
        );
    }
    assert!(!cable.contains('~'), "nothing is cut\n{cable}");
    // Caveats name the outcomes by reference, never by their full titles again.
    let block: Vec<&str> = lines[matrix..]
        .iter()
        .take_while(|l| !l.contains(". (U) ") && !l.contains(". (SBU) ") && **l != "Sources:")
        .copied()
        .collect();
    let caveats: Vec<&str> = block
        .iter()
        .filter(|l| l.starts_with("Caveat:"))
        .copied()
        .collect();
    assert!(caveats.iter().any(|c| c.contains("A1")), "{cable}");
    assert!(
        !block.iter().any(|l| l.contains("Stadtpark")),
        "titles are not repeated in the caveats\n{cable}"
    );

    // Regression: re-rendering the internal edition of a build that holds SBU paragraphs is an
    // audited read, so it needs the account it is read as: refused without --as, naming the
    // flag, and nothing written.
    let audited_reads = || {
        let log = run_cli(&["audit", "export", "--data", data_s], "");
        assert!(log.status.success());
        String::from_utf8(log.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["action"] == "read" && e["record_type"] == "report_build")
            .collect::<Vec<_>>()
    };
    let reads_before = audited_reads().len();
    let anonymous = build(&[
        "report",
        "build",
        "--build",
        &build_id,
        "--format",
        "cable",
        "--out",
        &path("anonymous.txt"),
        "--data",
        data_s,
    ]);
    assert!(!anonymous.status.success());
    let why = String::from_utf8_lossy(&anonymous.stderr);
    assert!(why.contains("--as") && why.contains("SBU"), "{why}");
    assert!(!out_dir.join("anonymous.txt").exists());
    assert_eq!(audited_reads().len(), reads_before);

    for format in ["html", "pdf", "cable", "md", "manifest"] {
        let a = path(&format!("a.{format}"));
        let b = path(&format!("b.{format}"));
        for out in [&a, &b] {
            let o = build(&[
                "report",
                "build",
                "--build",
                &build_id,
                "--format",
                format,
                "--out",
                out,
                "--as",
                "hq.editor@chancery.example",
                "--data",
                data_s,
            ]);
            assert!(
                o.status.success(),
                "{format}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert!(x.len() > 500, "{format} is {} bytes", x.len());
        assert_eq!(x, y, "{format}: re-rendering a build is byte-identical");
    }
    // Each of the ten re-renders is one audited read by that account (the build's id and its
    // snapshot's hash).
    let reads = audited_reads();
    assert_eq!(reads.len(), reads_before + 10, "{reads:?}");
    let last = reads.last().unwrap();
    assert_eq!(last["record_id"], 1, "{last}");
    assert!(last["actor_id"].as_i64().is_some(), "{last}");
    assert_eq!(last["address"], "local", "{last}");
    assert!(std::fs::read(path("a.pdf")).unwrap().starts_with(b"%PDF-"));
    // The report's figure starts at zero too, and its table sits in the same figure.
    let html = std::fs::read_to_string(path("a.html")).unwrap();
    let svg = first_svg(&html);
    let ticks = y_ticks(svg);
    assert!(ticks.len() >= 3, "{ticks:?}");
    assert_eq!(ticks.iter().cloned().fold(f64::INFINITY, f64::min), 0.0);
    let figure_end = html[html.find("</svg>").unwrap()..]
        .find("</figure>")
        .unwrap();
    assert!(html[html.find("</svg>").unwrap()..][..figure_end].contains("<table>"));
    assert_eq!(
        std::fs::read_to_string(path("a.cable")).unwrap(),
        cable,
        "--build renders the build made"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path("a.manifest")).unwrap()).unwrap();
    assert_eq!(manifest["build_id"], 1);
    let obs = manifest["observations"].as_array().unwrap();
    assert_eq!(obs.len(), 20, "10 years of counts and populations");
    let records = manifest["records"].as_array().unwrap();
    let statement = records
        .iter()
        .find(|r| r["kind"] == "source" && r["paragraphs"] == serde_json::json!(["p1"]))
        .unwrap();
    assert_eq!(
        statement["archive_sha256"].as_array().unwrap().len(),
        1,
        "the archived copy's sha256"
    );
    assert!(records.iter().any(|r| r["kind"] == "case"));

    let public = build(&[
        "report",
        "build",
        "--build",
        &build_id,
        "--public",
        "--format",
        "cable",
        "--out",
        &path("public.txt"),
        "--data",
        data_s,
    ]);
    assert!(public.status.success());
    let p = std::fs::read_to_string(path("public.txt")).unwrap();
    assert!(p.starts_with("UNCLASSIFIED\n"), "{p}");
    assert!(
        !p.contains("SBU") && !p.contains("Hamburg group rape"),
        "{p}"
    );
    assert!(
        !p.contains("Landgericht Hamburg"),
        "sources cited only by the SBU paragraph go too"
    );

    let missing = build(&[
        "report",
        "build",
        "--build",
        "99",
        "--format",
        "cable",
        "--out",
        &path("none.txt"),
        "--data",
        data_s,
    ]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no build with id 99"));
    let bad_format = build(&[
        "report",
        "build",
        "--build",
        "1",
        "--format",
        "docx",
        "--out",
        &path("none.txt"),
        "--data",
        data_s,
    ]);
    assert!(String::from_utf8_lossy(&bad_format.stderr).contains("\"docx\" is not a format"));
    assert!(!out_dir.join("none.txt").exists());

    let list = build(&["report", "builds", "1", "--data", data_s]);
    assert!(String::from_utf8_lossy(&list.stdout).starts_with("1\treport 1 v1\t"));
}
