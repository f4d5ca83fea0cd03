//! Character-level text datasets (`text:PATH`, `shakespeare`) with exactly the semantics of
//! nanoGPT's `data/shakespeare_char/prepare.py` and of the sampling in its `train.py`.
//!
//! - **Characters** are Unicode scalar values, the elements of a Python `str` (`len()`
//!   counts code points, not bytes). Nothing is normalised: `\r`, tabs, a byte-order mark
//!   are characters like any other.
//! - **Vocabulary** ([`Vocab`]): the distinct characters of the whole text, sorted by code
//!   point (Python's `sorted(list(set(data)))`); a character's token id is its index
//!   (`stoi`), a `u16`, so a text may have at most [`MAX_VOCAB`] distinct characters.
//! - **Split** ([`TextSplit`]): with `n` characters, the first `int(n × 0.9)` (the product
//!   computed in `f64` and truncated, as Python does) are the training part, the rest the
//!   test part (nanoGPT's `val`). Both are encoded with the vocabulary of the whole text.
//! - **Batches** ([`text_batch`]): nanoGPT's `get_batch`: `batch_size` offsets `i` uniform
//!   in `0 .. len − context` (`torch.randint`'s exclusive bound), inputs
//!   `tokens[i .. i + context]`, targets one character further on. The offsets come from a
//!   ChaCha8 generator keyed by the seed and [`TEXT_BATCH_KEY_TAG`], on stream `iteration`,
//!   so batch `t` depends only on `(seed, t)`: a resumed run draws the same batches.
//! - **Full pass** ([`full_pass_windows`]): consecutive non-overlapping windows that
//!   predict every character after the first exactly once (the exact test loss).
//! - **Validation** ([`TextSplit::validation_tail`]): the contiguous tail of the training
//!   part, never windows scattered through it.
//! - **Baseline** ([`TextSplit::char_frequencies_loss`]): the test loss, in nats per
//!   character, of predicting every character with its training-part frequency.
//!
//! A text file may be gzip-compressed (it is then decompressed first, like the IDX files):
//! a gzip stream never is valid UTF-8 text, so nothing else is affected.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{DataError, below, chacha_tagged, maybe_gunzip};

/// `input.txt` of tinyshakespeare, `gzip -9n` (see `data/tinyshakespeare/README.md`).
static SHAKESPEARE_GZ: &[u8] = include_bytes!("../data/tinyshakespeare/input.txt.gz");

/// Name of the embedded file, used in error messages.
const SHAKESPEARE_WHAT: &str = "embedded tinyshakespeare input.txt.gz";

/// SHA-256 (lower-case hex) of the decompressed embedded tinyshakespeare text, the
/// `input.txt` of Karpathy's char-rnn; checked every time it is loaded.
pub const SHAKESPEARE_SHA256: &str =
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";

/// Characters in the embedded tinyshakespeare text (all ASCII, so also its bytes).
pub const SHAKESPEARE_LEN: usize = 1_115_394;

/// The fraction of the characters (the first ones) that make the training part.
pub const TEXT_TRAIN_FRACTION: f64 = 0.9;

/// Most distinct characters a text may have: token ids are `u16`.
pub const MAX_VOCAB: usize = 65_535;

/// The 10 bytes after the seed in the ChaCha8 key of [`text_batch`]. The image code's
/// generators (the shuffles of `batches`, the splits) use `cyclr-data` there, so no stream
/// of this key is ever one of theirs, whatever the iteration and epoch numbers.
pub const TEXT_BATCH_KEY_TAG: &[u8; 10] = b"cyclr-text";

/// The vocabulary of a text: its distinct characters, sorted by code point. The token id of
/// a character is its index in `chars`.
///
/// Serialized as the string of its characters (`"\n !$&',-.3:;?AB…"`); deserializing
/// checks that they are strictly increasing and at most [`MAX_VOCAB`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Vocab {
    /// The characters, strictly increasing (sorted by code point, no repeats).
    pub chars: Vec<char>,
}

impl Vocab {
    /// Number of characters (the model's vocabulary size).
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether there are no characters (never, for a loaded text).
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The token id of `c`, or `None` if `c` is not in the vocabulary.
    pub fn id(&self, c: char) -> Option<u16> {
        let i = self.chars.binary_search(&c).ok()?;
        u16::try_from(i).ok()
    }

