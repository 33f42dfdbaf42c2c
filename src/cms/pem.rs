//! A strict, bounded PEM reader (RFC 7468): `-----BEGIN label-----`, base64 lines,
//! `-----END label-----`. Text around blocks is ignored; headers (`Proc-Type:` of encrypted
//! legacy keys) are refused.

use base64::Engine as _;

/// One PEM block: its label and decoded DER.
pub(crate) struct Block<'a> {
    pub(crate) label: &'a str,
    pub(crate) der: Vec<u8>,
}

/// Why a PEM text could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PemError {
    /// `BEGIN` without a matching `END`.
    Unterminated,
    /// The body is not base64, or holds a header line.
    BadBody,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Iterates over the PEM blocks of `text`.
pub(crate) struct Blocks<'a> {
    rest: &'a str,
}

pub(crate) fn blocks(text: &str) -> Blocks<'_> {
    Blocks { rest: text }
}

impl<'a> Iterator for Blocks<'a> {
    type Item = Result<Block<'a>, PemError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.rest.find(BEGIN)?;
        let after_begin = self.rest.get(start + BEGIN.len()..)?;
        let Some(label_end) = after_begin.find(DASHES) else {
            self.rest = "";
            return Some(Err(PemError::Unterminated));
        };
        let label = after_begin.get(..label_end).unwrap_or_default();
        let body_and_rest = after_begin
            .get(label_end + DASHES.len()..)
            .unwrap_or_default();
        let Some(end) = body_and_rest.find(END) else {
            self.rest = "";
            return Some(Err(PemError::Unterminated));
        };
        let body = body_and_rest.get(..end).unwrap_or_default();
        let after_end = body_and_rest.get(end + END.len()..).unwrap_or_default();
        let closing = format!("{label}{DASHES}");
        let Some(rest) = after_end.strip_prefix(closing.as_str()) else {
            self.rest = "";
            return Some(Err(PemError::Unterminated));
        };
        self.rest = rest;
        if body.contains(':') {
            return Some(Err(PemError::BadBody));
        }
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
            Ok(der) => Some(Ok(Block { label, der })),
            Err(_) => Some(Err(PemError::BadBody)),
        }
    }
}

/// Encodes DER as PEM with 64-character lines.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let pem = encode("CERTIFICATE", &[1, 2, 3, 250]);
        let text = format!("junk\n{pem}more\n-----BEGIN X-----\nAAEC\n-----END X-----\n");
        let got: Vec<_> = blocks(&text).map(Result::unwrap).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].label, got[0].der.as_slice()),
            ("CERTIFICATE", &[1, 2, 3, 250][..])
        );
        assert_eq!((got[1].label, got[1].der.as_slice()), ("X", &[0, 1, 2][..]));
        assert!(matches!(
            blocks("-----BEGIN A-----\nAA==\n").next(),
            Some(Err(PemError::Unterminated))
        ));
        assert!(matches!(
            blocks("-----BEGIN A-----\nAA==\n-----END B-----\n").next(),
            Some(Err(PemError::Unterminated))
        ));
        assert!(matches!(
            blocks("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAA==\n-----END A-----").next(),
            Some(Err(PemError::BadBody))
        ));
        assert!(matches!(
            blocks("-----BEGIN A-----\n!!\n-----END A-----").next(),
            Some(Err(PemError::BadBody))
        ));
        assert!(blocks("nothing").next().is_none());
    }
}
