//! The search query language, parsed here into a small tree that the store translates for
//! each engine (FTS5 `MATCH`, PostgreSQL `tsquery`): the user's text never reaches an engine.
//!
//! - words: `asylum court` (both must occur);
//! - phrases: `"district court"`;
//! - prefixes: `migra*` (at least two letters before the `*`);
//! - `AND`, `OR`, `NOT` (upper case; lower-case `and` is a word), `-word` for `NOT word`,
//!   parentheses; `AND` binds tighter than `OR`;
//! - the field filter `title:word` (or `title:"a phrase"`, `title:migra*`).
//!
//! Words are what remains of the text after splitting at every character that is neither a
//! letter nor a digit, lower-cased: `e-mail` is the phrase `"e mail"`.

use std::fmt;

/// At most this many characters in a query.
pub const MAX_QUERY_CHARS: usize = 1000;
/// At most this many words (counting each word of a phrase).
pub const MAX_TERMS: usize = 64;
/// At most this deep nesting of parentheses.
pub const MAX_DEPTH: usize = 16;

/// Which text a term must occur in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Anywhere in the record's text the user may see.
    Any,
    /// In the record's title.
    Title,
}

/// One thing to look for: words in a row (one word is a phrase of one), the last possibly a
/// prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower-case letters and digits only: safe to quote in any engine's syntax.
    pub words: Vec<String>,
    pub prefix: bool,
    pub field: Field,
}

/// The query tree. `Not` occurs only among the children of an `And` that also has a child
/// that is not a `Not` (the parser refuses anything else), so every query looks for something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Term(Term),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub root: Node,
}

/// Why a query was refused, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn err<T>(msg: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(msg.into()))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    /// A term, with a leading `-` when `negated`.
    Term {
        term: Term,
        negated: bool,
    },
}

/// Splits text into search words: runs of letters and digits, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn field_of(name: &str) -> Result<Field, QueryError> {
    match name.to_ascii_lowercase().as_str() {
        "title" => Ok(Field::Title),
        "text" | "any" => Ok(Field::Any),
        _ => err(format!(
            "unknown field {name:?} in {name}:…: the field you can search in is title (title:word)"
        )),
    }
}

fn make_term(raw: &str, quoted: bool, prefix: bool, field: Field) -> Result<Term, QueryError> {
    let words = words(raw);
    if words.is_empty() {
        return err(if quoted {
            format!("the phrase \"{raw}\" has no word to look for")
        } else {
            format!("{raw:?} has no letter or digit to look for")
        });
    }
    if prefix && words.last().is_some_and(|w| w.chars().count() < 2) {
        return err(format!(
            "a prefix needs at least two letters before the *: {raw}*"
        ));
    }
    Ok(Term {
        words,
        prefix,
        field,
    })
}

