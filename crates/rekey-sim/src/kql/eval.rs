//! Scalar expressions: a static check against the columns in scope (so an unknown column fails
//! even on an empty table), then evaluation row by row. Values are borrowed from the row where
//! possible, so walking into `properties` does not copy it.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{json, Value};

use super::ast::{CompareOp, Expr, Step, TextTest};
use super::table::{Column, ColumnType};

/// The result type of `expr` over `columns`, or why it cannot be computed.
pub fn check(expr: &Expr, columns: &[Column]) -> Result<ColumnType, String> {
    Ok(match expr {
        Expr::Literal(v) => literal_type(v),
        Expr::Column(name) => {
            columns
                .iter()
                .find(|c| c.name == *name)
                .ok_or_else(|| format!("Failed to resolve scalar expression named '{name}'"))?
                .kind
        }
        Expr::Path(base, _) => {
            check(base, columns)?;
            ColumnType::Dynamic
        }
        Expr::Call(name, args) => {
            let kinds = args
                .iter()
                .map(|a| check(a, columns))
                .collect::<Result<Vec<_>, _>>()?;
            function_type(name, &kinds)?
        }
        Expr::Compare(_, lhs, rhs) => {
            check(lhs, columns)?;
            check(rhs, columns)?;
            ColumnType::Bool
        }
        Expr::In { expr, list, .. } => {
            check(expr, columns)?;
            for item in list {
                check(item, columns)?;
            }
            ColumnType::Bool
        }
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                if !matches!(check(item, columns)?, ColumnType::Bool | ColumnType::Dynamic) {
                    return Err("The operands of 'and' and 'or' must be of type bool".into());
                }
            }
            ColumnType::Bool
        }
    })
}

fn literal_type(v: &Value) -> ColumnType {
    match v {
        Value::String(_) => ColumnType::String,
        Value::Bool(_) => ColumnType::Bool,
        Value::Number(n) if n.is_i64() => ColumnType::Long,
        Value::Number(_) => ColumnType::Real,
        _ => ColumnType::Dynamic,
    }
}

fn function_type(name: &str, args: &[ColumnType]) -> Result<ColumnType, String> {
    let (arity, result) = match name {
        "tostring" | "tolower" | "toupper" => (1, ColumnType::String),
        "tobool" | "toboolean" | "isempty" | "isnotempty" | "isnull" | "isnotnull" | "not" => {
            (1, ColumnType::Bool)
        }
        "toint" | "tolong" | "strlen" => (1, ColumnType::Long),
        "todouble" | "toreal" => (1, ColumnType::Real),
        "iff" | "iif" => (3, args.get(1).copied().unwrap_or(ColumnType::Dynamic)),
        _ => return Err(format!("Unknown function: '{name}'")),
    };
    if args.len() != arity {
        return Err(format!(
            "Function '{name}': expected {arity} argument(s), got {}",
            args.len()
        ));
    }
    Ok(result)
}

/// Evaluates a checked expression against one row.
pub fn eval<'a>(expr: &'a Expr, row: &'a [Value], columns: &[Column]) -> Cow<'a, Value> {
    match expr {
        Expr::Literal(v) => Cow::Borrowed(v),
        Expr::Column(name) => columns
            .iter()
            .position(|c| c.name == *name)
            .and_then(|i| row.get(i))
            .map_or(Cow::Owned(Value::Null), Cow::Borrowed),
        Expr::Path(base, steps) => steps
            .iter()
            .fold(eval(base, row, columns), |value, s| step(value, s)),
        Expr::Call(name, args) => {
            let args: Vec<Cow<'a, Value>> = args.iter().map(|a| eval(a, row, columns)).collect();
            call(name, args)
        }
        Expr::Compare(op, lhs, rhs) => {
            Cow::Owned(compare(*op, &eval(lhs, row, columns), &eval(rhs, row, columns)))
        }
        Expr::In {
            expr,
            list,
            case_insensitive,
            negated,
        } => {
            let value = eval(expr, row, columns);
            let found = list.iter().any(|item| {
                let item = eval(item, row, columns);
                if *case_insensitive {
                    to_text(&value).to_lowercase() == to_text(&item).to_lowercase()
                } else {
                    equal(&value, &item) == Some(true)
                }
            });
            Cow::Owned(Value::Bool(found != *negated))
        }
        Expr::And(items) => Cow::Owned(Value::Bool(items.iter().all(|i| is_true(&eval(i, row, columns))))),
        Expr::Or(items) => Cow::Owned(Value::Bool(items.iter().any(|i| is_true(&eval(i, row, columns))))),
    }
}

pub fn is_true(v: &Value) -> bool {
    *v == Value::Bool(true)
}

