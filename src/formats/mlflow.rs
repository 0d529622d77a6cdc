//! MLflow model folders and conda environment files.
//!
//! An MLflow model is a folder with an `MLmodel` file (YAML; "MLflow Models", storage format)
//! whose `flavors` say how each library loads it. What loading runs, besides the pickles the
//! flavors name (analysed as pickles wherever they are):
//! - `python_function.loader_module`: `mlflow.pyfunc.load_model` puts the model's `code` folder
//!   on `sys.path`, imports this module and calls its `_load_pyfunc(data_path)`
//!   (`mlflow/pyfunc/__init__.py`). Outside `mlflow.` that is code the model brings or names.
//! - `model_code_path` (MLflow's "models from code", in `python_function` or another flavor):
//!   the loader executes the file of that base name in the model folder
//!   (`_load_context_model_and_signature`, `mlflow/pyfunc/model.py`).
//!
//! Both are reported as `remote-code` (medium, as for `auto_map`: code a loader runs); the
//! modules are analysed as Python source like every `*.py`, and the package join grades what
//! `_load_pyfunc` and the code file's top level reach as code run at load ([`loader_imports`],
//! used by `check/hf_repo.rs`).
//!
//! Conda environment files (`conda.yaml` of an MLflow model, `environment.yml`, MLflow's
//! `python_env.yaml`): the entries of a `pip:` list under `dependencies` (and
//! `python_env.yaml`'s `dependencies` and `build_dependencies`, which pip installs) are
//! requirement lines, read as a requirements file at their own lines (pins matched against
//! advisories, index options, `-r` includes). Conda packages are not PyPI releases and are not
//! matched.
//!
//! YAML is read with [`super::yaml`] (bounded; a bound that stops it is reported).

use crate::analyse::Ctx;
use crate::finding::{truncate_chars, Finding, Location, Severity};
use crate::formats::yaml::{self, Stop, Yaml};
use crate::formats::{is_dotted_name, Format};
use crate::rules;

/// File names read as conda environment files (lowercase), and conda's own configuration
/// (`.condarc`, `condarc`), whose channel keys are read the same way.
const CONDA_NAMES: &[&str] = &[
    ".condarc",
    "condarc",
    "conda.yaml",
    "conda.yml",
    "environment.yml",
    "environment.yaml",
    "python_env.yaml",
    "python_env.yml",
];

/// The format a file name says: `MLmodel` (exactly, as MLflow writes and reads it) or a
/// conda environment file ([`CONDA_NAMES`]). `base` is the name without folders.
pub fn by_name(base: &str) -> Option<Format> {
    if base == "MLmodel" {
        Some(Format::MlflowModel)
    } else if CONDA_NAMES.contains(&base.to_ascii_lowercase().as_str()) {
        Some(Format::CondaEnvironment)
    } else {
        None
    }
}

/// What loading an MLflow model imports from its folder, from the text of its `MLmodel`:
/// `(folder, module)` pairs, the folder relative to the model's (`""` or its `code` folder) and
/// the module as a dotted name, with `true` when the loader also calls its `_load_pyfunc`
/// (a `loader_module`) and `false` when it runs the module's top level (a `model_code_path`).
/// Modules of `mlflow.` itself are left out.
pub fn loader_imports(text: &str) -> Vec<(String, String, bool)> {
    let (doc, _) = yaml::parse(text);
    let mut out = Vec::new();
    let Some(Yaml::Map(flavors)) = doc.get("flavors") else {
        return out;
    };
    for (flavor, conf) in flavors.iter().take(64) {
        let code = conf
            .get("code")
            .and_then(Yaml::as_str)
            .filter(|c| !matches!(*c, "" | "null" | "~"))
            .map(|c| c.trim_matches('/').to_string())
            .unwrap_or_default();
        // `mlflow.pyfunc.load_model` honours `loader_module` in the `python_function` flavor
        // only.
        if let Some(m) = conf
            .get("loader_module")
            .and_then(Yaml::as_str)
            .filter(|_| flavor == "python_function")
        {
            if !is_mlflow(m) && is_dotted_name(m) {
                out.push((code.clone(), m.to_string(), true));
            }
        }
        if let Some(p) = conf.get("model_code_path").and_then(Yaml::as_str) {
            let base = p.rsplit(['/', '\\']).next().unwrap_or(p);
            if let Some(stem) = base.strip_suffix(".py").filter(|s| is_dotted_name(s)) {
                out.push((String::new(), stem.to_string(), false));
            }
        }
    }
    out
}

fn is_mlflow(module: &str) -> bool {
    module == "mlflow" || module.starts_with("mlflow.")
}

