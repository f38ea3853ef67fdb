//! Why a query was refused: bad syntax, a semantic error, or too long.

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
