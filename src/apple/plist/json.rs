//! A JSON token source for [`Decoder`](super::Decoder): JSON documents (Declarative Device
//! Management) decode through the same [`FromPlist`](super::FromPlist) types, limits and error
//! paths as property lists.
//!
//! The reader is a single forward pass with an explicit stack (no recursion), following
//! RFC 8259: objects become dictionaries, arrays arrays, strings strings (borrowed from the
//! input when they hold no escape), `true`/`false` booleans, numbers without a fraction or
//! exponent integers (`i64`, or `u64` above it) and other numbers reals. `null` has no plist
//! form and is refused. Depth, items and string sizes are counted by the decoder's budget on
//! every token, as for the other sources.

use super::de::Token;
use super::value::Integer;
use crate::error::{DecodeError, DecodeErrorKind as K};
use std::borrow::Cow;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Object,
    Array,
}

/// What the reader expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value (the root, after `:`, or after `,` in an array).
    Value,
    /// Just after `{`: a key or `}`.
    ObjectStart,
    /// After `,` in an object: a key.
    Key,
    /// Just after `[`: a value or `]`.
    ArrayStart,
    /// After a value: `,`, the end of the enclosing container, or the end of the input.
    AfterValue,
}

pub(super) struct JsonSource<'a> {
    text: &'a str,
    pos: usize,
    /// Bytes before `text` in the input (a byte-order mark), added to every offset.
    base: u64,
    stack: Vec<Ctx>,
    state: State,
}

