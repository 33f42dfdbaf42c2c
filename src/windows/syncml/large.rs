//! Large objects: an item too big for one message travels as chunks, each but the last marked
//! `MoreData`, the first carrying `Meta/Size` (the total size in bytes). The receiver answers
//! each non-final chunk with 213 and asks for the next message with `Alert 1222`; when the end
//! never comes it sends `Alert 1225`.
//!
//! ```
//! use mdmkit::windows::syncml::large::{split_item, Chunk, Reassembler};
//! use mdmkit::windows::syncml::{Item, StatusCode};
//!
//! let big = Item::target("./Vendor/MSFT/Policy/Config/X").with_data("a".repeat(2500));
//! let chunks = split_item(&big, 1000).unwrap();
//! assert_eq!(chunks.len(), 3);
//! assert_eq!(chunks[0].meta.as_ref().unwrap().size, Some(2500));
//!
//! let mut r = Reassembler::new(1 << 20);
//! assert!(matches!(r.push(&chunks[0]).unwrap(), Chunk::Partial));
//! assert_eq!(Chunk::Partial.status_code(), StatusCode::CHUNKED_ITEM_ACCEPTED);
//! assert!(matches!(r.push(&chunks[1]).unwrap(), Chunk::Partial));
//! let Chunk::Complete(whole) = r.push(&chunks[2]).unwrap() else { panic!() };
//! assert_eq!(whole.data.unwrap().to_text().len(), 2500);
//! ```

use super::model::{Alert, CmdId, Item, Meta};
use super::{AlertCode, Data, StatusCode};

/// Why a chunk was refused. [`LargeObjectError::status_code`] gives the status to answer with.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LargeObjectError {
    /// The first chunk has no `Meta/Size` (411).
    #[error("the first chunk of a large object has no Meta/Size")]
    SizeMissing,
    /// The announced or accumulated size is above the cap (416).
    #[error("large object of {size} bytes exceeds the cap of {cap} bytes")]
    TooLarge {
        /// The announced or accumulated size.
        size: u64,
        /// The cap given to [`Reassembler::new`].
        cap: u64,
    },
    /// The reassembled object does not have the announced size (424).
    #[error("large object is {actual} bytes, {announced} were announced")]
    SizeMismatch {
        /// `Meta/Size` of the first chunk.
        announced: u64,
        /// The size received.
        actual: u64,
    },
    /// A chunk for another node arrived while an object was incomplete (the pending one is
    /// dropped: answer it with `Alert 1225`, see [`Reassembler::no_end_of_data`]).
    #[error("a chunk for another node arrived before the large object was complete")]
    Interleaved,
    /// `split_item` was asked for chunks of zero bytes, or the item has no data.
    #[error("nothing to split")]
    NothingToSplit,
}

impl LargeObjectError {
    /// The status code to answer the offending item with.
    #[must_use]
    pub fn status_code(&self) -> StatusCode {
        match self {
            LargeObjectError::SizeMissing => StatusCode::SIZE_REQUIRED,
            LargeObjectError::TooLarge { .. } => StatusCode::REQUESTED_SIZE_TOO_BIG,
            LargeObjectError::SizeMismatch { .. } => StatusCode::SIZE_MISMATCH,
            LargeObjectError::Interleaved | LargeObjectError::NothingToSplit => {
                StatusCode::BAD_REQUEST
            }
        }
    }
}

/// Splits `item`'s data into chunks of at most `max_chunk_bytes` bytes of character data
/// (never inside a UTF-8 character). Each chunk keeps the item's `Target`/`Source`; the first
/// carries the item's `Meta` plus `Size`; all but the last carry `MoreData`. An item that fits
/// is returned as one chunk without `MoreData`.
///
/// # Errors
/// [`LargeObjectError::NothingToSplit`] when the item has no data or `max_chunk_bytes` is 0.
pub fn split_item(item: &Item, max_chunk_bytes: usize) -> Result<Vec<Item>, LargeObjectError> {
    let data = item.data.as_ref().ok_or(LargeObjectError::NothingToSplit)?;
    if max_chunk_bytes == 0 {
        return Err(LargeObjectError::NothingToSplit);
    }
    let text = data.to_text();
    if text.len() <= max_chunk_bytes {
        return Ok(vec![item.clone()]);
    }
    let total = text.len() as u64;
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while !rest.is_empty() {
        let mut cut = max_chunk_bytes.min(rest.len());
        while cut > 0 && !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if cut == 0 {
            // A single character longer than the chunk size: take it whole.
            cut = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (head, tail) = rest.split_at(cut);
        let first = out.is_empty();
        let mut chunk = Item {
            target: item.target.clone(),
            source: item.source.clone(),
            meta: None,
            data: Some(Data::text(head)),
            more_data: !tail.is_empty(),
            other: Vec::new(),
        };
        if first {
            let mut meta = item.meta.clone().unwrap_or_default();
            meta.size = Some(total);
            chunk.meta = Some(meta);
            chunk.other = item.other.clone();
        }
        out.push(chunk);
        rest = tail;
    }
    Ok(out)
}

/// What [`Reassembler::push`] made of an item.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Not part of a large object: use it as it is.
    Whole,
    /// A chunk was stored; answer 213 and ask for the next message.
    Partial,
    /// The last chunk arrived: the reassembled item (its `Meta` from the first chunk).
    Complete(Box<Item>),
}