/// Report a bound or a syntax error that stopped the reading of a manifest.
fn report_stop(ctx: &mut Ctx, stop: Option<Stop>, loc: &Location, what: &str) {
    match stop {
        Some(Stop::Bound(bound)) => ctx.limit(loc, &bound, what),
        Some(Stop::Syntax(line, message)) => ctx.fact(
            loc,
            "yaml.error",
            format!("line {line}: {}", truncate_chars(&message, 200)),
        ),
        None => {}
    }
}

/// Analyse an `MLmodel` file: record its flavors (fact `mlflow.flavors`, comma-separated, and
/// `mlflow.version`) and report the code its loaders run (module docs). Returns false when the
/// text has no `flavors` mapping (not an MLflow model; the caller reads it as text).
pub fn analyse_mlmodel(ctx: &mut Ctx, data: &[u8], loc: &Location) -> bool {
    let text = String::from_utf8_lossy(data);
    let (doc, stop) = yaml::parse(&text);
    let Some(Yaml::Map(flavors)) = doc.get("flavors") else {
        return false;
    };
    report_stop(ctx, stop, loc, "the rest of the MLmodel file");
    let names: Vec<&str> = flavors.iter().map(|(k, _)| k.as_str()).take(64).collect();
    ctx.fact(loc, "mlflow.flavors", names.join(","));
    if let Some(v) = doc.get("mlflow_version").and_then(Yaml::as_str) {
        ctx.fact(loc, "mlflow.version", truncate_chars(v, 64));
    }
    for (flavor, conf) in flavors.iter().take(64) {
        let code = conf
            .get("code")
            .and_then(Yaml::as_str)
            .filter(|c| !matches!(*c, "" | "null" | "~"));
        if let Some(module) = conf
            .get("loader_module")
            .filter(|m| m.as_str().is_some_and(|m| !is_mlflow(m)))
            .filter(|_| flavor == "python_function")
        {
            let m = module.as_str().unwrap_or_default();
            let from = match code {
                Some(c) => format!(
                    "from the model's `{}` folder or the environment",
                    truncate_chars(c, 100)
                ),
                None => "from the environment".to_string(),
            };
            ctx.emit(
                Finding::builder(&rules::repo::remote_code::RULE, loc.clone())
                    .severity(Severity::Medium)
                    .message(format!(
                        "loading this MLflow model imports the module {} {from} and calls its _load_pyfunc",
                        truncate_chars(m, 120)
                    ))
                    .evidence(format!(
                        "flavors.{}.loader_module: {} (line {})",
                        truncate_chars(flavor, 60),
                        truncate_chars(m, 120),
                        module.line().unwrap_or(0)
                    ))
                    .build(),
            );
        }
        if let Some(path) = conf.get("model_code_path") {
            let p = path.as_str().unwrap_or_default();
            ctx.emit(
                Finding::builder(&rules::repo::remote_code::RULE, loc.clone())
                    .severity(Severity::Medium)
                    .message(format!(
                        "loading this MLflow model runs the Python file {} of the model folder (MLflow models from code)",
                        truncate_chars(p.rsplit(['/', '\\']).next().unwrap_or(p), 120)
                    ))
                    .evidence(format!(
                        "flavors.{}.model_code_path: {} (line {})",
                        truncate_chars(flavor, 60),
                        truncate_chars(p, 120),
                        path.line().unwrap_or(0)
                    ))
                    .build(),
            );
        }
    }
    true
}

/// Read a conda environment file's pip entries as a requirements file (module docs). Returns
/// false when the text is not a mapping with `dependencies` (the caller reads it as text).
pub fn analyse_conda(ctx: &mut Ctx, data: &[u8], loc: &Location) -> bool {
    let text = String::from_utf8_lossy(data);
    let (doc, stop) = yaml::parse(&text);
    let channels = conda_channels(ctx, &doc, &text, loc);
    let Some(deps) = doc.get("dependencies") else {
        // A bound that stopped the reading before any key of conda's was seen is reported
        // too: the file is named as conda's, and its channels may lie past the bound.
        if channels || matches!(stop, Some(Stop::Bound(_))) {
            report_stop(ctx, stop, loc, "the rest of the conda configuration");
        }
        return channels;
    };
    report_stop(ctx, stop, loc, "the rest of the environment file");
    let mut entries: Vec<(usize, String)> = Vec::new();
    let mut push = |item: &Yaml| {
        if let (Some(s), Some(l)) = (item.as_str(), item.line()) {
            entries.push((l, s.replace(['\n', '\r'], " ")));
        }
    };
    let python_env = loc
        .artifact_name()
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|n| n.to_ascii_lowercase().starts_with("python_env."));
    let lists = [Some(deps), doc.get("build_dependencies")];
    for list in lists.into_iter().flatten() {
        let Yaml::Seq(items) = list else { continue };
        for item in items {
            match item {
                // `- pip: [...]`: pip's own list among the conda packages.
                Yaml::Map(_) => {
                    if let Some(Yaml::Seq(pip)) = item.get("pip") {
                        pip.iter().for_each(&mut push);
                    }
                }
                // python_env.yaml lists pip requirements only.
                _ if python_env => push(item),
                _ => {}
            }
        }
    }
    // One requirement per line, at the entry's own line (two on one line go to the next).
    let mut padded = String::new();
    let mut line = 1usize;
    for (l, entry) in entries {
        while line < l {
            padded.push('\n');
            line += 1;
        }
        padded.push_str(&entry);
        padded.push('\n');
        line += 1;
    }
    crate::formats::pins::analyse_list(ctx, Format::Requirements, padded.as_bytes(), loc);
    true
}