fn lex(input: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' {
            out.push(Tok::Open);
            i += 1;
            continue;
        }
        if c == ')' {
            out.push(Tok::Close);
            i += 1;
            continue;
        }
        // A term: optional '-', optional 'field:', then a quoted phrase or a bare word.
        let mut negated = false;
        if c == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negated = true;
            i += 1;
        }
        let mut field = Field::Any;
        // field: only letters before the colon, and something after it
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_alphabetic() {
            j += 1;
        }
        if j > i && j < chars.len() && chars[j] == ':' {
            let name: String = chars[i..j].iter().collect();
            if j + 1 >= chars.len() || chars[j + 1].is_whitespace() || chars[j + 1] == ')' {
                return err(format!("{name}: needs a word after the colon"));
            }
            field = field_of(&name)?;
            i = j + 1;
        }
        if i < chars.len() && chars[i] == '"' {
            let start = i + 1;
            let Some(len) = chars[start..].iter().position(|&c| c == '"') else {
                return err("a quote is not closed: every \" needs a closing \"");
            };
            let raw: String = chars[start..start + len].iter().collect();
            i = start + len + 1;
            let prefix = i < chars.len() && chars[i] == '*';
            if prefix {
                i += 1;
            }
            out.push(Tok::Term {
                term: make_term(&raw, true, prefix, field)?,
                negated,
            });
            continue;
        }
        let start = i;
        while i < chars.len()
            && !chars[i].is_whitespace()
            && chars[i] != '('
            && chars[i] != ')'
            && chars[i] != '"'
        {
            i += 1;
        }
        let raw: String = chars[start..i].iter().collect();
        if raw.is_empty() {
            // a '-' or 'field:' directly before a parenthesis
            return err("a - or field: must be followed by a word or a \"phrase\"");
        }
        if !negated && field == Field::Any {
            match raw.as_str() {
                "AND" => {
                    out.push(Tok::And);
                    continue;
                }
                "OR" => {
                    out.push(Tok::Or);
                    continue;
                }
                "NOT" => {
                    out.push(Tok::Not);
                    continue;
                }
                _ => {}
            }
        }
        // Punctuation on its own (`&`, `|`, a lone `-`) is a separator, as inside words.
        if !raw.chars().any(char::is_alphanumeric) && !raw.trim_end_matches('*').contains('*') {
            continue;
        }
        let (word, prefix) = match raw.strip_suffix('*') {
            Some(w) => (w, true),
            None => (raw.as_str(), false),
        };
        if word.contains('*') {
            return err(format!("{raw:?}: a * may only end a word, as in migra*"));
        }
        out.push(Tok::Term {
            term: make_term(word, false, prefix, field)?,
            negated,
        });
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn or(&mut self) -> Result<Node, QueryError> {
        let mut branches = vec![self.and("OR")?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::Close | Tok::Or | Tok::And)) {
                return err("OR needs a word on both sides");
            }
            branches.push(self.and("OR")?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().expect("one branch")
        } else {
            Node::Or(branches)
        })
    }

    fn and(&mut self, after: &str) -> Result<Node, QueryError> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Close | Tok::Or) => break,
                Some(Tok::And) => {
                    if items.is_empty() {
                        return err("AND needs a word on both sides");
                    }
                    self.pos += 1;
                    if matches!(self.peek(), None | Some(Tok::Close | Tok::Or | Tok::And)) {
                        return err("AND needs a word on both sides");
                    }
                }
                Some(_) => items.push(self.unary()?),
            }
        }
        if items.is_empty() {
            return err(match self.peek() {
                Some(Tok::Or) | None if after == "OR" && self.pos > 0 => {
                    "OR needs a word on both sides".to_string()
                }
                Some(Tok::Close) => "empty parentheses: put a word between ( and )".to_string(),
                _ => "OR needs a word on both sides".to_string(),
            });
        }
        if items.iter().all(|n| matches!(n, Node::Not(_))) {
            return err(
                "a query cannot only exclude words: add a word to look for before NOT or -word",
            );
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Node::And(items)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some(Tok::Not) => {
                self.pos += 1;
                if matches!(
                    self.peek(),
                    None | Some(Tok::Close | Tok::Or | Tok::And | Tok::Not)
                ) {
                    return err("NOT needs a word after it");
                }
                Ok(Node::Not(Box::new(self.atom()?)))
            }
            Some(Tok::Term { term, negated }) => {
                self.pos += 1;
                let node = Node::Term(term);
                Ok(if negated {
                    Node::Not(Box::new(node))
                } else {
                    node
                })
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return err(format!("parentheses nest deeper than {MAX_DEPTH} levels"));
                }
                if self.peek() == Some(&Tok::Close) {
                    return err("empty parentheses: put a word between ( and )");
                }
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return err("a ( is not closed: add the closing )");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Tok::Term { term, negated }) => {
                self.pos += 1;
                let node = Node::Term(term);
                Ok(if negated {
                    Node::Not(Box::new(node))
                } else {
                    node
                })
            }
            Some(Tok::Close) => err("a ) without an opening ("),
            Some(Tok::And) => err("AND needs a word on both sides"),
            Some(Tok::Or) => err("OR needs a word on both sides"),
            Some(Tok::Not) => err("NOT needs a word after it"),
            None => err("the query ends where a word was expected"),
        }
    }
}

