//! What a query reads and returns: rows of JSON values under typed columns.

use serde_json::Value;

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