/// Conda's channel keys, in an environment file or a `.condarc` (conda's "Using the .condarc
/// configuration file"): `channels`, `default_channels`, `channel_alias`, `custom_channels`
/// (name → URL) and `custom_multichannels` (name → URLs). A channel over plain `http://` is
/// medium (anyone on the path chooses the packages, which conda installs with their link
/// scripts), as is one in a folder any user can write (`file:///tmp/chan`, `/dev/shm/chan`)
/// and `ssl_verify: false` (no certificate checks for any channel). Channels over
/// HTTPS and channel names are not reported: conda's own defaults are such. Returns whether the
/// document has any of these keys (so it is conda's).
fn conda_channels(ctx: &mut Ctx, doc: &Yaml, text: &str, loc: &Location) -> bool {
    let keys = [
        "channels",
        "default_channels",
        "channel_alias",
        "custom_channels",
        "custom_multichannels",
        "ssl_verify",
    ];
    let mut urls: Vec<&Yaml> = Vec::new();
    fn collect<'a>(v: &'a Yaml, out: &mut Vec<&'a Yaml>, depth: u32) {
        match v {
            Yaml::Scalar(..) if out.len() < 256 => out.push(v),
            Yaml::Seq(items) if depth < 3 => items.iter().for_each(|i| collect(i, out, depth + 1)),
            Yaml::Map(entries) if depth < 3 => {
                entries.iter().for_each(|(_, i)| collect(i, out, depth + 1))
            }
            _ => {}
        }
    }
    // One medium source finding at `line`, its text the evidence.
    let report = |ctx: &mut Ctx, line: usize, what: &str, value: &str| {
        let evidence = text.lines().nth(line.max(1) - 1).unwrap_or(value);
        crate::formats::pins::emit_source(
            ctx,
            loc,
            line as u64,
            Severity::Medium,
            what,
            value,
            evidence,
        );
    };
    let mut any = false;
    for key in keys {
        let Some(v) = doc.get(key) else { continue };
        any = true;
        if key == "ssl_verify" {
            if let Some(s) = v
                .as_str()
                .filter(|s| matches!(*s, "false" | "False" | "no"))
            {
                report(
                    ctx,
                    v.line().unwrap_or(1),
                    "turns off certificate checks for every conda channel",
                    &format!("ssl_verify: {s}"),
                );
            }
            continue;
        }
        collect(v, &mut urls, 0);
    }
    let mut reported = 0;
    for u in urls {
        let (Some(url), Some(line)) = (u.as_str(), u.line()) else {
            continue;
        };
        let what = if url.trim().to_ascii_lowercase().starts_with("http://") {
            "adds a conda channel over plain HTTP"
        } else if crate::formats::pins::shared_local(url) {
            "adds a conda channel in a folder any user can write"
        } else {
            continue;
        };
        if reported >= 16 {
            continue;
        }
        reported += 1;
        report(ctx, line, what, url);
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_imports_of_custom_and_builtin_flavors() {
        let text = "artifact_path: model\nflavors:\n  python_function:\n    code: code\n    loader_module: my_loader\n    env:\n      conda: conda.yaml\n  sklearn:\n    pickled_model: model.pkl\n  langchain:\n    model_code_path: /tmp/x/chain.py\nmlflow_version: 2.15.0\n";
        assert_eq!(
            loader_imports(text),
            vec![
                ("code".to_string(), "my_loader".to_string(), true),
                (String::new(), "chain".to_string(), false)
            ]
        );
        let builtin =
            "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    code: null\n";
        assert!(loader_imports(builtin).is_empty());
    }

    #[test]
    fn names() {
        assert_eq!(by_name("MLmodel"), Some(Format::MlflowModel));
        assert_eq!(by_name("mlmodel"), None);
        assert_eq!(by_name("environment.yml"), Some(Format::CondaEnvironment));
        assert_eq!(by_name("config.yaml"), None);
    }
}
