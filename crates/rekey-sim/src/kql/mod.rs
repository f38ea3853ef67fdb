//! A small subset of the Kusto Query Language, enough for Resource Graph inventory queries:
//! a table, then `where`, `project`, `project-away`, `extend`, `order by`/`sort by`, `take`/`limit`
//! and `count`, with comparisons, string predicates, `in`, `and`/`or` and a few scalar functions.
//! Anything else is refused with the position of the offending token, never guessed at.

mod ast;
mod eval;
mod lexer;
mod ops;
mod parser;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use ast::Query;
pub use parser::{parse, MAX_DEPTH, MAX_QUERY_LEN};

/// The static type of a column, named as Resource Graph names it in `table` results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Bool,
    Long,
    Real,
    /// Kusto's `dynamic`: any JSON value.
    Dynamic,
}

impl ColumnType {
    pub fn arg_name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Bool => "boolean",
            ColumnType::Long => "integer",
            ColumnType::Real => "number",
            ColumnType::Dynamic => "object",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnType,
}

impl Column {
    pub fn new(name: &str, kind: ColumnType) -> Self {
        Column {
            name: name.to_string(),
            kind,
        }
    }
}

/// Rows of JSON values under typed columns; every row has one value per column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KqlError {
    /// Not valid in the subset: bad syntax or an unsupported operator. `line` is 1-based and
    /// `column` 0-based, as Resource Graph reports them.
    #[error("syntax error at {line}:{column} near '{token}'")]
    Syntax {
        line: usize,
        column: usize,
        token: String,
    },
    /// Well-formed, but names something that does not exist or mixes types.
    #[error("{0}")]
    Semantic(String),
    #[error("the query is longer than {limit} characters")]
    TooLong { limit: usize },
}

/// Runs a parsed query over its source table.
pub fn execute(query: &Query, source: Table) -> Result<Table, KqlError> {
    query.operators.iter().try_fold(source, ops::apply)
}