impl<'a> JsonSource<'a> {
    pub(super) fn new(text: &'a str, base: u64) -> Self {
        JsonSource {
            text,
            pos: 0,
            base,
            stack: Vec::with_capacity(8),
            state: State::Value,
        }
    }

    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn err(&self, kind: K) -> DecodeError {
        DecodeError::at(kind, Some(self.offset()))
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The next token; `None` once the root value is complete.
    pub(super) fn next(&mut self) -> Result<Option<Token<'a>>, DecodeError> {
        loop {
            self.skip_ws();
            match self.state {
                State::AfterValue => {
                    let Some(&top) = self.stack.last() else {
                        return Ok(None);
                    };
                    match (self.peek(), top) {
                        (Some(b','), Ctx::Object) => {
                            self.pos += 1;
                            self.state = State::Key;
                        }
                        (Some(b','), Ctx::Array) => {
                            self.pos += 1;
                            self.state = State::Value;
                        }
                        (Some(b'}'), Ctx::Object) => return Ok(Some(self.close(Token::DictEnd))),
                        (Some(b']'), Ctx::Array) => return Ok(Some(self.close(Token::ArrayEnd))),
                        (None, _) => return Err(self.err(K::UnexpectedEof)),
                        _ => return Err(self.err(K::Syntax)),
                    }
                }
                State::ObjectStart if self.peek() == Some(b'}') => {
                    return Ok(Some(self.close(Token::DictEnd)));
                }
                State::ObjectStart | State::Key => {
                    match self.peek() {
                        Some(b'"') => {}
                        None => return Err(self.err(K::UnexpectedEof)),
                        _ => return Err(self.err(K::Syntax)),
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    match self.peek() {
                        Some(b':') => self.pos += 1,
                        None => return Err(self.err(K::UnexpectedEof)),
                        _ => return Err(self.err(K::Syntax)),
                    }
                    self.state = State::Value;
                    return Ok(Some(Token::Key(key)));
                }
                State::ArrayStart if self.peek() == Some(b']') => {
                    return Ok(Some(self.close(Token::ArrayEnd)));
                }
                State::ArrayStart | State::Value => return self.value().map(Some),
            }
        }
    }

    /// Consumes the closing bracket of the innermost container.
    fn close(&mut self, t: Token<'a>) -> Token<'a> {
        self.pos += 1;
        self.stack.pop();
        self.state = State::AfterValue;
        t
    }

    fn value(&mut self) -> Result<Token<'a>, DecodeError> {
        let t = match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                self.stack.push(Ctx::Object);
                self.state = State::ObjectStart;
                return Ok(Token::DictStart);
            }
            Some(b'[') => {
                self.pos += 1;
                self.stack.push(Ctx::Array);
                self.state = State::ArrayStart;
                return Ok(Token::ArrayStart);
            }
            Some(b'"') => Token::String(self.string()?),
            Some(b't') => {
                self.literal("true")?;
                Token::Boolean(true)
            }
            Some(b'f') => {
                self.literal("false")?;
                Token::Boolean(false)
            }
            Some(b'n') => {
                self.literal("null")?;
                self.pos -= 4;
                return Err(self.err(K::InvalidValue("value (json null)")));
            }
            Some(b'-' | b'0'..=b'9') => self.number()?,
            None => return Err(self.err(K::UnexpectedEof)),
            Some(_) => return Err(self.err(K::Syntax)),
        };
        self.state = State::AfterValue;
        Ok(t)
    }

    fn literal(&mut self, word: &'static str) -> Result<(), DecodeError> {
        let rest = self.text.get(self.pos..).unwrap_or("");
        if rest.starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else if word.starts_with(rest) {
            Err(DecodeError::at(
                K::UnexpectedEof,
                Some(self.base + self.text.len() as u64),
            ))
        } else {
            Err(self.err(K::Syntax))
        }
    }

    fn number(&mut self) -> Result<Token<'a>, DecodeError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos - from
        };
        // A number cut short by the end of the input is an unexpected end, not a syntax error.
        let bad = |pos: usize| {
            if pos >= bytes.len() {
                K::UnexpectedEof
            } else {
                K::Syntax
            }
        };
        let mut pos = self.pos;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        let int_start = pos;
        let n = digits(&mut pos);
        if n == 0 || (n > 1 && bytes.get(int_start) == Some(&b'0')) {
            let kind = if n == 0 { bad(pos) } else { K::Syntax };
            self.pos = pos;
            return Err(self.err(kind));
        }
        let mut integer = true;
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            integer = false;
            if digits(&mut pos) == 0 {
                let kind = bad(pos);
                self.pos = pos;
                return Err(self.err(kind));
            }
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            if digits(&mut pos) == 0 {
                let kind = bad(pos);
                self.pos = pos;
                return Err(self.err(kind));
            }
        }
        let text = self.text.get(start..pos).unwrap_or("");
        let t = if integer {
            if let Ok(i) = text.parse::<i64>() {
                Token::Integer(Integer::from(i))
            } else if let Ok(u) = text.parse::<u64>() {
                Token::Integer(Integer::from(u))
            } else {
                return Err(self.err(K::IntegerOutOfRange));
            }
        } else {
            match text.parse::<f64>() {
                Ok(r) if r.is_finite() => Token::Real(r),
                _ => return Err(self.err(K::InvalidValue("number"))),
            }
        };
        self.pos = pos;
        Ok(t)
    }

    /// A string starting at the current `"`: borrowed when it has no escape.
    fn string(&mut self) -> Result<Cow<'a, str>, DecodeError> {
        self.pos += 1;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut pos = start;
        loop {
            match bytes.get(pos) {
                None => {
                    self.pos = pos;
                    return Err(self.err(K::UnexpectedEof));
                }
                Some(b'"') => {
                    let s = self.text.get(start..pos).unwrap_or("");
                    self.pos = pos + 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => {
                    self.pos = pos;
                    return Err(self.err(K::Syntax));
                }
                Some(_) => pos += 1,
            }
        }
        // With escapes: copy, unescaping.
        let mut out = String::with_capacity(pos - start + 16);
        out.push_str(self.text.get(start..pos).unwrap_or(""));
        let mut run = pos;
        loop {
            match bytes.get(pos) {
                None => {
                    self.pos = pos;
                    return Err(self.err(K::UnexpectedEof));
                }
                Some(b'"') => {
                    out.push_str(self.text.get(run..pos).unwrap_or(""));
                    self.pos = pos + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(self.text.get(run..pos).unwrap_or(""));
                    self.pos = pos;
                    let esc = bytes.get(pos + 1).copied();
                    pos += 2;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4(pos)?;
                            pos += 4;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                // A high surrogate must be followed by `\u` and a low one.
                                if bytes.get(pos) != Some(&b'\\')
                                    || bytes.get(pos + 1) != Some(&b'u')
                                {
                                    return Err(self.err(K::InvalidValue("string escape")));
                                }
                                let lo = self.hex4(pos + 2)?;
                                pos += 6;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err(K::InvalidValue("string escape")));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            match char::from_u32(c) {
                                Some(c) => out.push(c),
                                None => return Err(self.err(K::InvalidValue("string escape"))),
                            }
                        }
                        None => return Err(self.err(K::UnexpectedEof)),
                        Some(_) => return Err(self.err(K::InvalidValue("string escape"))),
                    }
                    run = pos;
                }
                Some(&c) if c < 0x20 => {
                    self.pos = pos;
                    return Err(self.err(K::Syntax));
                }
                Some(_) => pos += 1,
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32, DecodeError> {
        let digits = self.text.get(at..at + 4).ok_or_else(|| {
            if self.text.len() < at + 4 {
                DecodeError::at(K::UnexpectedEof, Some(self.base + self.text.len() as u64))
            } else {
                self.err(K::InvalidValue("string escape"))
            }
        })?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err(K::InvalidValue("string escape")));
        }
        u32::from_str_radix(digits, 16).map_err(|_| self.err(K::InvalidValue("string escape")))
    }

    /// Checks that only whitespace follows the root value.
    pub(super) fn finish(&mut self) -> Result<(), DecodeError> {
        self.skip_ws();
        if self.pos < self.text.len() {
            return Err(self.err(K::TrailingData));
        }
        Ok(())
    }
}
