//! The parser's place in the token list: peeking, consuming and expecting tokens, and the syntax
//! error (line, column, token) at any of them.

use super::error::KqlError;
use super::lexer::{Tok, Token};

/// Error tokens are echoed back; a huge literal is cut to this many characters.
const MAX_TOKEN_ECHO: usize = 64;

pub(super) fn syntax_error(src: &str, start: usize, end: usize) -> KqlError {
    let before = src.get(..start).unwrap_or(src);
    let line = 1 + before.matches('\n').count();
    let column = before.rsplit('\n').next().unwrap_or("").chars().count();
    let text = src.get(start..end).unwrap_or("");
    let token = if text.is_empty() {
        "<EOF>".to_string()
    } else {
        text.chars().take(MAX_TOKEN_ECHO).collect()
    };
    KqlError::Syntax { line, column, token }
}

pub(super) type Parsed<T> = Result<T, KqlError>;

pub(super) struct Parser<'s> {
    pub(super) src: &'s str,
    /// Always ends with `Tok::Eof`.
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
    pub(super) depth: usize,
}

impl Parser<'_> {
    pub(super) fn peek_at(&self, ahead: usize) -> &Token {
        let last = self.tokens.len().saturating_sub(1);
        &self.tokens[(self.pos + ahead).min(last)]
    }

    pub(super) fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    pub(super) fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::Eof {
            self.pos += 1;
        }
        token
    }

    pub(super) fn error_at(&self, token: &Token) -> KqlError {
        syntax_error(self.src, token.start, token.end)
    }

    pub(super) fn error_here(&self) -> KqlError {
        self.error_at(self.peek())
    }

    pub(super) fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek().tok, Tok::Sym(s) if s == sym)
    }

    pub(super) fn is_word(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(w) if w == word)
    }

    pub(super) fn eat_sym(&mut self, sym: &str) -> bool {
        let hit = self.is_sym(sym);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(super) fn eat_word(&mut self, word: &str) -> bool {
        let hit = self.is_word(word);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(super) fn expect_sym(&mut self, sym: &str) -> Parsed<()> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(self.error_here())
        }
    }

    pub(super) fn ident(&mut self) -> Parsed<String> {
        match &self.peek().tok {
            Tok::Ident(name) => {
                let name = name.clone();
                self.pos += 1;
                Ok(name)
            }
            _ => Err(self.error_here()),
        }
    }
}
