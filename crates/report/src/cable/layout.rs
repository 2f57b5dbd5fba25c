//! The plain-text layout of a cable (the rules in the module's documentation): the header,
//! numbered paragraphs, wrapping at 72 columns, and the `Sources:` list.

use super::*;

/// Renders the cable as text, byte for byte in the layout of the golden files. Pure.
pub fn render(cable: &Cable) -> String {
    let mut lines: Vec<String> = Vec::new();

    match cable.highest_marking() {
        Marking::U => lines.push("UNCLASSIFIED".to_string()),
        Marking::SBU => {
            lines.push("UNCLAS".to_string());
            lines.push("SENSITIVE".to_string());
        }
    }
    for caption in &cable.captions {
        lines.extend(wrap(&one_line(caption), LINE_WIDTH, 0));
    }
    lines.push(String::new());
    lines.push("E.O. 13526: N/A".to_string());
    lines.extend(wrap(
        &format!("TAGS: {}", cable.tags.join(" ")),
        LINE_WIDTH,
        0,
    ));
    lines.extend(wrap(
        &format!("SUBJECT: {}", one_line(&cable.subject).to_uppercase()),
        LINE_WIDTH,
        0,
    ));
    if !cable.refs.is_empty() {
        let refs: Vec<String> = cable
            .refs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{}. {}", ref_label(i), one_line(r)))
            .collect();
        lines.push(String::new());
        lines.extend(wrap(&format!("REF: {}", refs.join("  ")), LINE_WIDTH, 0));
    }
    lines.push(String::new());

    // Citation numbers follow the order of first citation through the rendered document.
    let mut numbers: HashMap<&CitationKey, usize> = HashMap::new();
    let mut order: Vec<&CitationKey> = Vec::new();
    let numbered = cable.paragraphs.len() > 1;

    for (index, paragraph) in cable.paragraphs.iter().enumerate() {
        if let Some(heading) = &paragraph.heading {
            let heading = normalize(heading);
            let heading_lines = wrap(&heading, LINE_WIDTH, 0);
            if !heading_lines.is_empty() {
                let underline = heading_lines
                    .iter()
                    .map(|l| l.chars().count())
                    .max()
                    .unwrap_or(0);
                lines.extend(heading_lines);
                lines.push("-".repeat(underline));
                lines.push(String::new());
            }
        }

        let mut markers: Vec<String> = Vec::new();
        let mut in_paragraph: HashSet<&CitationKey> = HashSet::new();
        for key in &paragraph.citations {
            if !in_paragraph.insert(key) {
                continue;
            }
            let next = order.len() + 1;
            let n = *numbers.entry(key).or_insert_with(|| {
                order.push(key);
                next
            });
            markers.push(format!("[{n}]"));
        }

        let mut parts: Vec<String> = Vec::new();
        if numbered {
            parts.push(format!("{}.", index + 1));
        }
        parts.push(format!("({})", paragraph.marking.as_str()));
        match paragraph.kind {
            ParagraphKind::Summary => parts.push("Summary:".to_string()),
            ParagraphKind::Comment => parts.push("Comment:".to_string()),
            ParagraphKind::Fact | ParagraphKind::Analysis => {}
        }
        let text = normalize(&paragraph.text);
        if !text.is_empty() {
            parts.push(text);
        }
        parts.extend(markers);
        match paragraph.kind {
            ParagraphKind::Summary => parts.push("End Summary.".to_string()),
            ParagraphKind::Comment => parts.push("End Comment.".to_string()),
            ParagraphKind::Fact | ParagraphKind::Analysis => {}
        }
        lines.extend(wrap(&parts.join(" "), LINE_WIDTH, 0));
        if !paragraph.preformatted.is_empty() {
            lines.push(String::new());
            lines.extend(paragraph.preformatted.iter().cloned());
        }
        lines.push(String::new());
    }

    if !order.is_empty() {
        let items: HashMap<&CitationKey, &Cited> =
            cable.cited.iter().map(|c| (&c.key, &c.item)).collect();
        lines.push("Sources:".to_string());
        for (i, key) in order.iter().enumerate() {
            let entry = match items.get(key) {
                Some(item) => source_entry(i + 1, item),
                None => format!("[{}] Unresolved citation: {}.", i + 1, key.as_str()),
            };
            lines.extend(wrap(&entry, LINE_WIDTH, SOURCE_CONTINUATION_INDENT));
        }
        lines.push(String::new());
    }

    lines.push(cable.signer.trim().to_uppercase());

    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Wraps `text` greedily at `width` columns (counted in characters, indents included),
/// breaking only at spaces: never inside a word, never at a hyphen. The first line starts
/// at column 1; continuation lines are indented `continuation_indent` spaces. A word longer
/// than the line stays whole on its own line. Runs of spaces inside a line are kept as
/// written (the `REF:` line separates references by two spaces); at a break they vanish.
/// Blank text gives no lines.
pub fn wrap(text: &str, width: usize, continuation_indent: usize) -> Vec<String> {
    let indent = " ".repeat(continuation_indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_len = 0usize;
    let mut started = false;

    for (gap, word) in words_with_gaps(text) {
        let word_len = word.chars().count();
        if !started {
            line.push_str(word);
            line_len = word_len;
            started = true;
        } else if line_len + gap + word_len <= width {
            line.extend(std::iter::repeat_n(' ', gap));
            line.push_str(word);
            line_len += gap + word_len;
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(&indent);
            line.push_str(word);
            line_len = continuation_indent + word_len;
        }
    }
    if started {
        lines.push(line);
    }
    lines
}

/// Words separated by spaces, each with the number of spaces before it (leading and trailing
/// spaces of the text are dropped).
fn words_with_gaps(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.trim_matches(' ');
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        rest = &rest[gap..];
        let end = rest.find(' ').unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        Some((gap, word))
    })
}