impl Chunk {
    /// The status to answer the item with: 213 for a stored chunk, 200 otherwise.
    #[must_use]
    pub fn status_code(&self) -> StatusCode {
        match self {
            Chunk::Partial => StatusCode::CHUNKED_ITEM_ACCEPTED,
            Chunk::Whole | Chunk::Complete(_) => StatusCode::OK,
        }
    }
}

#[derive(Debug, Clone)]
struct Pending {
    first: Item,
    announced: u64,
    text: String,
}

/// Reassembles one incoming large object at a time, with a size cap.
#[derive(Debug, Clone)]
pub struct Reassembler {
    cap: u64,
    pending: Option<Pending>,
}

fn node(item: &Item) -> Option<&str> {
    item.target
        .as_ref()
        .or(item.source.as_ref())
        .map(|l| l.loc_uri.as_str())
}

impl Reassembler {
    /// A reassembler that refuses objects above `cap_bytes`.
    #[must_use]
    pub fn new(cap_bytes: u64) -> Self {
        Reassembler {
            cap: cap_bytes,
            pending: None,
        }
    }

    /// Whether an object is incomplete.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Takes one received item.
    ///
    /// # Errors
    /// A [`LargeObjectError`] (answer the item with its [`status_code`](LargeObjectError::status_code));
    /// the pending object is discarded.
    pub fn push(&mut self, item: &Item) -> Result<Chunk, LargeObjectError> {
        let text = item.data.as_ref().map(Data::to_text).unwrap_or_default();
        if let Some(p) = &mut self.pending {
            if node(&p.first) != node(item) && node(item).is_some() {
                self.pending = None;
                return Err(LargeObjectError::Interleaved);
            }
            let size = (p.text.len() + text.len()) as u64;
            if size > self.cap || size > p.announced {
                let announced = p.announced;
                self.pending = None;
                return Err(if size > self.cap {
                    LargeObjectError::TooLarge {
                        size,
                        cap: self.cap,
                    }
                } else {
                    LargeObjectError::SizeMismatch {
                        announced,
                        actual: size,
                    }
                });
            }
            p.text.push_str(&text);
            if item.more_data {
                return Ok(Chunk::Partial);
            }
            let Some(p) = self.pending.take() else {
                return Ok(Chunk::Partial);
            };
            if p.text.len() as u64 != p.announced {
                return Err(LargeObjectError::SizeMismatch {
                    announced: p.announced,
                    actual: p.text.len() as u64,
                });
            }
            let mut whole = p.first;
            whole.data = Some(Data::text(&p.text));
            whole.more_data = false;
            return Ok(Chunk::Complete(Box::new(whole)));
        }
        if !item.more_data {
            return Ok(Chunk::Whole);
        }
        let announced = item
            .meta
            .as_ref()
            .and_then(|m| m.size)
            .ok_or(LargeObjectError::SizeMissing)?;
        if announced > self.cap {
            return Err(LargeObjectError::TooLarge {
                size: announced,
                cap: self.cap,
            });
        }
        if text.len() as u64 > announced {
            return Err(LargeObjectError::SizeMismatch {
                announced,
                actual: text.len() as u64,
            });
        }
        self.pending = Some(Pending {
            first: Item {
                data: None,
                ..item.clone()
            },
            announced,
            text: text.into_owned(),
        });
        Ok(Chunk::Partial)
    }

    /// The package ended (or a non-chunk arrived) while an object was incomplete: drops it and
    /// returns the `Alert 1225` ("no end of data") to send, addressed to its node.
    pub fn no_end_of_data(&mut self) -> Option<Alert> {
        let p = self.pending.take()?;
        let item = Item {
            target: p.first.target.clone(),
            source: p.first.source.clone(),
            meta: p.first.meta.as_ref().map(|m| Meta {
                size: m.size,
                ..Meta::default()
            }),
            ..Item::default()
        };
        Some(Alert::new(
            CmdId::default(),
            AlertCode::NO_END_OF_DATA,
            vec![item],
        ))
    }
}
