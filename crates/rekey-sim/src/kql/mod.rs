//! A small subset of the Kusto Query Language, enough for Resource Graph inventory queries:
//! a table, then `where`, `project`, `project-away`, `extend`, `order by`/`sort by`, `take`/`limit`
//! and `count`, with comparisons, string predicates, `in`, `and`/`or` and a few scalar functions.
//! Anything else is refused with the position of the offending token, never guessed at.

mod ast;
mod cursor;
mod error;
mod eval;
mod lexer;
mod ops;
mod parser;
mod table;
#[cfg(test)]
mod tests;

pub use ast::Query;
pub use error::KqlError;
pub use parser::{parse, MAX_DEPTH, MAX_QUERY_LEN};
pub use table::{Column, ColumnType, Table};

/// Runs a parsed query over its source table.
pub fn execute(query: &Query, source: Table) -> Result<Table, KqlError> {
    query.operators.iter().try_fold(source, ops::apply)
}
