//! Fine-tuning: a GPT started from a pretrained run's model (`--init DIR`, `init` in
//! experiments; [`TrainConfig::init`]).
//!
//! `DIR` is a text run's folder (`cyclr train --model gpt --out DIR`): its `run.json` names its
//! data and shape, its newest valid checkpoint holds the model (for a schedule-free optimizer,
//! its evaluation point `x`, the model it was scored with). The new run's GPT is built as usual
//! from its seed, then every weight is taken from the pretrained model — except the rows of the
//! token embedding (tied to the output layer), which are **mapped by character**: a character
//! both vocabularies have gets the pretrained row; a character only the new text has keeps its
//! freshly initialised row (normal 0.02, nanoGPT's); pretrained characters the new text lacks are
//! dropped. Both models must have the same shape (layers, heads, width, context, bias; dropout may
//! differ): anything else is an error naming the first difference.
//!
//! The new run's identity includes `DIR`, so a run resumes only from the same start.
use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use cyclr_data::{TextSplit, Vocab};

use super::{RunRecord, TrainConfig, TrainError};
use crate::model::{Gpt, GptShape, ModelKind, Net};

/// What a fine-tuning run starts from: the pretrained run's record, its vocabulary, and how the
/// two vocabularies map.
#[derive(Debug, Clone)]
pub struct Pretrained {
    /// The pretrained run's record (`DIR/run.json`).
    pub record: RunRecord,
    /// Its text's vocabulary.
    pub vocab: Vocab,
    /// Characters of the new text the pretrained model lacks: their rows are fresh.
    pub new_chars: Vec<char>,
    /// Characters of the pretrained text the new one lacks: their rows are dropped.
    pub dropped_chars: Vec<char>,
}

fn bad(dir: &Path, why: impl std::fmt::Display) -> TrainError {
    TrainError::Config(format!("--init {}: {why}", dir.display()))
}

impl Pretrained {
    /// Reads `dir`'s record and vocabulary (not its weights) and checks that a GPT of `shape` on
    /// `text` can start from it.
    ///
    /// # Errors
    /// [`TrainError::Config`] naming `dir` and what is wrong: no run there, not a GPT, its data
    /// cannot be read, or its shape differs (the first differing key, both values).
    pub fn read(dir: &Path, shape: &GptShape, text: &TextSplit) -> Result<Pretrained, TrainError> {
        let record = RunRecord::read(dir)?.ok_or_else(|| {
            bad(
                dir,
                format!(
                    "no {} there: give the folder of a finished `cyclr train --model gpt` run",
                    RunRecord::FILE
                ),
            )
        })?;
        if record.config.model != ModelKind::Gpt {
            return Err(bad(
                dir,
                format!(
                    "a {} run; --init starts a gpt from a pretrained gpt",
                    record.config.model
                ),
            ));
        }
        let theirs = record.config.gpt.unwrap_or_default();
        let differs = [
            ("layers", theirs.layers, shape.layers),
            ("heads", theirs.heads, shape.heads),
            ("width", theirs.width, shape.width),
            ("context", theirs.context, shape.context),
            ("bias", usize::from(theirs.bias), usize::from(shape.bias)),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b);
        if let Some((key, a, b)) = differs {
            let (a, b) = if key == "bias" {
                ((a == 1).to_string(), (b == 1).to_string())
            } else {
                (a.to_string(), b.to_string())
            };
            return Err(bad(
                dir,
                format!(
                    "a gpt of another shape: --{key} {a} there, {b} here (layers, heads, width, \
                     context and bias must match; dropout may differ)"
                ),
            ));
        }
        let theirs_text = record
            .dataset
            .load_text()
            .map_err(|e| bad(dir, format!("its data {}: {e}", record.dataset)))?;
        let vocab = theirs_text.vocab;
        let new_chars = text
            .vocab
            .chars
            .iter()
            .copied()
            .filter(|&c| vocab.id(c).is_none())
            .collect();
        let dropped_chars = vocab
            .chars
            .iter()
            .copied()
            .filter(|&c| text.vocab.id(c).is_none())
            .collect();
        Ok(Pretrained {
            record,
            vocab,
            new_chars,
            dropped_chars,
        })
    }

