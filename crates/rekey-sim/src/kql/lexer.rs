//! Tokens of the KQL subset, with byte offsets for error positions.

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Long(i64),
    Real(f64),
    Sym(&'static str),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the query text.
    pub start: usize,
    pub end: usize,
}

/// Where lexing stopped: the offending text starts at `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct LexError {
    pub start: usize,
    pub end: usize,
}

/// Longest first, so `==` is not read as two `=`.
const SYMBOLS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "|", ",", "(", ")", "[", "]", ".", "=", "<", ">", "!", "-",
];

/// Operators whose names contain a hyphen; lexed whole so errors name them whole.
const HYPHENATED_PREFIXES: &[&str] = &["project", "mv", "make", "top", "parse"];

pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while let Some(c) = src[pos..].chars().next() {
        let rest = &src[pos..];
        if c.is_whitespace() {
            pos += c.len_utf8();
        } else if rest.starts_with("//") {
            pos += rest.find('\n').unwrap_or(rest.len());
        } else if c.is_ascii_alphabetic() || c == '_' {
            let end = pos + ident_len(src, pos);
            tokens.push(Token {
                tok: Tok::Ident(src[pos..end].to_string()),
                start: pos,
                end,
            });
            pos = end;
        } else if c.is_ascii_digit() {
            let token = number(src, pos)?;
            pos = token.end;
            tokens.push(token);
        } else if c == '\'' || c == '"' {
            let token = string(src, pos, c, false)?;
            pos = token.end;
            tokens.push(token);
        } else if let Some(q @ ('\'' | '"')) = rest.chars().nth(1).filter(|_| c == '@') {
            let token = Token {
                start: pos,
                ..string(src, pos + 1, q, true)?
            };
            pos = token.end;
            tokens.push(token);
        } else if let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            tokens.push(Token {
                tok: Tok::Sym(sym),
                start: pos,
                end: pos + sym.len(),
            });
            pos += sym.len();
        } else {
            return Err(LexError {
                start: pos,
                end: pos + c.len_utf8(),
            });
        }
    }
    tokens.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(tokens)
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An identifier, plus `in~` and hyphenated operator names such as `project-away`.
fn ident_len(src: &str, start: usize) -> usize {
    let bytes = &src.as_bytes()[start..];
    let mut len = bytes.iter().take_while(|b| is_ident_byte(**b)).count();
    let word = &src[start..start + len];
    let next = bytes.get(len).copied();
    if word == "in" && next == Some(b'~') {
        len += 1;
    } else if HYPHENATED_PREFIXES.contains(&word)
        && next == Some(b'-')
        && bytes.get(len + 1).is_some_and(u8::is_ascii_alphabetic)
    {
        len += 1 + bytes[len + 1..].iter().take_while(|b| is_ident_byte(**b)).count();
    }
    len
}

/// A long (`42`) or real (`4.2`); a number glued to letters (`1d`, timespans) is not supported.
fn number(src: &str, start: usize) -> Result<Token, LexError> {
    let bytes = src.as_bytes();
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = start + digits(start);
    let mut real = false;
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        real = true;
        end += 1 + digits(end + 1);
    }
    let glued = bytes.get(end).is_some_and(|b| is_ident_byte(*b));
    let text = &src[start..end];
    let tok = if glued {
        None
    } else if real {
        text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Tok::Real)
    } else {
        text.parse::<i64>().ok().map(Tok::Long)
    };
    match tok {
        Some(tok) => Ok(Token { tok, start, end }),
        None => Err(LexError {
            start,
            end: end + usize::from(glued),
        }),
    }
}

/// A quoted string from the quote at `start`. Verbatim (`@'…'`) strings take backslashes literally.
fn string(src: &str, start: usize, quote: char, verbatim: bool) -> Result<Token, LexError> {
    let unterminated = LexError {
        start,
        end: src.len(),
    };
    let mut text = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' | '\r' => return Err(unterminated),
            c if c == quote => {
                return Ok(Token {
                    tok: Tok::Str(text),
                    start,
                    end: start + 1 + i + c.len_utf8(),
                })
            }
            '\\' if !verbatim => {
                let escaped = match chars.next() {
                    Some((_, 'n')) => '\n',
                    Some((_, 't')) => '\t',
                    Some((_, 'r')) => '\r',
                    Some((_, e @ ('\\' | '\'' | '"'))) => e,
                    Some((j, e)) => {
                        return Err(LexError {
                            start: start + 1 + i,
                            end: start + 1 + j + e.len_utf8(),
                        })
                    }
                    None => return Err(unterminated),
                };
                text.push(escaped);
            }
            c => text.push(c),
        }
    }
    Err(unterminated)
}