    /// The token ids of the characters of `s`.
    ///
    /// # Errors
    /// The first character of `s` that is not in the vocabulary.
    pub fn encode(&self, s: &str) -> Result<Vec<u16>, char> {
        s.chars().map(|c| self.id(c).ok_or(c)).collect()
    }

    /// The characters of `ids`; an id of [`Vocab::len`] or more becomes U+FFFD (`�`).
    pub fn decode(&self, ids: &[u16]) -> String {
        ids.iter()
            .map(|&i| {
                self.chars
                    .get(usize::from(i))
                    .copied()
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect()
    }
}

impl From<Vocab> for String {
    fn from(v: Vocab) -> String {
        v.chars.into_iter().collect()
    }
}

impl TryFrom<String> for Vocab {
    type Error = DataError;

    /// The vocabulary whose characters are those of `s`, which must be strictly increasing
    /// and at most [`MAX_VOCAB`].
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let chars: Vec<char> = s.chars().collect();
        let bad = |detail: String| DataError::BadText {
            what: "vocabulary".to_owned(),
            detail,
        };
        if chars.len() > MAX_VOCAB {
            return Err(bad(format!(
                "{} characters, more than {MAX_VOCAB}",
                chars.len()
            )));
        }
        if let Some(w) = chars.windows(2).find(|w| w[0] >= w[1]) {
            return Err(bad(format!(
                "characters must be strictly increasing, but {:?} is followed by {:?}",
                w[0], w[1]
            )));
        }
        Ok(Vocab { chars })
    }
}

/// A text dataset, encoded and split as nanoGPT's `shakespeare_char`: the first 90 % of the
/// characters are `train`, the last 10 % `test` (see the [module docs](self)).
#[derive(Clone, PartialEq)]
pub struct TextSplit {
    /// Short dataset name ([`crate::DatasetSpec::name`]: the file name, or `shakespeare`).
    pub name: String,
    /// The file as named in error messages: its path, or `embedded tinyshakespeare
    /// input.txt.gz`.
    pub what: String,
    /// Where the data came from, for reports, e.g. "embedded tinyshakespeare (1,115,394
    /// characters, 65 distinct, public domain): …".
    pub source: String,
    /// The vocabulary of the whole text.
    pub vocab: Vocab,
    /// Token ids of the first `int(n × 0.9)` characters.
    pub train: Vec<u16>,
    /// Token ids of the other characters (nanoGPT's `val`).
    pub test: Vec<u16>,
}

impl std::fmt::Debug for TextSplit {
    /// A summary (the token ids of a real text run to millions).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextSplit")
            .field("name", &self.name)
            .field("what", &self.what)
            .field("vocab", &String::from(self.vocab.clone()))
            .field("train_len", &self.train.len())
            .field("test_len", &self.test.len())
            .finish_non_exhaustive()
    }
}

impl TextSplit {
    /// Checks that the text is long enough for training with windows of `context`
    /// characters: the training part needs at least `context + 2` characters (a window, its
    /// targets one further on, and more than one place to start), the test part at least
    /// `context + 1` (one full window with its targets). `context` 0 is not rejected here.
    ///
    /// # Errors
    /// [`DataError::TextTooShort`] (the training part is checked first), naming the file, the
    /// part, its length, and the fix: the smallest text length whose two parts are both long
    /// enough for `context`, and the largest context this text's two parts allow (if any).
    pub fn check_context(&self, context: usize) -> Result<(), DataError> {
        let parts = [
            (&self.train, "training part (the first 90%)", 2),
            (&self.test, "test part (the last 10%)", 1),
        ];
        for (tokens, part, extra) in parts {
            let (len, needed) = (tokens.len(), context.saturating_add(extra));
            if len >= needed {
                continue;
            }
            // The fix must satisfy both parts, not just the one that failed first.
            let file = min_text_len(context.saturating_add(2), true)
                .max(min_text_len(context.saturating_add(1), false));
            let max_context = self
                .train
                .len()
                .saturating_sub(2)
                .min(self.test.len().saturating_sub(1));
            let mut fix = format!("use a text of at least {} characters", thousands(file));
            if max_context > 0 {
                fix += &format!(" or a smaller --context (at most {max_context})");
            }
            return Err(DataError::TextTooShort {
                what: self.what.clone(),
                part,
                len,
                context,
                needed,
                fix,
            });
        }
        Ok(())
    }

