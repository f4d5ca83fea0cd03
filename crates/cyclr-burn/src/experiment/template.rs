//! [`template`]: a commented experiment file holding every key an [`Experiment`] reads, with
//! its default — what `cyclr compare --template` prints.
//!
//! The lists in it (datasets, models, devices, every optimizer with its keys and defaults, every
//! schedule policy with its keys) are generated from the types that parse them, so the template
//! cannot fall behind the parser; a test parses it, parses it again with every optional key
//! switched on, and checks that every key the experiment serialises is named in it.
use std::fmt::Write;

use cyclr::schedule::{Policy, policy::AutoLr};

use super::RangeTestSpec;
use crate::OptimizerConfig;

/// One optimizer's keys and defaults as an inline TOML table (`{ kind = "adam", beta1 = 0.9, … }`):
/// the keys its configuration has that this name accepts (`nesterov` and `adamw` are `sgd` and
/// `adam` with one key fixed, which they do not take).
fn optimizer_line(name: &str) -> String {
    let o = OptimizerConfig::from_name(name).expect("every name parses");
    let table = toml::Table::try_from(&o).expect("an optimizer is a TOML table");
    let json = serde_json::to_value(&o).expect("an optimizer is a JSON object");
    let mut parts = vec![format!("kind = {name:?}")];
    parts.extend(
        table
            .iter()
            .filter(|(k, _)| {
                let mut one = serde_json::Map::new();
                one.insert(k.to_string(), json[k.as_str()].clone());
                *k != "kind" && OptimizerConfig::from_name_with(name, &one).is_ok()
            })
            .map(|(k, v)| format!("{k} = {v}")),
    );
    // Keys the serialized form leaves out at their default (Adam's nanoGPT groups switch).
    if let OptimizerConfig::Adam(c) = &o
        && !table.contains_key("decay_vectors")
    {
        parts.push(format!("decay_vectors = {}", c.decay_vectors));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn auto_word(a: AutoLr) -> &'static str {
    match a {
        AutoLr::Base => "the CLR lower bound",
        AutoLr::Max => "the CLR upper bound",
        AutoLr::Fixed => "the fixed-LR pick",
        AutoLr::OneCyclePeak => "the one-cycle peak",
    }
}

/// The commented template (valid TOML: it parses as an [`Experiment`] as printed). Lines that
/// start with `#? ` are optional keys at their defaults: remove the `#? ` to set one.
pub fn template() -> String {
    let rt = RangeTestSpec::default();
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "# A cyclr experiment: every run x seed (x budget) trained on one dataset and model, then\n\
         # the table, plots and report. Run it with\n\
         #   cyclr compare --config THIS.toml [--out DIR] [--jobs N]\n\
         # Lines starting `#? ` are optional keys at their defaults: remove the `#? ` to set one.\n\
         # Unknown keys are errors.\n\
         \n\
         # Short name: letters, digits, -, _, . (the default --out is out/compare/<name>).\n\
         name = \"my-experiment\"\n\
         #? description = \"\"\n\
         # Dataset: {datasets}\n\
         dataset = \"digits\"\n\
         # Model: {models}\n\
         model = \"mlp\"\n\
         #? activation = \"relu\"       # relu | sigmoid\n\
         #? batch_norm = false         # batch norm after every hidden layer\n\
         #? kernels = \"cyclr\"         # {kernels} (conv / max-pool kernels)\n\
         #? device = \"cpu\"            # {devices} (GPU ones need a build with that feature)\n\
         #? batch_size = {batch}\n\
         # Iterations of every run at the full budget (a run may override it).\n\
         iters = 600\n\
         #? eval_every = {eval_every}  # evaluate the test split every K iterations (and after the last)\n\
         # Seeds (weights and data order): every run trains once per seed.\n\
         seeds = [0, 1, 2]\n\
         # The run (or runs: a list; the strongest is used) the others are measured against.\n\
         baseline = \"fixed\"\n\
         # Training budgets, fractions of iters in (0, 1]: every run x seed once per budget, its\n\
         # schedule planned for that length.\n\
         #? budgets = [0.25, 0.5, 1.0]\n\
         # Fraction of the training set held out for validation (default: none, or 0.1 when a\n\
         # run has a grid; grid winners are picked on it, never on the test set).\n\
         #? validation = 0.1\n\
         # Schedule-free optimizers with batch norm: training batches run before each evaluation.\n\
         #? bn_recalibration = {bn}\n",
        datasets = cyclr_data::VALID_FORMS,
        models = crate::model::MODEL_NAMES.replace(", ", " | "),
        kernels = crate::kernels::KERNEL_NAMES.replace(", ", " | "),
        devices = crate::devices::DEVICE_NAMES.replace(", ", " | "),
        batch = crate::train::DEFAULT_BATCH_SIZE,
        eval_every = crate::train::DEFAULT_EVAL_EVERY,
        bn = crate::train::SCHEDULE_FREE_BN_BATCHES,
    );
    let g = crate::model::GptShape::default();
    let _ = writeln!(
        w,
        "# A GPT on text (model = \"gpt\", dataset = \"shakespeare\" or \"text:FILE\"): every figure\n\
         # is then the test loss in nats per character, lower is better; a validation split is\n\
         # the tail of the training text. Its keys (nanoGPT's CPU config by default):\n\
         #   [gpt] layers = {layers}, heads = {heads}, width = {width}, context = {context}, dropout = {dropout:?}, bias = {bias}\n\
         #   grad_clip = 1.0        # clip the gradients to this global norm (any model)\n\
         #   init = \"DIR\"          # fine-tuning: start from the pretrained gpt run in DIR\n\
         #   layer_lr_decay = {{ factor = 0.385, tied = \"top\" }}  # block i of L at factor^(L-1-i); tied: top | bottom\n",
        layers = g.layers,
        heads = g.heads,
        width = g.width,
        context = g.context,
        dropout = g.dropout,
        bias = g.bias,
    );
    let _ = writeln!(
        w,
        "# The optimizer of every run (a run may override it with its own `optimizer = {{ ... }}`).\n\
         # Every kind with its keys at their defaults:"
    );
    for name in OptimizerConfig::NAMES {
        let _ = writeln!(w, "#   {}", optimizer_line(name));
    }
    let _ = writeln!(
        w,
        "[optimizer]\n\
         kind = \"sgd\"\n\
         momentum = 0.9\n\
         #? nesterov = false\n\
         #? weight_decay = 0.0\n\
         \n\
         # The range test of the `auto_lr` runs (one per distinct optimizer, shared by every run,\n\
         # seed and budget). Defaults: cyclr's calibrated sweep.\n\
         [range_test]\n\
         #? start_lr = {start:e}\n\
         #? end_lr = {end:e}\n\
         #? iters = {iters}\n\
         #? seed = {seed}\n\
         #? seeds = [0, 1, 2]        # several tests, the runs train with each rate's median\n\
         #? warmup_it = 200          # steps at start_lr before the sweep, not recorded\n",
        start = rt.start_lr,
        end = rt.end_lr,
        iters = rt.iters,
        seed = rt.seed,
    );
    let _ = writeln!(
        w,
        "# The runs, one [[run]] table each. `schedule` is a policy and its keys (the flags of\n\
         # `cyclr schedule`, snake_case); `auto_lr = true` fills the learning rates it leaves out\n\
         # from the range test. Every policy, its required keys [and what auto_lr fills them\n\
         # with] and its optional keys:"
    );
    for p in Policy::ALL {
        let auto: Vec<String> = p
            .auto_keys()
            .iter()
            .map(|(k, a)| format!("{k}: {}", auto_word(*a)))
            .collect();
        let _ = writeln!(
            w,
            "#   {}: {}{}; optional: {}",
            p.as_str(),
            p.required_keys().join(", "),
            if auto.is_empty() {
                String::new()
            } else {
                format!(" [auto_lr: {}]", auto.join(", "))
            },
            p.optional_keys().join(", ")
        );
    }
    let _ = writeln!(
        w,
        "\n[[run]]\n\
         # Row name: letters, digits, -, _, .\n\
         name = \"fixed\"\n\
         schedule = {{ policy = \"fixed\", lr = 0.05 }}\n\
         #? iters = 600                 # override of the experiment's iters\n\
         #? optimizer = {{ kind = \"adam\" }}  # override of the experiment's optimizer\n\
         \n\
         [[run]]\n\
         name = \"one-cycle\"\n\
         auto_lr = true\n\
         schedule = {{ policy = \"one-cycle\" }}\n\
         \n\
         [[run]]\n\
         name = \"triangular2\"\n\
         auto_lr = true\n\
         # Cyclical step size in epochs (instead of the schedule's step_size in iterations;\n\
         # default: 4 epochs, at most half the run).\n\
         #? step_epochs = 4.0\n\
         schedule = {{ policy = \"triangular2\" }}\n\
         # Weight averaging: the run is scored by its average (here SWA at each cycle's end, from\n\
         # 75% of the run; or {{ kind = \"ema\", decay = 0.999 }}). Keys: kind (swa | ema |\n\
         # ema-warmup), decay, start, every (N | \"cycle\"), swa_lr, swa_anneal_iters,\n\
         # swa_anneal_strategy (cos | linear), ema_warmup_gamma, ema_warmup_power.\n\
         #? average = {{ kind = \"swa\", every = \"cycle\" }}\n\
         \n\
         [[run]]\n\
         # A learning-rate-free optimizer: its defaults, no range test.\n\
         name = \"adamw-schedulefree\"\n\
         optimizer = {{ kind = \"adamw-schedulefree\" }}\n\
         schedule = {{ policy = \"fixed\", lr = {sf_lr} }}\n\
         \n\
         # A grid search over one schedule key: one run per value (named fixed-grid_at_<value>),\n\
         # the pick made on the validation split.\n\
         #? [[run]]\n\
         #? name = \"fixed-grid\"\n\
         #? schedule = {{ policy = \"fixed\" }}\n\
         #? grid = {{ lr = [0.025, 0.05, 0.1] }}",
        sf_lr = OptimizerConfig::from_name("adamw-schedulefree")
            .expect("a name")
            .default_lr()
            .expect("schedule-free has a default lr"),
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Experiment;

    /// The template with every `#? ` line switched on.
    fn all_on(t: &str) -> String {
        t.lines()
            .map(|l| l.strip_prefix("#? ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_template_parses_as_printed_and_with_every_optional_key_on() {
        let t = template();
        let e = Experiment::from_toml(&t).unwrap();
        assert_eq!(e.runs.len(), 4);
        let on = all_on(&t);
        let e = Experiment::from_toml(&on).unwrap_or_else(|err| panic!("{err}\n{on}"));
        assert_eq!(e.runs.len(), 7, "one more run, its grid expanded into 3");
        assert_eq!(e.budgets, Some(vec![0.25, 0.5, 1.0]));
        assert_eq!(e.range_test.seeds, Some(vec![0, 1, 2]));
        let raw: Experiment = toml::from_str(&on).unwrap();
        assert!(raw.runs[0].iters.is_some() && raw.runs[0].optimizer.is_some());
        assert!(raw.runs[2].step_epochs.is_some() && raw.runs[4].grid.is_some());
    }

    #[test]
    fn every_key_an_experiment_has_is_named_in_the_template() {
        let t = template();
        let e: Experiment = toml::from_str(&all_on(&t)).unwrap();
        let v = toml::Table::try_from(&e).unwrap();
        let mut keys: Vec<String> = v.keys().cloned().collect();
        for table in ["range_test", "optimizer"] {
            keys.extend(v[table].as_table().unwrap().keys().cloned());
        }
        for run in v["run"].as_array().unwrap() {
            keys.extend(run.as_table().unwrap().keys().cloned());
        }
        for k in keys {
            assert!(
                t.contains(&format!("\n{k} = "))
                    || t.contains(&format!("\n[{k}]\n"))
                    || t.contains(&format!("\n[[{k}]]\n"))
                    || t.contains(&format!("\n#? {k} = "))
                    || t.contains(&format!("{k} = {{")),
                "key {k:?} is not in the template"
            );
        }
        // Every optimizer kind and every policy is listed with its keys.
        for name in OptimizerConfig::NAMES {
            let o = OptimizerConfig::from_name(name).unwrap();
            assert!(t.contains(&format!("kind = {name:?}")), "{name}");
            for k in o.keys() {
                assert!(t.contains(&format!("{k} = ")), "{name}: {k}");
            }
        }
        for p in Policy::ALL {
            assert!(
                t.contains(&format!("#   {}: ", p.as_str())),
                "{}",
                p.as_str()
            );
        }
        // The text keys, which a digits experiment cannot switch on, are named and parse.
        for k in [
            "[gpt] layers = ",
            "grad_clip = ",
            "init = ",
            "layer_lr_decay = {",
        ] {
            assert!(t.contains(&format!("#   {k}")), "{k}");
        }
        let text = t
            .replace("dataset = \"digits\"", "dataset = \"shakespeare\"")
            .replace("model = \"mlp\"", "model = \"gpt\"\ngrad_clip = 1.0")
            .replace("[optimizer]\nkind = \"sgd\"\nmomentum = 0.9", "[gpt]\nlayers = 1\nheads = 2\nwidth = 16\ncontext = 8\ndropout = 0.0\nbias = false\n[optimizer]\nkind = \"sgd\"\nmomentum = 0.9");
        let e = Experiment::from_toml(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
        assert_eq!(e.gpt.unwrap().width, 16);
        let d: toml::Table = toml::from_str("d = { factor = 0.385, tied = \"top\" }").unwrap();
        let d: crate::model::LayerLrDecay = d["d"].clone().try_into().unwrap();
        assert_eq!(d.tied, crate::model::TiedRate::Top);
    }

    #[test]
    fn every_optimizer_line_parses_back_to_its_defaults() {
        for name in OptimizerConfig::NAMES {
            let line = optimizer_line(name);
            let v: toml::Table = toml::from_str(&format!("o = {line}")).unwrap();
            let back: OptimizerConfig = v["o"].clone().try_into().unwrap();
            assert_eq!(back, OptimizerConfig::from_name(name).unwrap(), "{line}");
        }
    }
}
