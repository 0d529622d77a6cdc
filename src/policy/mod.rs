//! The policy file (`airlock.toml`, given with `--policy FILE`): for now, suppressions.
//!
//! ```toml
//! [[suppress]]
//! rule = "startup-file-unowned"                      # a rule id (`airlock rules`)
//! path = "**/site-packages/_sandboxing_egress_ca.pth" # a glob over the finding's location
//! reason = "the CI image injects its egress CA"      # required, shown in every report
//! ```
//!
//! A suppressed finding is not counted for the verdict, the summary or the exit code, but it is
//! never dropped: JSON lists it under the file's `suppressed` array with its reason, SARIF as a
//! result with an `external` suppression (SARIF 2.1.0 §3.35), the human report counts it. An
//! entry that matches nothing is reported, so stale entries do not pile up (cargo-deny's
//! `unmatched-skip` habit).
//!
//! Parsing follows STYLE.md: unknown keys are errors, and [`Policy::load`] collects every error
//! of the file (TOML syntax with its line, unknown rule ids, bad globs, empty reasons) before
//! it fails.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;

use crate::finding::Finding;
use crate::scan::ScanReport;

/// Why a policy file could not be used: its path and every problem found in it.
#[derive(Debug, thiserror::Error)]
#[error("policy {}: {}", path.display(), problems.join("; "))]
pub struct PolicyError {
    /// The policy file.
    pub path: PathBuf,
    /// One line per problem.
    pub problems: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    suppress: Vec<RawSuppress>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    rule: String,
    path: String,
    reason: String,
}

/// One `[[suppress]]` entry, validated.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The rule id it applies to (after the rule redirect table).
    pub rule: &'static str,
    /// The glob as written.
    pub path: String,
    /// Why the findings are accepted.
    pub reason: String,
    matcher: GlobMatcher,
}

impl Suppression {
    /// True when `f` is a finding of this entry's rule at a location its glob matches: the
    /// file path for a finding on a file, the `path!member!member` name for one on an artifact
    /// inside it (so `vendor/a.zip` accepts findings on the archive itself, `vendor/a.zip!**`
    /// those on its members). `*` and `?` match within one path component and one member name
    /// (never across `/` or `!`); `**` matches any number of both. `.` components are dropped
    /// from the path and the glob, so `models/x.pt` and `./models/x.pt` match whether the scan
    /// was given `models` or `./models`.
    pub fn matches(&self, f: &Finding) -> bool {
        if f.rule.id != self.rule {
            return false;
        }
        let path: PathBuf = f
            .location
            .path
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        // A path that is not UTF-8 is matched as reporters show it, each invalid byte as
        // `\xNN` (`docs/json-output.md`), as well as by its bytes.
        let shown = crate::finding::display_path(&path);
        if f.location.members.is_empty() {
            return self.matcher.is_match(separated(&shown))
                || path.to_str().is_none() && self.matcher.is_match(&path);
        }
        let mut name = shown;
        for m in &f.location.members {
            name.push('!');
            name.push_str(m);
        }
        self.matcher.is_match(separated(&name))
    }
}

/// A location with each member separator `!` made a path component of its own (`a.zip!x.pkl`
/// is matched as `a.zip/!/x.pkl`), so that `*` does not run from a file into its members.
fn separated(location: &str) -> String {
    location.replace('!', "/!/")
}

/// A policy glob in the form [`separated`] locations take: `.` components dropped, and every
/// `!` outside a `[...]` class (and not escaped by a backslash) made a component of its own.
fn glob_text(glob: &str) -> String {
    let mut g = glob;
    while let Some(rest) = g.strip_prefix("./") {
        g = rest;
    }
    let g = g.replace("/./", "/");
    let mut out = String::with_capacity(g.len() + 8);
    let mut class = false;
    let mut escaped = false;
    for c in g.chars() {
        if escaped {
            escaped = false;
            out.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                out.push(c);
            }
            '[' if !class => {
                class = true;
                out.push(c);
            }
            ']' if class => {
                class = false;
                out.push(c);
            }
            '!' if !class => out.push_str("/!/"),
            _ => out.push(c),
        }
    }
    out
}