fn count_terms(n: &Node) -> usize {
    match n {
        Node::Term(t) => t.words.len(),
        Node::And(v) | Node::Or(v) => v.iter().map(count_terms).sum(),
        Node::Not(x) => count_terms(x),
    }
}

impl Query {
    /// Parses what a user typed; the error names the problem.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let n = input.chars().count();
        if n > MAX_QUERY_CHARS {
            return err(format!(
                "the query is {n} characters long; at most {MAX_QUERY_CHARS} are searched"
            ));
        }
        if input.trim().is_empty() {
            return err("enter a word to search for");
        }
        let toks = lex(input)?;
        if toks.is_empty() {
            return err("enter a word to search for");
        }
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        let root = p.or()?;
        if p.pos < p.toks.len() {
            return err(match p.toks[p.pos] {
                Tok::Close => "a ) without an opening (",
                _ => "the query could not be read to its end",
            });
        }
        let terms = count_terms(&root);
        if terms > MAX_TERMS {
            return err(format!(
                "the query has {terms} words; at most {MAX_TERMS} are searched"
            ));
        }
        Ok(Query { root })
    }

    /// Every word the query looks for (not those it excludes), for highlighting.
    pub fn positive_words(&self) -> Vec<String> {
        fn walk(n: &Node, out: &mut Vec<String>) {
            match n {
                Node::Term(t) => out.extend(t.words.iter().cloned()),
                Node::And(v) | Node::Or(v) => v.iter().for_each(|c| walk(c, out)),
                Node::Not(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// The query in FTS5's syntax (columns `title` and `body`). Every word is quoted and
    /// holds only letters and digits.
    pub fn to_fts5(&self) -> String {
        fn term(t: &Term) -> String {
            let mut s = format!("\"{}\"", t.words.join(" "));
            if t.prefix {
                s.push_str(" *");
            }
            match t.field {
                Field::Title => format!("title : {s}"),
                Field::Any => s,
            }
        }
        fn node(n: &Node) -> String {
            match n {
                Node::Term(t) => term(t),
                Node::Or(v) => format!("({})", v.iter().map(node).collect::<Vec<_>>().join(" OR ")),
                Node::And(v) => {
                    let pos: Vec<String> = v
                        .iter()
                        .filter(|c| !matches!(c, Node::Not(_)))
                        .map(node)
                        .collect();
                    let mut s = format!("({})", pos.join(" AND "));
                    for c in v {
                        if let Node::Not(x) = c {
                            s = format!("({s} NOT {})", node(x));
                        }
                    }
                    s
                }
                // Only inside And (handled above).
                Node::Not(x) => node(x),
            }
        }
        node(&self.root)
    }

    /// The query as the text of a PostgreSQL `to_tsquery` (for any configuration). Every
    /// word is quoted and holds only letters and digits; title terms carry the weight `A`
    /// titles are indexed with.
    pub fn to_tsquery(&self) -> String {
        fn term(t: &Term) -> String {
            let weight = match t.field {
                Field::Title => "A",
                Field::Any => "",
            };
            let last = t.words.len() - 1;
            let parts: Vec<String> = t
                .words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let star = if t.prefix && i == last { "*" } else { "" };
                    if star.is_empty() && weight.is_empty() {
                        format!("'{w}'")
                    } else {
                        format!("'{w}':{star}{weight}")
                    }
                })
                .collect();
            format!("({})", parts.join(" <-> "))
        }
        fn node(n: &Node) -> String {
            match n {
                Node::Term(t) => term(t),
                Node::Or(v) => format!("({})", v.iter().map(node).collect::<Vec<_>>().join(" | ")),
                Node::And(v) => format!(
                    "({})",
                    v.iter()
                        .map(|c| match c {
                            Node::Not(x) => format!("!{}", node(x)),
                            other => node(other),
                        })
                        .collect::<Vec<_>>()
                        .join(" & ")
                ),
                Node::Not(x) => format!("!{}", node(x)),
            }
        }
        node(&self.root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(q: &str) -> String {
        Query::parse(q).unwrap_err().0
    }

    #[test]
    fn words_phrases_prefixes_and_operators() {
        let q = Query::parse("Asylum \"district court\" migra* -appeal").unwrap();
        assert_eq!(
            q.to_fts5(),
            "((\"asylum\" AND \"district court\" AND \"migra\" *) NOT \"appeal\")"
        );
        assert_eq!(
            q.to_tsquery(),
            "(('asylum') & ('district' <-> 'court') & ('migra':*) & !('appeal'))"
        );
        let q = Query::parse("a1 OR title:b2* AND NOT c3").unwrap();
        assert_eq!(q.to_fts5(), "(\"a1\" OR ((title : \"b2\" *) NOT \"c3\"))");
        assert_eq!(q.to_tsquery(), "(('a1') | (('b2':*A) & !('c3')))");
        let q = Query::parse("(x OR y) z").unwrap();
        assert_eq!(q.to_fts5(), "((\"x\" OR \"y\") AND \"z\")");
        assert_eq!(Query::parse("e-mail").unwrap().to_fts5(), "\"e mail\"");
        assert_eq!(
            Query::parse("Müller").unwrap().positive_words(),
            vec!["müller".to_string()]
        );
        // lower-case operators are words
        assert_eq!(
            Query::parse("war and peace").unwrap().to_fts5(),
            "(\"war\" AND \"and\" AND \"peace\")"
        );
    }

    #[test]
    fn bad_queries_are_named() {
        assert!(bad("\"open").contains("quote is not closed"));
        assert!(bad("AND").contains("AND needs a word"));
        assert!(bad("OR").contains("OR needs a word"));
        assert!(bad("a OR").contains("OR needs a word"));
        assert!(bad("NOT").contains("NOT needs a word"));
        assert!(bad("NOT a").contains("only exclude"));
        assert!(bad("-a").contains("only exclude"));
        assert!(bad("b OR -a").contains("only exclude"));
        assert!(bad("(a").contains("not closed"));
        assert!(bad("a)").contains("without an opening"));
        assert!(bad("()").contains("empty parentheses"));
        assert!(bad("a*b").contains("may only end"));
        assert!(bad("m*").contains("two letters"));
        assert!(bad("*").contains("enter a word"));
        assert!(bad("\"\"").contains("no word"));
        assert_eq!(
            Query::parse("war & peace").unwrap().to_fts5(),
            "(\"war\" AND \"peace\")"
        );
        assert!(bad("foo:bar").contains("unknown field"));
        assert!(bad("").contains("enter a word"));
        assert!(bad(&"x".repeat(10_000)).contains("10000 characters"));
        assert!(bad(&"a ".repeat(65)).contains("65 words"));
        assert!(bad(&format!("{}a{}", "(".repeat(20), ")".repeat(20))).contains("nest"));
    }

    #[test]
    fn engine_syntax_never_leaks_through() {
        // Characters that mean something to an engine are separators here.
        for q in [
            "a' OR 1=1",
            "x\" NEAR(y)",
            "a:b:c",
            "title:\"x y\" ^z",
            "{title}: a",
            "a & !b | c <-> d",
        ] {
            match Query::parse(q) {
                Ok(parsed) => {
                    let f = parsed.to_fts5();
                    let t = parsed.to_tsquery();
                    for s in [&f, &t] {
                        assert!(
                            !s.contains("NEAR") && !s.contains('{') && !s.contains('^'),
                            "{q} -> {s}"
                        );
                    }
                }
                Err(e) => assert!(!e.0.is_empty()),
            }
        }
    }
}
