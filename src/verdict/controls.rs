//! The control-level view of a verdict: for each framework control the loaded rules name
//! (`RULE.controls`), whether the run passed it, failed it, or could not say.

use serde::Serialize;

use super::Verdict;

/// How a control fared in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// A rule of the control has a blocking finding.
    Failed,
    /// No blocking finding, but a rule of the control was not evaluated: the run stopped
    /// early, the rule had errors, or no report held a resource kind it looks at.
    NotEvaluated,
    /// Every rule of the control was evaluated, and none blocks.
    Passed,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Failed => "failed",
            ControlStatus::NotEvaluated => "not_evaluated",
            ControlStatus::Passed => "passed",
        }
    }
}

/// One control in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Control {
    /// As the rules write it: `FRAMEWORK:CONTROL`.
    pub id: String,
    pub framework: String,
    pub status: ControlStatus,
    /// The rules that name it, by id.
    pub rules: Vec<String>,
    /// Of those rules: the ones not evaluated.
    pub not_evaluated: Vec<String>,
    pub findings: usize,
    pub blocking: usize,
}

impl Verdict {
    /// Whether the run evaluated `rule`: it got as far as evaluating, the rule's policy had
    /// no error, and a report held a resource kind the rule looks at.
    pub fn evaluated_rule(&self, rule: &crate::model::Rule) -> bool {
        self.evaluated
            && !self
                .errors
                .iter()
                .any(|e| e.rule.as_deref() == Some(rule.id.as_str()))
            && self.reports.iter().any(|r| rule.reads(r.kind))
    }

    /// Every control the run's rules name, failed first, then not evaluated, then passed;
    /// by id within each.
    pub fn controls(&self) -> Vec<Control> {
        let mut controls: Vec<Control> = Vec::new();
        for rule in self.rules.iter().filter(|r| !r.controls.is_empty()) {
            let evaluated = self.evaluated_rule(rule);
            let (findings, blocking) = self
                .findings_of(&rule.id)
                .fold((0, 0), |(n, b), j| (n + 1, b + usize::from(j.blocking)));
            for id in &rule.controls {
                let at = match controls.iter().position(|c| &c.id == id) {
                    Some(at) => at,
                    None => {
                        controls.push(Control {
                            id: id.clone(),
                            framework: crate::model::rule::framework_of(id).into(),
                            status: ControlStatus::Passed,
                            rules: Vec::new(),
                            not_evaluated: Vec::new(),
                            findings: 0,
                            blocking: 0,
                        });
                        controls.len() - 1
                    }
                };
                let control = &mut controls[at];
                control.rules.push(rule.id.clone());
                if !evaluated {
                    control.not_evaluated.push(rule.id.clone());
                }
                control.findings += findings;
                control.blocking += blocking;
            }
        }
        for control in &mut controls {
            control.status = if control.blocking > 0 {
                ControlStatus::Failed
            } else if !control.not_evaluated.is_empty() {
                ControlStatus::NotEvaluated
            } else {
                ControlStatus::Passed
            };
        }
        controls.sort_by(|a, b| a.status.cmp(&b.status).then_with(|| a.id.cmp(&b.id)));
        controls
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::ControlStatus;
    use crate::output::tests::sample_verdict;

    #[test]
    fn a_rule_with_errors_leaves_its_control_not_evaluated() {
        let mut verdict = sample_verdict();
        // Every rule serves one control; T-ERR's policy failed at run time.
        verdict.rules = verdict
            .rules
            .iter()
            .map(|r| {
                let mut r = (**r).clone();
                r.controls = vec![format!("TEST-1:{}", r.id)];
                if r.id != "T-CRIT" {
                    r.controls.push("TEST-1:SHARED".into());
                }
                Arc::new(r)
            })
            .collect();
        let controls = verdict.controls();
        let status = |id: &str| controls.iter().find(|c| c.id == id).unwrap().status;
        assert_eq!(status("TEST-1:T-ERR"), ControlStatus::NotEvaluated);
        assert_eq!(status("TEST-1:T-CRIT"), ControlStatus::Failed);
        let shared = controls.iter().find(|c| c.id == "TEST-1:SHARED").unwrap();
        assert_eq!(shared.not_evaluated, ["T-ERR"]);
        // Failed first, then not evaluated, then passed.
        let order: Vec<ControlStatus> = controls.iter().map(|c| c.status).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
    }
}