    /// `(train part, validation part)`: the validation part is the contiguous tail of the
    /// training tokens, `round(len × fraction)` of them (clamped to `0 ..= len`; `fraction`
    /// is meant to be in (0, 1)), the train part the rest, in order.
    ///
    /// Why a tail and not windows drawn from all over the training text: windows overlap
    /// their neighbours, so a held-out window in the middle of the text shares all but a few
    /// characters with the training windows on either side, and the validation loss would
    /// measure memorisation. A contiguous tail shares nothing with the rest but the one
    /// boundary, as the test part (the last 10 % of the file) does with the training part.
    pub fn validation_tail(&self, fraction: f64) -> (Vec<u16>, Vec<u16>) {
        let n = self.train.len();
        // `as` saturates: a negative or NaN fraction gives 0.
        let held = ((n as f64 * fraction).round() as usize).min(n);
        let (train, val) = self.train.split_at(n - held);
        (train.to_vec(), val.to_vec())
    }

    /// The "did not learn" reference of a text run: the cross-entropy, in nats per
    /// character, on the test part of the unigram model fitted on the training part, with
    /// add-one (Laplace) smoothing over the whole vocabulary:
    /// `p(c) = (count_train(c) + 1) / (train_len + vocab_len)`, so a character absent from
    /// the training part still gets a finite loss. (The uniform guess, `ln vocab_len`, is
    /// higher still.) NaN if the test part is empty (never for a loaded text); test tokens
    /// outside the vocabulary count as absent from the training part.
    pub fn char_frequencies_loss(&self) -> f64 {
        let v = self.vocab.len();
        let mut counts = vec![0u64; v];
        for &t in &self.train {
            if let Some(c) = counts.get_mut(usize::from(t)) {
                *c += 1;
            }
        }
        let total = self.train.len() as f64 + v as f64;
        let nll: Vec<f64> = counts
            .iter()
            .map(|&c| -((c as f64 + 1.0) / total).ln())
            .collect();
        let absent = -(1.0 / total).ln();
        let sum: f64 = self
            .test
            .iter()
            .map(|&t| nll.get(usize::from(t)).copied().unwrap_or(absent))
            .sum();
        sum / self.test.len() as f64
    }
}

/// The smallest text length whose training part (`train`) or test part has `needed`
/// characters. Both part lengths grow by 0 or 1 with each character, so the first length
/// that works, counting up from a lower bound, is the smallest.
fn min_text_len(needed: usize, train: bool) -> usize {
    let part = |n: usize| {
        let cut = train_len(n);
        if train { cut } else { n - cut }
    };
    // Lower bounds: the training part is at most n, the test part at most n / 10 + 1.
    let mut n = if train {
        needed
    } else {
        needed.saturating_sub(2).saturating_mul(10)
    };
    while part(n) < needed {
        n += 1;
    }
    n
}

/// Characters in the training part of a text of `n` characters: Python's `int(n*0.9)`.
fn train_len(n: usize) -> usize {
    (n as f64 * TEXT_TRAIN_FRACTION) as usize
}

/// `n` with a comma every three digits (1,115,394).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The vocabulary of `text` and the token ids of all of it.
fn encode_text(text: &str, what: &str) -> Result<(Vocab, Vec<u16>), DataError> {
    if text.is_empty() {
        return Err(DataError::BadText {
            what: what.to_owned(),
            detail: "the file is empty: there is no text to train on".to_owned(),
        });
    }
    let mut seen = vec![false; 0x11_0000];
    for c in text.chars() {
        seen[c as usize] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    if distinct > MAX_VOCAB {
        return Err(DataError::BadText {
            what: what.to_owned(),
            detail: format!(
                "{} distinct characters, more than the {} a token id (u16) can number; \
                 use a text with fewer distinct characters",
                thousands(distinct),
                thousands(MAX_VOCAB)
            ),
        });
    }
    // Ascending code points, so sorted as `sorted(set(data))`; every index fits a u16.
    let chars: Vec<char> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .filter_map(|(c, _)| char::from_u32(c as u32))
        .collect();
    let mut table = vec![0u16; 0x11_0000];
    for (id, &c) in chars.iter().enumerate() {
        table[c as usize] = id as u16;
    }
    let ids = text.chars().map(|c| table[c as usize]).collect();
    Ok((Vocab { chars }, ids))
}

/// Splits `text` as nanoGPT does; `source` gets the counts (and `note`) appended.
fn split_text(
    text: &str,
    what: &str,
    name: &str,
    source: &str,
    note: &str,
) -> Result<TextSplit, DataError> {
    let (vocab, mut train) = encode_text(text, what)?;
    let n = train.len();
    let test = train.split_off(train_len(n));
    let source = format!(
        "{source} ({} characters, {} distinct{note}): first 90% train ({}) / last 10% test \
         ({}), as nanoGPT's shakespeare_char",
        thousands(n),
        vocab.len(),
        thousands(train.len()),
        thousands(test.len()),
    );
    Ok(TextSplit {
        name: name.to_owned(),
        what: what.to_owned(),
        source,
        vocab,
        train,
        test,
    })
}

/// `bytes` as UTF-8 text, or an error naming the file and the byte offset of the first
/// invalid byte (`gz`: the offset is in the decompressed text).
fn utf8<'a>(bytes: &'a [u8], what: &str, gz: bool) -> Result<&'a str, DataError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let of = if gz { " of the decompressed text" } else { "" };
        let problem = match e.error_len() {
            Some(_) => format!(
                "byte 0x{:02X} at byte offset {offset}{of} is not valid UTF-8",
                bytes[offset]
            ),
            None => {
                format!("the text ends inside a multi-byte character at byte offset {offset}{of}")
            }
        };
        DataError::BadText {
            what: what.to_owned(),
            detail: format!(
                "not UTF-8 text: {problem}; convert it to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)"
            ),
        }
    })
}