/// Paragraph and heading text as cable text: emphasis stripped, whitespace runs (line breaks
/// included) collapsed to one space.
/// A header field on one line whatever it holds: each control character (a line break, a
/// tab, a carriage return) becomes a space, so no header field prints a line of its own.
/// Saving refuses them already; this holds for snapshots stored before that rule.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn normalize(markdown: &str) -> String {
    let collapsed = markdown.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::markup::strip_emphasis(&collapsed)
}

/// `A`, `B`, ... `Z`, `AA`, `AB`, ...
pub(super) fn ref_label(index: usize) -> String {
    let mut n = index + 1;
    let mut label = Vec::new();
    while n > 0 {
        n -= 1;
        label.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    label.iter().rev().collect()
}

fn date_or_nd(date: &Option<NaiveDate>) -> String {
    match date {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => "n.d.".to_string(),
    }
}

/// Closes an entry with a full stop, unless it already ends with one (`n.d.` does).
fn sentence(mut entry: String) -> String {
    if !entry.ends_with('.') {
        entry.push('.');
    }
    entry
}

fn source_entry(n: usize, item: &Cited) -> String {
    match item {
        Cited::Source {
            publisher,
            title,
            date,
            url,
        } => {
            let mut fields: Vec<String> = Vec::new();
            if !publisher.trim().is_empty() {
                fields.push(normalize(publisher));
            }
            fields.push(normalize(title));
            fields.push(date_or_nd(date));
            let mut entry = sentence(format!("[{n}] {}", fields.join(", ")));
            if let Some(url) = url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                entry.push(' ');
                entry.push_str(url);
            }
            entry
        }
        Cited::Case { title, date } => sentence(format!(
            "[{n}] Case: {}, {}",
            normalize(title),
            date_or_nd(date)
        )),
        Cited::Policy {
            title,
            in_force_from,
        } => sentence(format!(
            "[{n}] Policy: {}, in force from {}",
            normalize(title),
            date_or_nd(in_force_from)
        )),
        Cited::Engagement { title, date } => sentence(format!(
            "[{n}] Engagement: {}, {}",
            normalize(title),
            date_or_nd(date)
        )),
    }
}
