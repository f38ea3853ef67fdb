//! Recursive descent over the token list. Nesting is bounded by [`MAX_DEPTH`], so hostile input
//! gets an error instead of exhausting the stack.

use serde_json::{json, Value};

use super::ast::{Assignment, CompareOp, Expr, Operator, Query, SortKey, Step, TextTest};
use super::cursor::{syntax_error, Parsed, Parser};
use super::error::KqlError;
use super::lexer::{lex, Tok};

/// Deepest nesting of parentheses, calls and `in` lists.
pub const MAX_DEPTH: usize = 64;
/// Longest query text accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 64 * 1024;

/// Table used when a query starts with an operator, as Resource Graph allows (`where type =~ …`).
const IMPLICIT_TABLE: &str = "resources";

pub fn parse(src: &str) -> Result<Query, KqlError> {
    if src.len() > MAX_QUERY_LEN {
        return Err(KqlError::TooLong { limit: MAX_QUERY_LEN });
    }
    let tokens = lex(src).map_err(|e| syntax_error(src, e.start, e.end))?;
    Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
    }
    .query()
}

impl Parser<'_> {
    fn query(&mut self) -> Parsed<Query> {
        let starts_with_operator = matches!(&self.peek().tok, Tok::Ident(w) if is_operator_name(w));
        let table = if starts_with_operator {
            IMPLICIT_TABLE.to_string()
        } else {
            self.ident()?
        };
        let mut operators = Vec::new();
        if starts_with_operator {
            operators.push(self.operator()?);
        }
        while self.eat_sym("|") {
            operators.push(self.operator()?);
        }
        if self.peek().tok != Tok::Eof {
            return Err(self.error_here());
        }
        Ok(Query { table, operators })
    }

    fn operator(&mut self) -> Parsed<Operator> {
        let token = self.advance();
        let Tok::Ident(name) = &token.tok else {
            return Err(self.error_at(&token));
        };
        Ok(match name.as_str() {
            "where" | "filter" => Operator::Where(self.expr()?),
            "project" => Operator::Project(self.list(Self::assignment)?),
            "project-away" => Operator::ProjectAway(self.list(Self::ident)?),
            "extend" => Operator::Extend(self.list(Self::assignment)?),
            "order" | "sort" => {
                if !self.eat_word("by") {
                    return Err(self.error_here());
                }
                Operator::Sort(self.list(Self::sort_key)?)
            }
            "take" | "limit" => {
                let count = self.advance();
                match count.tok {
                    Tok::Long(n) => Operator::Take(n.unsigned_abs()),
                    _ => return Err(self.error_at(&count)),
                }
            }
            "count" => Operator::Count,
            // summarize, join, union, mv-expand, parse, distinct, top… are real KQL, but not here.
            _ => return Err(self.error_at(&token)),
        })
    }

    /// One or more items separated by commas.
    fn list<T>(&mut self, item: fn(&mut Self) -> Parsed<T>) -> Parsed<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.eat_sym(",") {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn assignment(&mut self) -> Parsed<Assignment> {
        let named = matches!(self.peek().tok, Tok::Ident(_)) && self.peek_at(1).tok == Tok::Sym("=");
        let name = if named {
            let name = self.ident()?;
            self.pos += 1; // the `=`
            Some(name)
        } else {
            None
        };
        Ok(Assignment {
            name,
            expr: self.expr()?,
        })
    }

    /// `expr [asc|desc] [nulls first|last]`; Kusto sorts descending unless told otherwise.
    fn sort_key(&mut self) -> Parsed<SortKey> {
        let expr = self.expr()?;
        let descending = if self.eat_word("asc") {
            false
        } else {
            self.eat_word("desc");
            true
        };
        let nulls_first = if self.eat_word("nulls") {
            if self.eat_word("first") {
                true
            } else if self.eat_word("last") {
                false
            } else {
                return Err(self.error_here());
            }
        } else {
            !descending
        };
        Ok(SortKey {
            expr,
            descending,
            nulls_first,
        })
    }

    fn expr(&mut self) -> Parsed<Expr> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_here());
        }
        self.depth += 1;
        let expr = self.or_expr();
        self.depth -= 1;
        expr
    }

    fn or_expr(&mut self) -> Parsed<Expr> {
        self.joined("or", Self::and_expr, Expr::Or)
    }

    fn and_expr(&mut self) -> Parsed<Expr> {
        self.joined("and", Self::predicate, Expr::And)
    }

    /// Operands separated by `word`; one alone is itself, several are `join`ed.
    fn joined(
        &mut self,
        word: &str,
        operand: fn(&mut Self) -> Parsed<Expr>,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Parsed<Expr> {
        let mut items = vec![operand(self)?];
        while self.eat_word(word) {
            items.push(operand(self)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            join(items)
        })
    }

    /// An operand, optionally compared with one other; comparisons do not chain.
    fn predicate(&mut self) -> Parsed<Expr> {
        let lhs = self.postfix()?;
        let negated = self.is_sym("!") && self.peek_at(1).start == self.peek().end;
        let word = match &self.peek_at(usize::from(negated)).tok {
            Tok::Ident(w) => w.clone(),
            _ => String::new(),
        };
        if let Some(case_insensitive) = in_operator(&word) {
            self.pos += 1 + usize::from(negated);
            return self.in_list(lhs, case_insensitive, negated);
        }
        let op = if let Some((test, case_sensitive)) = text_operator(&word) {
            self.pos += 1 + usize::from(negated);
            CompareOp::Text {
                test,
                case_sensitive,
                negated,
            }
        } else if let Some(op) = self.comparison_symbol() {
            self.pos += 1;
            op
        } else {
            return Ok(lhs);
        };
        let rhs = self.postfix()?;
        Ok(Expr::Compare(op, Box::new(lhs), Box::new(rhs)))
    }

    fn comparison_symbol(&self) -> Option<CompareOp> {
        let Tok::Sym(sym) = self.peek().tok else {
            return None;
        };
        Some(match sym {
            "==" => CompareOp::Eq,
            "!=" => CompareOp::NotEq,
            "=~" => CompareOp::EqCi,
            "!~" => CompareOp::NotEqCi,
            "<" => CompareOp::Less,
            "<=" => CompareOp::LessEq,
            ">" => CompareOp::Greater,
            ">=" => CompareOp::GreaterEq,
            _ => return None,
        })
    }

    fn in_list(&mut self, lhs: Expr, case_insensitive: bool, negated: bool) -> Parsed<Expr> {
        self.expect_sym("(")?;
        if self.depth >= MAX_DEPTH {
            return Err(self.error_here());
        }
        let list = self.list(Self::expr)?;
        self.expect_sym(")")?;
        Ok(Expr::In {
            expr: Box::new(lhs),
            list,
            case_insensitive,
            negated,
        })
    }

    /// A primary followed by `.member`, `['member']` and `[index]` steps.
    fn postfix(&mut self) -> Parsed<Expr> {
        let base = self.primary()?;
        let mut steps = Vec::new();
        loop {
            if self.eat_sym(".") {
                steps.push(Step::Member(self.ident()?));
            } else if self.eat_sym("[") {
                let negative = self.eat_sym("-");
                let key = self.advance();
                let step = match key.tok {
                    Tok::Str(name) if !negative => Step::Member(name),
                    Tok::Long(n) => Step::Index(if negative { -n } else { n }),
                    _ => return Err(self.error_at(&key)),
                };
                self.expect_sym("]")?;
                steps.push(step);
            } else {
                break;
            }
        }
        Ok(if steps.is_empty() {
            base
        } else {
            Expr::Path(Box::new(base), steps)
        })
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let token = self.advance();
        match token.tok {
            Tok::Str(s) => Ok(Expr::Literal(Value::String(s))),
            Tok::Long(n) => Ok(Expr::Literal(json!(n))),
            Tok::Real(r) => Ok(Expr::Literal(json!(r))),
            Tok::Sym("-") => {
                let number = self.advance();
                match number.tok {
                    Tok::Long(n) => Ok(Expr::Literal(json!(-n))),
                    Tok::Real(r) => Ok(Expr::Literal(json!(-r))),
                    _ => Err(self.error_at(&number)),
                }
            }
            Tok::Sym("(") => {
                let inner = self.expr()?;
                self.expect_sym(")")?;
                Ok(inner)
            }
            Tok::Ident(word) if word == "true" || word == "false" => {
                Ok(Expr::Literal(Value::Bool(word == "true")))
            }
            Tok::Ident(name) if self.is_sym("(") => {
                self.pos += 1;
                let args = if self.eat_sym(")") {
                    Vec::new()
                } else {
                    let args = self.list(Self::expr)?;
                    self.expect_sym(")")?;
                    args
                };
                Ok(Expr::Call(name, args))
            }
            Tok::Ident(name) => Ok(Expr::Column(name)),
            _ => Err(self.error_at(&token)),
        }
    }
}

fn is_operator_name(word: &str) -> bool {
    matches!(
        word,
        "where"
            | "filter"
            | "project"
            | "project-away"
            | "extend"
            | "order"
            | "sort"
            | "take"
            | "limit"
            | "count"
    )
}

/// `in` / `in~`: whether the match ignores case.
fn in_operator(word: &str) -> Option<bool> {
    match word {
        "in" => Some(false),
        "in~" => Some(true),
        _ => None,
    }
}

/// String predicates; the `_cs` forms are case-sensitive.
fn text_operator(word: &str) -> Option<(TextTest, bool)> {
    let (base, case_sensitive) = match word.strip_suffix("_cs") {
        Some(base) => (base, true),
        None => (word, false),
    };
    let test = match base {
        "contains" => TextTest::Contains,
        "startswith" => TextTest::StartsWith,
        "endswith" => TextTest::EndsWith,
        "has" => TextTest::Has,
        _ => return None,
    };
    Some((test, case_sensitive))
}
