//! The Markdown subset report paragraphs are written in: text in paragraphs separated by
//! blank lines, `*emphasis*` / `_emphasis_` and `**strong**` / `__strong__`. Anything else is
//! text. Every renderer reads paragraphs through [`parse`], so they agree on what a paragraph
//! says; the cable drops the emphasis.

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
    let mut out: Vec<Span> = Vec::new();
    let mut plain = String::new();
    let mut rest = collapsed.as_str();
    while !rest.is_empty() {
        let found = ["**", "__", "*", "_"].iter().find_map(|m| {
            let body = rest.strip_prefix(m)?;
            // An opening marker must be followed by a non-space and closed later in the text.
            if body.starts_with(' ') || body.is_empty() {
                return None;
            }
            let end = body.find(m)?;
            if end == 0 || body[..end].ends_with(' ') {
                return None;
            }
            Some((m.len(), end))
        });
        match found {
            Some((mlen, end)) => {
                if !plain.is_empty() {
                    out.push(Span::Plain(std::mem::take(&mut plain)));
                }
                let inner = rest[mlen..mlen + end].to_string();
                out.push(if mlen == 2 {
                    Span::Strong(inner)
                } else {
                    Span::Emph(inner)
                });
                rest = &rest[mlen + end + mlen..];
            }
            None => {
                let ch = rest.chars().next().expect("not empty");
                plain.push(ch);
                rest = &rest[ch.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        out.push(Span::Plain(plain));
    }
    out
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
        // An unmatched or spaced marker is text.
        assert_eq!(plain("2 * 3 and a*"), "2 * 3 and a*");
    }
}