/// A validated policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `[[suppress]]` entries in file order.
    pub suppressions: Vec<Suppression>,
}

impl Policy {
    /// Read and validate a policy file.
    ///
    /// Errors: the file cannot be read, is not TOML, has unknown keys, names a rule that does
    /// not exist, has a glob that does not parse or an empty `reason`; every problem is listed.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let fail = |problems: Vec<String>| PolicyError {
            path: path.to_path_buf(),
            problems,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(vec![e.to_string()]))?;
        Policy::parse(&text).map_err(fail)
    }

    /// Validate the text of a policy file; the error lists every problem.
    pub fn parse(text: &str) -> Result<Policy, Vec<String>> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
        let mut problems = Vec::new();
        let mut suppressions = Vec::new();
        for (n, s) in raw.suppress.into_iter().enumerate() {
            let at = format!("suppress entry {}", n + 1);
            let rule = crate::rules::by_id(&s.rule);
            if rule.is_none() {
                problems.push(format!(
                    "{at}: no rule {:?} (`airlock rules` lists them)",
                    s.rule
                ));
            }
            let matcher = match GlobBuilder::new(&glob_text(&s.path))
                .literal_separator(true)
                .build()
            {
                Ok(g) => Some(g.compile_matcher()),
                Err(e) => {
                    problems.push(format!("{at}: path glob {:?}: {e}", s.path));
                    None
                }
            };
            if s.reason.trim().is_empty() {
                problems.push(format!(
                    "{at}: reason is empty; say why the finding is accepted"
                ));
            }
            if let (Some(rule), Some(matcher)) = (rule, matcher) {
                suppressions.push(Suppression {
                    rule: rule.id,
                    path: s.path,
                    reason: s.reason,
                    matcher,
                });
            }
        }
        if problems.is_empty() {
            Ok(Policy { suppressions })
        } else {
            Err(problems)
        }
    }

    /// Move every finding an entry matches from its file's `findings` to its `suppressed`
    /// list (with the first matching entry's reason) and grade the files again. Returns the
    /// entries that matched nothing, in file order.
    pub fn apply(&self, report: &mut ScanReport) -> Vec<Suppression> {
        let mut used = vec![false; self.suppressions.len()];
        for file in &mut report.files {
            let mut kept = Vec::with_capacity(file.findings.len());
            for f in std::mem::take(&mut file.findings) {
                match self.suppressions.iter().position(|s| s.matches(&f)) {
                    Some(i) => {
                        used[i] = true;
                        file.suppressed
                            .push((f, self.suppressions[i].reason.clone()));
                    }
                    None => kept.push(f),
                }
            }
            file.findings = kept;
            file.grade();
        }
        self.suppressions
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(s, _)| s.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_listed() {
        let e =
            Policy::parse("[[suppress]]\nrule = \"no-such-rule\"\npath = \"a[\"\nreason = \" \"\n")
                .expect_err("invalid");
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("no-such-rule"));
        assert!(e[1].contains("glob"));
        assert!(e[2].contains("reason"));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Policy::parse("[[suppress]]\nrule = \"pth-executable-line\"\npath = \"*\"\nreason = \"x\"\nseverity = \"low\"\n")
            .expect_err("invalid");
        assert!(e[0].contains("severity"), "{e:?}");
        let e = Policy::parse("[allow]\n").expect_err("invalid");
        assert!(e[0].contains("allow"), "{e:?}");
    }

    #[test]
    fn entries_match_rule_and_glob() {
        let p = Policy::parse(
            "[[suppress]]\nrule = \"pth-executable-line\"\npath = \"**/site-packages/*.pth\"\nreason = \"image\"\n",
        )
        .expect("valid");
        let rule = crate::rules::by_id("pth-executable-line").expect("rule");
        let other = crate::rules::by_id("startup-file-unowned").expect("rule");
        let at = |p: &str| Location::file(p);
        let f = |r, p: &str| {
            Finding::builder(r, at(p))
                .message("m")
                .evidence("e")
                .build()
        };
        let s = &p.suppressions[0];
        assert!(s.matches(&f(rule, "/env/lib/site-packages/x.pth")));
        assert!(!s.matches(&f(rule, "/env/lib/dist-packages/x.pth")));
        assert!(!s.matches(&f(other, "/env/lib/site-packages/x.pth")));
    }

    /// A `pth-executable-line` finding at `path` and its member chain.
    fn finding_at(path: &str, members: &[&str]) -> Finding {
        let rule = crate::rules::by_id("pth-executable-line").expect("rule");
        let mut at = Location::file(path);
        for m in members {
            at = at.member(m.to_string());
        }
        Finding::builder(rule, at)
            .message("m")
            .evidence("e")
            .build()
    }

    #[test]
    fn a_glob_matches_the_path_however_it_was_typed() {
        let p = Policy::parse(
            "[[suppress]]\nrule = \"pth-executable-line\"\npath = \"env/site-packages/*.pth\"\nreason = \"image\"\n",
        )
        .expect("valid");
        let f = finding_at;
        let s = &p.suppressions[0];
        assert!(s.matches(&f("env/site-packages/x.pth", &[])));
        assert!(s.matches(&f("./env/site-packages/x.pth", &[])));
        assert!(s.matches(&f("./env/./site-packages/x.pth", &[])));
        assert!(!s.matches(&f("./other/site-packages/x.pth", &[])));
        let q = Policy::parse(
            "[[suppress]]\nrule = \"pth-executable-line\"\npath = \"w/a.whl!*.pth\"\nreason = \"r\"\n",
        )
        .expect("valid");
        assert!(q.suppressions[0].matches(&f("./w/a.whl", &["x.pth"])));
    }

    #[test]
    fn stars_stay_within_a_component_and_a_member() {
        let entry = |glob: &str| {
            Policy::parse(&format!(
                "[[suppress]]\nrule = \"pth-executable-line\"\npath = \"{glob}\"\nreason = \"r\"\n"
            ))
            .expect("valid")
            .suppressions
            .remove(0)
        };
        let f = finding_at;
        let star = entry("models/*.pkl");
        assert!(star.matches(&f("models/a.pkl", &[])));
        assert!(!star.matches(&f("models/sub/b.pkl", &[])));
        assert!(!star.matches(&f("models/c.pt", &["archive/data.pkl"])));
        let bare = entry("*.pkl");
        assert!(bare.matches(&f("a.pkl", &[])));
        assert!(!bare.matches(&f("vendor/b.tar.gz", &["model.pkl"])));
        // An archive's own path accepts findings on the archive, not on its members.
        let archive = entry("vendor/b.tar.gz");
        assert!(archive.matches(&f("vendor/b.tar.gz", &[])));
        assert!(!archive.matches(&f("vendor/b.tar.gz", &["model.pkl"])));
        let members = entry("vendor/b.tar.gz!**");
        assert!(members.matches(&f("vendor/b.tar.gz", &["<gzip content>", "model.pkl"])));
        let anywhere = entry("**/*.pkl");
        assert!(anywhere.matches(&f("x/y/a.pkl", &[])));
        assert!(anywhere.matches(&f("x/c.pt", &["archive/data.pkl"])));
        let member = entry("w/a.whl!*.pth");
        assert!(member.matches(&f("w/a.whl", &["x.pth"])));
        assert!(!member.matches(&f("w/a.whl", &["sub/x.pth"])));
        // `./` in the glob is dropped like `./` in the path; a class keeps its `!`.
        assert!(entry("./models/a.pkl").matches(&f("models/a.pkl", &[])));
        assert!(entry("models/[!b]*.pkl").matches(&f("./models/a.pkl", &[])));
        assert!(!entry("models/[!b]*.pkl").matches(&f("models/b.pkl", &[])));
    }

    use crate::finding::Location;
}
