//! `cyclr sample`: text from a trained gpt run, with nanoGPT's `sample.py` semantics and defaults
//! (prompt "\n", 500 new characters, temperature 0.8, top-k 200, seed 1337); the generation is
//! the library's [`Gpt::generate`](cyclr_burn::Gpt::generate).
use burn::tensor::Device;
use cyclr_burn::{ModelKind, Net, RunDir, RunRecord};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::args::SampleArgs;
use crate::cmd::{report, setup};
use crate::error::{CliError, Result};

pub fn run(a: SampleArgs) -> Result<()> {
    let tokens = setup::positive("tokens", a.tokens)? as usize;
    let samples = setup::positive("samples", a.samples)?;
    if !(a.temperature.is_finite() && a.temperature > 0.0) {
        return Err(CliError::usage(format!(
            "--temperature {}: must be a positive number (the logits are divided by it; 1 \
             samples the model's own probabilities)",
            a.temperature
        )));
    }
    let top_k = match a.top_k {
        0 => None,
        k if k < 0 => {
            return Err(CliError::usage(format!(
                "--top-k {k}: give a positive count, or 0 for every character"
            )));
        }
        k => Some(k as usize),
    };
    let rec: RunRecord = RunDir::new(&a.run)
        .record()
        .map_err(|e| CliError::usage(format!("--run: {e}")))?
        .ok_or_else(|| {
            CliError::usage(format!(
                "--run {}: no {} there: give the folder of a `cyclr train --model gpt` run",
                a.run.display(),
                RunRecord::FILE
            ))
        })?;
    if rec.config.model != ModelKind::Gpt {
        return Err(CliError::usage(format!(
            "--run {}: a {} run; sample generates text from a gpt run (train one with --model \
             gpt on text)",
            a.run.display(),
            rec.config.model
        )));
    }
    let text = setup::load_text(&rec.dataset)?;
    let prompt = text.vocab.encode(&a.prompt).map_err(|c| {
        CliError::usage(format!(
            "--prompt: the character {c:?} is not in the run's vocabulary (the {} distinct \
             characters of {}); use only those",
            text.vocab.len(),
            text.name
        ))
    })?;
    if prompt.is_empty() {
        return Err(CliError::usage(
            "--prompt is empty: give at least one character (nanoGPT's default is a newline)",
        ));
    }
    let device = Device::flex();
    let model = cyclr_burn::train::load_text_model(&rec.config, &text, &a.run, &device)
        .map_err(|e| report::train_error(e, &a.run))?;
    let Net::Gpt(gpt) = model else {
        unreachable!("a gpt run's model is a gpt")
    };
    let mut rng = StdRng::seed_from_u64(a.seed);
    for i in 0..samples {
        let ids = gpt.generate(&prompt, tokens, a.temperature, top_k, &mut rng);
        outln!("{}", text.vocab.decode(&ids));
        if i + 1 < samples {
            outln!("---------------");
        }
    }
    Ok(())
}
