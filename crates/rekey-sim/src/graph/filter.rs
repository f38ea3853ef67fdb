//! The `$filter` clauses the directory answers for applications and service principals:
//! `p eq 'v'`, `startswith(p,'v')`, `p/any(c:c eq 'v')`, joined by `and`.

use serde_json::Value;

/// One comparison; string comparisons are case-insensitive, as the directory's are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Eq { property: String, value: String },
    StartsWith { property: String, prefix: String },
    AnyEq { property: String, value: String },
}

impl Clause {
    pub fn property(&self) -> &str {
        match self {
            Clause::Eq { property, .. }
            | Clause::StartsWith { property, .. }
            | Clause::AnyEq { property, .. } => property,
        }
    }

    /// Whether the clause compares a collection (`any`) rather than a single value.
    pub fn is_lambda(&self) -> bool {
        matches!(self, Clause::AnyEq { .. })
    }

    fn matches(&self, object: &Value) -> bool {
        let field = object.get(self.property());
        match self {
            Clause::Eq { value, .. } => field
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(value)),
            Clause::StartsWith { prefix, .. } => field.and_then(Value::as_str).is_some_and(|s| {
                s.get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            }),
            Clause::AnyEq { value, .. } => field.and_then(Value::as_array).is_some_and(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|s| s.eq_ignore_ascii_case(value))
            }),
        }
    }
}

/// A conjunction of clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub clauses: Vec<Clause>,
}

impl Filter {
    pub fn matches(&self, object: &Value) -> bool {
        self.clauses.iter().all(|c| c.matches(object))
    }
}

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    /// Not valid OData at all (an unterminated string, a stray character).
    Syntax(String),
    /// Valid OData, but not a clause the directory supports.
    Unsupported,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
    Colon,
    Slash,
}

fn tokenize(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            ':' => tokens.push(Token::Colon),
            '/' => tokens.push(Token::Slash),
            '\'' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\'')) if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        Some((_, '\'')) => break,
                        Some((_, ch)) => s.push(ch),
                        None => {
                            return Err(FilterError::Syntax(format!(
                                "Invalid filter clause: There is an unterminated string literal at position {at} in '{text}'."
                            )))
                        }
                    }
                }
                tokens.push(Token::Str(s));
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '$' | '@') => {
                let mut w = String::from(c);
                while let Some((_, n)) = chars.peek().copied() {
                    if n.is_alphanumeric() || matches!(n, '_' | '.' | '-' | '$' | '@') {
                        w.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(w));
            }
            other => {
                return Err(FilterError::Syntax(format!(
                    "Invalid filter clause: Syntax error: character '{other}' is not valid at position {at} in '{text}'."
                )))
            }
        }
    }
    Ok(tokens)
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(w) if w.eq_ignore_ascii_case(word))
}

fn clause(tokens: &[Token]) -> Result<Clause, FilterError> {
    use Token::*;
    match tokens {
        [Word(p), op, Str(v)] if is_word(op, "eq") => Ok(Clause::Eq {
            property: p.clone(),
            value: v.clone(),
        }),
        [f, Open, Word(p), Comma, Str(v), Close] if is_word(f, "startswith") => Ok(Clause::StartsWith {
            property: p.clone(),
            prefix: v.clone(),
        }),
        [Word(p), Slash, any, Open, Word(var), Colon, Word(var2), op, Str(v), Close]
            if is_word(any, "any") && var == var2 && is_word(op, "eq") =>
        {
            Ok(Clause::AnyEq {
                property: p.clone(),
                value: v.clone(),
            })
        }
        _ => Err(FilterError::Unsupported),
    }
}

pub fn parse(text: &str) -> Result<Filter, FilterError> {
    let tokens = tokenize(text)?;
    let clauses = tokens
        .split(|t| is_word(t, "and"))
        .map(clause)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { clauses })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_filters_azure_cli_sends() {
        assert_eq!(
            parse("appId eq 'abc'").map(|f| f.clauses),
            Ok(vec![Clause::Eq {
                property: "appId".into(),
                value: "abc".into()
            }])
        );
        assert_eq!(
            parse("startswith(displayName,'it''s')").map(|f| f.clauses),
            Ok(vec![Clause::StartsWith {
                property: "displayName".into(),
                prefix: "it's".into()
            }])
        );
        assert_eq!(
            parse("servicePrincipalNames/any(c:c eq 'x')").map(|f| f.clauses),
            Ok(vec![Clause::AnyEq {
                property: "servicePrincipalNames".into(),
                value: "x".into()
            }])
        );
        let both = parse("displayName eq 'a' and appId eq 'b'").unwrap();
        assert!(both.matches(&json!({"displayName": "A", "appId": "b"})));
        assert!(!both.matches(&json!({"displayName": "A", "appId": "c"})));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert_eq!(parse("appId eq 'abc"), Err(FilterError::Syntax(
            "Invalid filter clause: There is an unterminated string literal at position 9 in 'appId eq 'abc'.".into()
        )));
        assert_eq!(parse("appId in ('a','b')"), Err(FilterError::Unsupported));
        assert_eq!(
            parse("appId eq 'a' or appId eq 'b'"),
            Err(FilterError::Unsupported)
        );
        assert_eq!(parse(""), Err(FilterError::Unsupported));
        assert!(matches!(parse("appId eq \"a\""), Err(FilterError::Syntax(_))));
    }

    #[test]
    fn startswith_is_safe_on_multibyte_text() {
        let f = parse("startswith(displayName,'é')").unwrap();
        assert!(f.matches(&json!({"displayName": "été"})));
        assert!(!f.matches(&json!({"displayName": "x"})));
    }
}
