//! What a range test writes as JSON ([`RangeTestResult::to_json`]): fastai's suggestions,
//! cyclr's rates and, with Lightning's or torch-lr-finder's stop rule, that library's pick. Kept
//! apart from [`result`](super::result) so the other finders ([`others`](super::others)), which
//! read results, are not read by them.
use serde_json::json;

use super::bounds::rates_json;
use super::others::finder_run_of;
use super::result::RangeTestResult;
use super::suggest::Suggestion;

impl RangeTestResult {
    /// A summary as one JSON object:
    ///
    /// * `valley`, `steep`, `minimum`, `slide`: the suggested lr, or `null`;
    /// * `suggestion_points`: for each, `{lr, index, value}` or `null`;
    /// * `recorded_points`, `num_it`, `window` (`[start, end)` of the suggestion window);
    /// * `stop_reason` (the sentence) and `stop` (`{"reason": "completed" | "diverged" |
    ///   "non_finite", ...}`);
    /// * `fixed_lr`, `base_lr`, `max_lr`, `one_cycle_max_lr`, `rule` (all `null` without bounds),
    ///   `rule_skipped_nan` (the NaN points the rule read past, [`rule_note`](Self::rule_note));
    /// * `metric` (`train_loss`, `val_loss` or `accuracy`).
    ///
    /// With Lightning's or torch-lr-finder's [`StopRule`](super::StopRule), also that library's
    /// suggestion under its key (`lightning`, `torch_lr_finder`) and its run as `finder`
    /// ([`FinderRun::to_json`](super::FinderRun::to_json)).
    pub fn to_json(&self) -> serde_json::Value {
        let s = &self.suggestions;
        let lr = |x: &Option<Suggestion>| x.map(|x| x.lr);
        let b = self.bounds.as_ref();
        let mut v = json!({
            "valley": lr(&s.valley),
            "steep": lr(&s.steep),
            "minimum": lr(&s.minimum),
            "slide": lr(&s.slide),
            "suggestion_points": {
                "valley": s.valley,
                "steep": s.steep,
                "minimum": s.minimum,
                "slide": s.slide,
            },
            "recorded_points": self.recorded_points(),
            "num_it": self.config.num_it,
            "window": [self.window_start, self.window_end],
            "stop_reason": self.stop_reason.to_string(),
            "stop": self.stop_reason,
        });
        let map = v.as_object_mut().expect("an object");
        map.extend(rates_json(b));
        map.insert("bounds_note".into(), json!(self.bounds_note));
        map.insert("rule_skipped_nan".into(), json!(self.rule_skipped_nan));
        map.insert("metric".into(), json!(self.config.metric.name()));
        if let Some(run) = finder_run_of(self) {
            v[run.finder.key()] = json!(run.suggestion.map(|s| s.lr));
            v["finder"] = run.to_json();
        }
        v
    }
}