fn step<'a>(value: Cow<'a, Value>, step: &Step) -> Cow<'a, Value> {
    fn lookup<'v>(v: &'v Value, step: &Step) -> Option<&'v Value> {
        match step {
            Step::Member(name) => v.as_object()?.get(name),
            Step::Index(i) => {
                let items = v.as_array()?;
                let at = if *i < 0 {
                    items.len().checked_sub(usize::try_from(i.unsigned_abs()).ok()?)?
                } else {
                    usize::try_from(*i).ok()?
                };
                items.get(at)
            }
        }
    }
    match value {
        Cow::Borrowed(v) => lookup(v, step).map_or(Cow::Owned(Value::Null), Cow::Borrowed),
        Cow::Owned(v) => Cow::Owned(lookup(&v, step).cloned().unwrap_or(Value::Null)),
    }
}

fn call<'a>(name: &str, mut args: Vec<Cow<'a, Value>>) -> Cow<'a, Value> {
    if name == "iff" || name == "iif" {
        // Checked to have three arguments.
        let chosen = if args.first().is_some_and(|c| is_true(c)) {
            1
        } else {
            2
        };
        return if chosen < args.len() {
            args.swap_remove(chosen)
        } else {
            Cow::Owned(Value::Null)
        };
    }
    let arg = args.first().map_or(&Value::Null, |a| a.as_ref());
    Cow::Owned(match name {
        "tostring" => Value::String(to_text(arg)),
        "tolower" => Value::String(to_text(arg).to_lowercase()),
        "toupper" => Value::String(to_text(arg).to_uppercase()),
        "tobool" | "toboolean" => to_bool(arg),
        "toint" => to_long(arg)
            .filter(|n| i32::try_from(*n).is_ok())
            .map_or(Value::Null, |n| json!(n)),
        "tolong" => to_long(arg).map_or(Value::Null, |n| json!(n)),
        "todouble" | "toreal" => to_real(arg).map_or(Value::Null, |n| json!(n)),
        "strlen" => json!(to_text(arg).chars().count()),
        "isempty" => Value::Bool(is_empty(arg)),
        "isnotempty" => Value::Bool(!is_empty(arg)),
        "isnull" => Value::Bool(arg.is_null()),
        "isnotnull" => Value::Bool(!arg.is_null()),
        "not" => arg.as_bool().map_or(Value::Null, |b| Value::Bool(!b)),
        _ => Value::Null,
    })
}

/// Kusto's `tostring`: null is the empty string, objects and arrays their compact JSON.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn to_bool(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| Value::Bool(f != 0.0)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        _ => Value::Null,
    }
}

fn to_long(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(truncate)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(truncate))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Whole part of a finite float that fits in an i64.
fn truncate(f: f64) -> Option<i64> {
    let t = f.trunc();
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    (t.is_finite() && t >= i64::MIN as f64 && t < i64::MAX as f64).then_some(t as i64)
}

fn to_real(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// `==` on values: numbers by value, anything else structurally; `None` when either is null,
/// which `where` treats as false.
fn equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Number(x), Value::Number(y)) => Some(match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        }),
        _ => Some(a == b),
    }
}

fn compare(op: CompareOp, a: &Value, b: &Value) -> Value {
    let result = match op {
        CompareOp::Eq => equal(a, b),
        CompareOp::NotEq => equal(a, b).map(|e| !e),
        CompareOp::EqCi => Some(to_text(a).to_lowercase() == to_text(b).to_lowercase()),
        CompareOp::NotEqCi => Some(to_text(a).to_lowercase() != to_text(b).to_lowercase()),
        CompareOp::Less => order(a, b).map(Ordering::is_lt),
        CompareOp::LessEq => order(a, b).map(Ordering::is_le),
        CompareOp::Greater => order(a, b).map(Ordering::is_gt),
        CompareOp::GreaterEq => order(a, b).map(Ordering::is_ge),
        CompareOp::Text {
            test,
            case_sensitive,
            negated,
        } => Some(text_test(test, case_sensitive, &to_text(a), &to_text(b)) != negated),
    };
    result.map_or(Value::Null, Value::Bool)
}

/// Ordering for `<`, `>` and sorting: numbers by value, strings ordinally, bools false first.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn text_test(test: TextTest, case_sensitive: bool, haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = if case_sensitive {
        (Cow::Borrowed(haystack), Cow::Borrowed(needle))
    } else {
        (
            Cow::Owned(haystack.to_lowercase()),
            Cow::Owned(needle.to_lowercase()),
        )
    };
    match test {
        TextTest::Contains => haystack.contains(needle.as_ref()),
        TextTest::StartsWith => haystack.starts_with(needle.as_ref()),
        TextTest::EndsWith => haystack.ends_with(needle.as_ref()),
        TextTest::Has => has_term(&haystack, &needle),
    }
}

/// Kusto's `has`: the needle occurs bounded by non-alphanumeric characters (or the ends).
fn has_term(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let is_word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    haystack.match_indices(needle).any(|(at, _)| {
        !is_word(haystack[..at].chars().next_back()) && !is_word(haystack[at + needle.len()..].chars().next())
    })
}
