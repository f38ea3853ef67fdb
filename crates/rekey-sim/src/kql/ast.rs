//! The parsed form of a query: a source table and a pipeline of tabular operators.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// As written; table names are matched case-insensitively by the caller.
    pub table: String,
    pub operators: Vec<Operator>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Where(Expr),
    Project(Vec<Assignment>),
    ProjectAway(Vec<String>),
    Extend(Vec<Assignment>),
    Sort(Vec<SortKey>),
    Take(u64),
    Count,
}

impl Operator {
    /// The name Kusto uses in its error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Where(_) => "where",
            Operator::Project(_) => "project",
            Operator::ProjectAway(_) => "project-away",
            Operator::Extend(_) => "extend",
            Operator::Sort(_) => "order",
            Operator::Take(_) => "take",
            Operator::Count => "count",
        }
    }
}

/// `name = expr`, or a bare `expr` whose column name is derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub name: Option<String>,
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    Column(String),
    /// Member and index steps into a dynamic value, kept flat so `a.b.c…` never nests deeply.
    Path(Box<Expr>, Vec<Step>),
    Call(String, Vec<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        case_insensitive: bool,
        negated: bool,
    },
    /// N-ary, so that long `and`/`or` chains stay shallow.
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `.name` or `['name']`.
    Member(String),
    /// `[n]`; negative counts from the end.
    Index(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    NotEq,
    EqCi,
    NotEqCi,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Text {
        test: TextTest,
        case_sensitive: bool,
        negated: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextTest {
    Contains,
    StartsWith,
    EndsWith,
    Has,
}
