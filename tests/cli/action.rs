//! action.yml keeps its contract: every input reaches the script of the step it
//! is mapped to, every step output that something reads is written by that step, no `run:`
//! script has an expression pasted into it (script injection), the SARIF upload runs even
//! when the gate failed and before the job is failed, and docs/ci.md documents every input
//! and output. `.ci/action-test.py` runs the same file end to end.

use std::collections::BTreeSet;

use regex::Regex;
use yaml_rust2::{Yaml, YamlLoader};

/// One step of the composite action, with the text of every script its `run:` calls.
struct Step {
    index: usize,
    id: Option<String>,
    name: String,
    run: Option<String>,
    uses: Option<String>,
    shell: Option<String>,
    condition: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
    /// `run:` plus the scripts/action/*.sh files it names, and the files those source.
    script: String,
}

fn action() -> Yaml {
    let text = std::fs::read_to_string("action.yml").expect("action.yml at the repository root");
    let mut docs = YamlLoader::load_from_str(&text).expect("action.yml is YAML");
    assert_eq!(docs.len(), 1, "action.yml holds one document");
    docs.remove(0)
}

fn string(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Boolean(b) => Some(b.to_string()),
        Yaml::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

fn pairs(y: &Yaml) -> Vec<(String, String)> {
    y.as_hash()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (string(k).unwrap(), string(v).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

fn keys(y: &Yaml) -> Vec<String> {
    y.as_hash()
        .unwrap_or_else(|| panic!("expected a mapping, found {y:?}"))
        .keys()
        .map(|k| string(k).unwrap())
        .collect()
}

/// The run text, the scripts/action/NAME.sh files it calls, and the files those `source`.
fn script_text(run: &str) -> String {
    let called = Regex::new(r"scripts/action/([A-Za-z0-9_-]+\.sh)\b").unwrap();
    let sourced = Regex::new(r#"(?m)^\s*(?:source|\.)\s+"[^"\n]*?([A-Za-z0-9_-]+\.sh)""#).unwrap();
    let mut text = run.to_string();
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = called
        .captures_iter(run)
        .map(|c| c[1].to_string())
        .collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let path = format!("scripts/action/{name}");
        let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        queue.extend(sourced.captures_iter(&body).map(|c| c[1].to_string()));
        text.push('\n');
        text.push_str(&body);
    }
    text
}

fn steps(action: &Yaml) -> Vec<Step> {
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    action["runs"]["steps"]
        .as_vec()
        .expect("runs.steps is a list")
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let run = string(&s["run"]);
            let id = string(&s["id"]);
            Step {
                index,
                name: string(&s["name"])
                    .or_else(|| id.clone())
                    .unwrap_or_else(|| format!("step {index}")),
                id,
                script: run.as_deref().map(script_text).unwrap_or_default(),
                run,
                uses: string(&s["uses"]),
                shell: string(&s["shell"]),
                condition: string(&s["if"]),
                env: pairs(&s["env"]),
                with: pairs(&s["with"]),
            }
        })
        .collect()
}

/// Whether TEXT refers to `inputs.NAME` (or `inputs['NAME']`), and not to a longer name.
fn refers_to_input(text: &str, name: &str) -> bool {
    let dotted = Regex::new(&format!(
        r"inputs\.{}([^A-Za-z0-9_-]|$)",
        regex::escape(name)
    ))
    .unwrap();
    dotted.is_match(text) || text.contains(&format!("inputs['{name}']"))
}

/// Whether a shell script reads the variable NAME (`$NAME` or `${NAME...}`).
fn reads_var(script: &str, name: &str) -> bool {
    Regex::new(&format!(r"\$\{{?{}\b", regex::escape(name)))
        .unwrap()
        .is_match(script)
}

#[test]
fn every_input_reaches_a_script() {
    let action = action();
    let steps = steps(&action);
    let inputs = keys(&action["inputs"]);
    assert!(inputs.len() >= 12, "{inputs:?}");
    for input in &inputs {
        let mut used = false;
        for step in &steps {
            for (var, value) in &step.env {
                if refers_to_input(value, input) {
                    used = true;
                    assert!(
                        reads_var(&step.script, var),
                        "input {input} is mapped to {var} in step '{}', whose script never reads ${var}",
                        step.name
                    );
                }
            }
            used |= step.with.iter().any(|(_, v)| refers_to_input(v, input));
            used |= step
                .condition
                .as_deref()
                .is_some_and(|c| refers_to_input(c, input));
        }
        assert!(used, "input {input} is declared but no step uses it");
    }
}

#[test]
fn scripts_read_only_variables_their_step_sets() {
    let var = Regex::new(r"\b((?:INPUT|ACTION)_[A-Z][A-Z0-9_]*)").unwrap();
    for step in steps(&action()) {
        let set: BTreeSet<&str> = step.env.iter().map(|(k, _)| k.as_str()).collect();
        for cap in var.captures_iter(&step.script) {
            assert!(
                set.contains(&cap[1]),
                "step '{}' reads {} but its env: does not set it",
                step.name,
                &cap[1]
            );
        }
    }
}

#[test]
fn every_step_output_read_is_written() {
    let action = action();
    let steps = steps(&action);
    let text = std::fs::read_to_string("action.yml").unwrap();
    let reference = Regex::new(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)").unwrap();
    // Outputs of the actions this one calls, as their own action.yml declares them.
    let known = [("actions/cache/restore", "cache-hit")];
    let mut checked = 0;
    for cap in reference.captures_iter(&text) {
        let (id, key) = (&cap[1], &cap[2]);
        let step = steps
            .iter()
            .find(|s| s.id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("steps.{id}.outputs.{key}: no step has id {id}"));
        match (&step.run, &step.uses) {
            (Some(_), _) => assert!(
                step.script.contains("GITHUB_OUTPUT") && step.script.contains(&format!("\"{key}=")),
                "steps.{id}.outputs.{key} is read, but step '{}' never writes {key}= to $GITHUB_OUTPUT",
                step.name
            ),
            (None, Some(uses)) => assert!(
                known.iter().any(|(a, k)| uses.starts_with(&format!("{a}@")) && *k == key),
                "steps.{id}.outputs.{key}: {uses} is not known to set {key}"
            ),
            (None, None) => panic!("step '{}' neither runs nor uses anything", step.name),
        }
        checked += 1;
    }
    assert!(checked > 10, "found only {checked} step output references");
}

#[test]
fn every_action_output_comes_from_a_step() {
    let action = action();
    let value =
        Regex::new(r"^\$\{\{\s*steps\.[A-Za-z0-9_-]+\.outputs\.[A-Za-z0-9_-]+\s*\}\}$").unwrap();
    let outputs = keys(&action["outputs"]);
    for required in [
        "verdict",
        "blocking",
        "findings",
        "sarif-file",
        "junit-file",
        "result-file",
    ] {
        assert!(
            outputs.iter().any(|o| o == required),
            "output {required} missing"
        );
    }
    for name in outputs {
        let v = string(&action["outputs"][name.as_str()]["value"])
            .unwrap_or_else(|| panic!("output {name} has no value"));
        assert!(
            value.is_match(&v),
            "output {name} is `{v}`, not one step output"
        );
    }
}

#[test]
fn no_expression_inside_a_run_script() {
    let action = action();
    let mut runs = 0;
    for step in steps(&action) {
        let Some(run) = &step.run else { continue };
        runs += 1;
        assert!(
            !run.contains("${{"),
            "step '{}' interpolates an expression into its script; pass it through env: instead:\n{run}",
            step.name
        );
        assert_eq!(
            step.shell.as_deref(),
            Some("bash"),
            "step '{}' must say shell: bash (composite steps have no default shell)",
            step.name
        );
        // The scripts it calls are plain shell, never templated either.
        assert!(!step.script.contains("${{"), "step '{}'", step.name);
    }
    assert!(runs >= 3, "{runs}");
}

#[test]
fn sarif_is_uploaded_even_on_a_failed_gate_and_the_job_fails_after() {
    let steps = steps(&action());
    let run = steps
        .iter()
        .find(|s| s.id.as_deref() == Some("run"))
        .expect("a step with id run");
    let upload = steps
        .iter()
        .find(|s| {
            s.uses
                .as_deref()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert!(run.index < upload.index);
    let condition = upload.condition.as_deref().unwrap_or_default();
    assert!(
        condition.contains("always()"),
        "upload-sarif runs only if `{condition}`"
    );
    assert!(
        refers_to_input(condition, "sarif"),
        "upload-sarif ignores the sarif input"
    );
    assert!(
        upload
            .with
            .iter()
            .any(|(k, v)| k == "sarif_file" && v.contains("steps.run.outputs.sarif-file")),
        "upload-sarif does not upload the run step's SARIF"
    );
    // The run step keeps going on exit 1 and 2 (so the upload can run), and a later step
    // ends the job with tollgate's exit code.
    assert!(run.script.contains("set +e") && run.script.contains("\"exit-code="));
    let verdict = steps
        .iter()
        .find(|s| {
            s.env
                .iter()
                .any(|(_, v)| v.contains("steps.run.outputs.exit-code"))
        })
        .expect("a step that reads the exit code");
    assert!(
        verdict.index > upload.index,
        "the job fails before SARIF is uploaded"
    );
    assert!(verdict
        .run
        .as_deref()
        .is_some_and(|r| r.contains("exit \"$code\"")));
}

#[test]
fn docs_document_every_input_and_output() {
    let action = action();
    let readme = std::fs::read_to_string("docs/ci.md").unwrap();
    assert!(readme.contains("## GitHub Action"));
    for section in ["inputs", "outputs"] {
        for name in keys(&action[section]) {
            assert!(
                readme.contains(&format!("| `{name}` |")),
                "docs/ci.md's GitHub Action tables lack the {section} row for {name}"
            );
        }
    }
}