/// Parses a text dataset from the bytes of a file: gunzips them if they start with the gzip
/// magic, decodes UTF-8, builds the vocabulary and splits the token ids 90/10 (see the
/// [module docs](self)). `what` names the file in errors and is the [`TextSplit::name`].
///
/// Never panics, whatever the input.
///
/// # Errors
/// [`DataError::Gzip`] / [`DataError::TooLarge`] for a bad gzip stream;
/// [`DataError::BadText`] if the text is not UTF-8 (with the byte offset of the first
/// invalid byte), is empty, or has more than [`MAX_VOCAB`] distinct characters.
pub fn parse_text(bytes: &[u8], what: &str) -> Result<TextSplit, DataError> {
    let gz = bytes.starts_with(&crate::gz::GZIP_MAGIC);
    let unzipped;
    let bytes = if gz {
        unzipped = maybe_gunzip(bytes, what)?;
        &unzipped[..]
    } else {
        bytes
    };
    split_text(utf8(bytes, what, gz)?, what, what, what, "")
}

/// The embedded tinyshakespeare text, decompressed and checked against
/// [`SHAKESPEARE_SHA256`].
///
/// # Errors
/// [`DataError::ChecksumMismatch`] (or a gzip error) if the embedded copy is corrupt.
pub fn shakespeare_text() -> Result<String, DataError> {
    let bytes = maybe_gunzip(SHAKESPEARE_GZ, SHAKESPEARE_WHAT)?;
    let actual: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != SHAKESPEARE_SHA256 {
        return Err(DataError::ChecksumMismatch {
            what: SHAKESPEARE_WHAT.to_owned(),
            expected: SHAKESPEARE_SHA256.to_owned(),
            actual,
        });
    }
    Ok(utf8(&bytes, SHAKESPEARE_WHAT, true)?.to_owned())
}

/// Loads the embedded tinyshakespeare ([`crate::DatasetSpec::Shakespeare`]).
pub(crate) fn load_shakespeare() -> Result<TextSplit, DataError> {
    let text = shakespeare_text()?;
    split_text(
        &text,
        SHAKESPEARE_WHAT,
        "shakespeare",
        "embedded tinyshakespeare",
        ", public domain",
    )
}

