//! The Markdown subset report paragraphs are written in: text in paragraphs separated by
//! blank lines, `*emphasis*` / `_emphasis_` and `**strong**` / `__strong__`. Anything else is
//! text. Every renderer reads emphasis by the one matcher here ([`parse`] for spans,
//! [`strip_emphasis`] for the cable, which drops it), so they agree on what a paragraph says.

/// A run of text with its emphasis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    Plain(String),
    Emph(String),
    Strong(String),
}

impl Span {
    pub fn text(&self) -> &str {
        match self {
            Span::Plain(t) | Span::Emph(t) | Span::Strong(t) => t,
        }
    }
}

/// Splits `text` into paragraphs (at blank lines) of spans. Whitespace runs inside a paragraph
/// read as one space. An unclosed marker is text.
pub fn parse(text: &str) -> Vec<Vec<Span>> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(spans(&current.join(" ")));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(spans(&current.join(" ")));
    }
    paragraphs
}

/// The text without emphasis, whitespace collapsed, paragraphs joined by one space.
pub fn plain(text: &str) -> String {
    parse(text)
        .iter()
        .map(|p| p.iter().map(Span::text).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn spans(paragraph: &str) -> Vec<Span> {
    let collapsed: String = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    // Each character's style: the number of emphasis and strong pairs around it; the
    // delimiters themselves are dropped.
    let mut emph = vec![0i32; chars.len() + 1];
    let mut strong = vec![0i32; chars.len() + 1];
    let mut delim = vec![false; chars.len()];
    for (i, j, run) in pairs(&chars) {
        let depth = if run == 2 { &mut strong } else { &mut emph };
        depth[i + run] += 1;
        depth[j] -= 1;
        delim[i..i + run].iter_mut().for_each(|d| *d = true);
        delim[j..j + run].iter_mut().for_each(|d| *d = true);
    }
    let (mut e, mut st) = (0, 0);
    let mut out: Vec<Span> = Vec::new();
    let mut run = String::new();
    let mut style = (0, 0);
    let flush = |run: &mut String, style: (i32, i32), out: &mut Vec<Span>| {
        if run.is_empty() {
            return;
        }
        let text = std::mem::take(run);
        out.push(match style {
            (_, s) if s > 0 => Span::Strong(text),
            (e, _) if e > 0 => Span::Emph(text),
            _ => Span::Plain(text),
        });
    };
    for (k, c) in chars.iter().enumerate() {
        e += emph[k];
        st += strong[k];
        if delim[k] {
            continue;
        }
        // Strong wins over emphasis: spans are flat.
        let now = (i32::from(st == 0 && e > 0), i32::from(st > 0));
        if now != style {
            flush(&mut run, style, &mut out);
            style = now;
        }
        run.push(*c);
    }
    flush(&mut run, style, &mut out);
    out
}

/// The emphasis pairs of a text: (opening index, closing index, run length 1 or 2). A
/// delimiter run opens when followed by a non-space and closes when preceded by one;
/// underscores also need a word boundary outside (so `snake_case_name` is left alone).
/// Unmatched delimiters and runs of three or more stay as written.
fn pairs(chars: &[char]) -> Vec<(usize, usize, usize)> {
    let mut used = vec![false; chars.len()];
    let mut out = Vec::new();
    let run_at = |i: usize| {
        let c = chars[i];
        chars[i..].iter().take_while(|&&x| x == c).count()
    };
    let is_delim = |c: char| c == '*' || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !is_delim(c) || used[i] {
            i += 1;
            continue;
        }
        let run = run_at(i);
        if run <= 2 && opens(chars, i, run) {
            let mut j = i + run;
            let mut closer = None;
            while j < chars.len() {
                if chars[j] == c && !used[j] {
                    let r = run_at(j);
                    if r == run && closes(chars, j, run) {
                        closer = Some(j);
                        break;
                    }
                    j += r;
                } else {
                    j += 1;
                }
            }
            if let Some(j) = closer {
                used[i..i + run].iter_mut().for_each(|u| *u = true);
                used[j..j + run].iter_mut().for_each(|u| *u = true);
                out.push((i, j, run));
            }
        }
        i += run;
    }
    out
}

/// Removes Markdown emphasis delimiters (`*x*`, `_x_`, `**x**`, `__x__`) by the rules of
/// [`pairs`], leaving everything else, whitespace included, as written.
pub fn strip_emphasis(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut remove = vec![false; chars.len()];
    for (i, j, run) in pairs(&chars) {
        remove[i..i + run].iter_mut().for_each(|r| *r = true);
        remove[j..j + run].iter_mut().for_each(|r| *r = true);
    }
    chars
        .iter()
        .zip(remove)
        .filter(|(_, r)| !r)
        .map(|(c, _)| *c)
        .collect()
}

fn opens(chars: &[char], i: usize, run: usize) -> bool {
    let next = chars.get(i + run);
    let prev = i.checked_sub(1).map(|p| chars[p]);
    let next_ok = next.is_some_and(|c| !c.is_whitespace());
    let boundary_ok = chars[i] != '_' || prev.is_none_or(|c| !c.is_alphanumeric());
    next_ok && boundary_ok
}

fn closes(chars: &[char], j: usize, run: usize) -> bool {
    let prev = j.checked_sub(1).map(|p| chars[p]);
    let next = chars.get(j + run);
    let prev_ok = prev.is_some_and(|c| !c.is_whitespace());
    let boundary_ok = chars[j] != '_' || next.is_none_or(|c| !c.is_alphanumeric());
    prev_ok && boundary_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emphasis_and_paragraphs() {
        let p = parse("A *b* and **c**\nnext  line\n\nsecond _d_ snake_case 2 * 3");
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            vec![
                Span::Plain("A ".into()),
                Span::Emph("b".into()),
                Span::Plain(" and ".into()),
                Span::Strong("c".into()),
                Span::Plain(" next line".into()),
            ]
        );
        assert_eq!(plain("second _d_ x"), "second d x");
        // An unmatched or spaced marker is text, and so is an underscore inside a word.
        assert_eq!(plain("2 * 3 and a*"), "2 * 3 and a*");
        assert_eq!(
            parse("snake_case_name")[0],
            vec![Span::Plain("snake_case_name".into())]
        );
        assert_eq!(
            parse("**bold _it_** x")[0],
            vec![Span::Strong("bold it".into()), Span::Plain(" x".into())]
        );
    }
}