    /// One line for the user: where the weights come from and how the vocabularies map, e.g.
    /// `init: out/fortunes (gpt trained on fortunes); vocabulary: 65 characters here, 60 from
    /// it, 5 new with fresh rows: 'x' 'y' …; 12 of its characters unused`.
    pub fn describe(&self, dir: &Path, here: &Vocab) -> String {
        let show = |cs: &[char]| -> String {
            let mut s: Vec<String> = cs.iter().take(12).map(|c| format!("{c:?}")).collect();
            if cs.len() > 12 {
                s.push(format!("… ({} in all)", cs.len()));
            }
            s.join(" ")
        };
        let mut line = format!(
            "init: {} (a gpt trained on {}); vocabulary: {} characters here, {} from it",
            dir.display(),
            self.record.dataset.name(),
            here.len(),
            here.len() - self.new_chars.len()
        );
        if !self.new_chars.is_empty() {
            line.push_str(&format!(
                ", {} new with fresh rows: {}",
                self.new_chars.len(),
                show(&self.new_chars)
            ));
        }
        if !self.dropped_chars.is_empty() {
            line.push_str(&format!(
                "; {} of its characters unused: {}",
                self.dropped_chars.len(),
                show(&self.dropped_chars)
            ));
        }
        line
    }

    /// `fresh` (the new run's GPT, initialised from its seed) with the pretrained weights of
    /// `dir` loaded into it (see the [module documentation](self)).
    pub fn load_into(
        &self,
        dir: &Path,
        fresh: Gpt,
        here: &Vocab,
        device: &Device,
    ) -> Result<Gpt, TrainError> {
        let theirs_text = self
            .record
            .dataset
            .load_text()
            .map_err(|e| bad(dir, format!("its data {}: {e}", self.record.dataset)))?;
        let pre = match super::load_text_model(&self.record.config, &theirs_text, dir, device)
            .map_err(|e| bad(dir, e))?
        {
            Net::Gpt(g) => g,
            _ => unreachable!("a text run's model is a gpt"),
        };
        // The token rows, mapped by character.
        let fresh_wte = fresh.wte.weight.val();
        let [rows, width] = fresh_wte.dims();
        let mine: Vec<f32> = fresh_wte.into_data().try_to_vec().expect("f32 weights");
        let theirs: Vec<f32> = pre
            .wte
            .weight
            .val()
            .into_data()
            .try_to_vec()
            .expect("f32 weights");
        let mut mapped = mine;
        for (i, &c) in here.chars.iter().enumerate() {
            if let Some(j) = self.vocab.id(c) {
                let j = usize::from(j);
                mapped[i * width..(i + 1) * width]
                    .copy_from_slice(&theirs[j * width..(j + 1) * width]);
            }
        }
        let wte = Tensor::<2>::from_data(TensorData::new(mapped, [rows, width]), device);
        Ok(fresh.with_weights(pre, wte))
    }
}

/// The GPT a text run (or its range test) starts from: `cfg`'s shape on `text`'s vocabulary,
/// initialised from `seed`, then loaded from `init` if given (see the
/// [module documentation](self)).
pub fn start_gpt(
    shape: &GptShape,
    text: &TextSplit,
    seed: u64,
    init: Option<&Path>,
    device: &Device,
) -> Result<Gpt, TrainError> {
    let fresh = Gpt::new(&shape.config(text.vocab.len()), seed, device);
    match init {
        None => Ok(fresh),
        Some(dir) => Pretrained::read(dir, shape, text)?.load_into(dir, fresh, &text.vocab, device),
    }
}

/// [`start_gpt`] for a training configuration.
pub(super) fn start_model(
    cfg: &TrainConfig,
    text: &TextSplit,
    device: &Device,
) -> Result<Gpt, TrainError> {
    start_gpt(
        &cfg.gpt.unwrap_or_default(),
        text,
        cfg.seed,
        cfg.init.as_deref(),
        device,
    )
}