/// Loads a `text:PATH` dataset named `name`.
pub(crate) fn load_text_file(path: &Path, name: &str) -> Result<TextSplit, DataError> {
    let what = path.display().to_string();
    if path.is_dir() {
        return Err(DataError::BadText {
            what,
            detail: "is a directory; text:PATH needs a UTF-8 text file".to_owned(),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| match DataError::io(path, e) {
        DataError::NotFound { path, .. } => DataError::NotFound {
            path,
            hint: Some(
                "text:PATH needs an existing UTF-8 text file (or use the embedded shakespeare)"
                    .to_owned(),
            ),
        },
        other => other,
    })?;
    let mut split = parse_text(&bytes, &what)?;
    split.name = name.to_owned();
    split.source = format!("text file {}", split.source);
    Ok(split)
}

/// nanoGPT's `get_batch` on `tokens`: `(x, y)`, each `batch_size × context` token ids,
/// row-major. Row `b` is `x = tokens[i .. i + context]`, `y = tokens[i + 1 .. i + 1 +
/// context]` for the `b`-th offset of [`text_batch_offsets`] (uniform in
/// `0 .. tokens.len() − context`).
///
/// Deterministic: batch `iteration` depends only on `(seed, iteration)` (and the tokens),
/// so a run resumed at iteration `t` draws the batches it would have drawn.
///
/// # Panics
/// If `tokens.len() <= context` (use [`TextSplit::check_context`] first).
pub fn text_batch(
    tokens: &[u16],
    batch_size: usize,
    context: usize,
    seed: u64,
    iteration: u64,
) -> (Vec<u16>, Vec<u16>) {
    let offsets = text_batch_offsets(tokens.len(), batch_size, context, seed, iteration);
    let mut x = Vec::with_capacity(batch_size * context);
    let mut y = Vec::with_capacity(batch_size * context);
    for i in offsets {
        x.extend_from_slice(&tokens[i..i + context]);
        y.extend_from_slice(&tokens[i + 1..i + 1 + context]);
    }
    (x, y)
}

/// The `batch_size` window offsets of [`text_batch`] for a text of `len` tokens: uniform in
/// `0 .. len − context` (exclusive, as `torch.randint(len - context, …)`), drawn in order
/// with the crate's unbiased bounded draw from a ChaCha8 generator whose key is the 8
/// little-endian bytes of `seed` followed by [`TEXT_BATCH_KEY_TAG`] (`cyclr-text`), on
/// stream `iteration`. The key differs from that of every other generator in the crate
/// (theirs end in `cyclr-data`), so these offsets are independent of the epoch shuffles of
/// [`crate::batches`] even where an epoch number equals an iteration number.
///
/// # Panics
/// If `len <= context`.
pub fn text_batch_offsets(
    len: usize,
    batch_size: usize,
    context: usize,
    seed: u64,
    iteration: u64,
) -> Vec<usize> {
    assert!(
        len > context,
        "text_batch: {len} tokens are too few for windows of {context} with their targets"
    );
    let bound = (len - context) as u64;
    let mut rng = chacha_tagged(seed, TEXT_BATCH_KEY_TAG, iteration);
    (0..batch_size)
        .map(|_| below(&mut rng, bound) as usize)
        .collect()
}

/// `(start, length)` of the windows of a full pass over `len` tokens: consecutive and
/// non-overlapping, starting at 0, `context`, `2·context`, …; window `(s, l)` feeds
/// `tokens[s .. s + l]` and predicts `tokens[s + 1 ..= s + l]`. Every length is `context`
/// except a shorter last one, and the lengths add up to `len − 1`: every token but the
/// first is predicted exactly once. Empty if `len < 2`.
///
/// # Panics
/// If `context` is 0.
pub fn full_pass_windows(len: usize, context: usize) -> Vec<(usize, usize)> {
    assert!(context > 0, "full_pass_windows: context must be at least 1");
    let targets = len.saturating_sub(1);
    (0..targets)
        .step_by(context)
        .map(|s| (s, context.min(targets - s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        for (n, s) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (65_535, "65,535"),
            (1_115_394, "1,115,394"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn min_text_len_is_the_smallest() {
        for needed in 0..200 {
            for train in [true, false] {
                let n = min_text_len(needed, train);
                let part = |n: usize| {
                    if train {
                        train_len(n)
                    } else {
                        n - train_len(n)
                    }
                };
                assert!(part(n) >= needed, "{needed} {train}");
                assert!(n == 0 || part(n - 1) < needed, "{needed} {train}: {n}");
            }
        }
    }

    #[test]
    fn train_len_is_pythons_int_n_times_0_9() {
        // python3: [int(n*0.9) for n in (0, 1, 9, 10, 11, 12, 19, 20, 1115394)]
        let want = [0, 0, 8, 9, 9, 10, 17, 18, 1_003_854];
        for (n, w) in [0, 1, 9, 10, 11, 12, 19, 20, 1_115_394]
            .into_iter()
            .zip(want)
        {
            assert_eq!(train_len(n), w, "{n}");
        }
    }

    #[test]
    fn batch_streams_use_their_own_key() {
        // The same (seed, stream) on the image key gives other numbers.
        use rand::RngCore;
        let mut a = chacha_tagged(5, TEXT_BATCH_KEY_TAG, 3);
        let mut b = crate::chacha(5, 3);
        assert_ne!(a.next_u64(), b.next_u64());
    }
}
