//! The command line, as clap derive types. `main.rs` parses it and calls [`crate::run`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::finding::Severity;
use crate::report::OutputFormat;

/// airlock: verify open-source AI artifacts before anything loads them.
#[derive(Debug, Parser)]
#[command(name = "airlock", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find malicious or unsafe content in model files, folders and archives.
    Scan(ScanArgs),
    /// Print the documentation of a rule.
    Explain {
        /// A rule id, such as `pickle-dangerous-call`.
        rule: String,
    },
    /// List every rule with its default severity.
    Rules,
    /// Manage the OSV database of known-malicious and vulnerable Python releases.
    #[command(subcommand)]
    Db(DbCommand),
}

/// Subcommands of `airlock db`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download the OSV PyPI export (MAL-, PYSEC, GHSA records) into the cache
    /// (`$XDG_CACHE_HOME/airlock/osv`, else `~/.cache/airlock/osv`).
    Update {
        /// Store it in this folder instead of the cache.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Options of `airlock scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, folders or archives to scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when any finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::High, value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Worker threads; 0 (the default) is one per core.
    #[arg(long, short, default_value_t = 0, value_name = "N")]
    pub jobs: usize,
    /// Print only the summary line (human format; the same line a normal run ends with) and no
    /// progress bar. Warnings and errors still go to standard error.
    #[arg(long, short, overrides_with = "verbose")]
    pub quiet: bool,
    /// Also list info findings, suppressed findings, files without findings and facts (human
    /// format).
    #[arg(long, short, overrides_with = "quiet")]
    pub verbose: bool,
    /// Policy file (`airlock.toml`): `[[suppress]]` entries with `rule`, `path` (a glob over
    /// the finding's location) and `reason`. Suppressed findings are reported but do not count.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Skip paths matching GLOB (a bare name matches anywhere; may be repeated). A glob that
    /// matches no path is named in a warning on standard error.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Archive nesting depth bound.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub max_depth: u32,
    /// Decompressed bytes per input, in MiB.
    #[arg(long, default_value_t = 8192, value_name = "MIB")]
    pub max_decompressed_mib: u64,
    /// Archive members per input (all archives and nesting levels together).
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_members: u64,
    /// Pickle opcodes per input.
    #[arg(long, default_value_t = 50_000_000, value_name = "N")]
    pub max_opcodes: u64,
    /// Wall time per input, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub max_seconds: u64,
    /// OSV database (a folder of OSV JSON records or a zip of them) to match Python releases
    /// against (default: the cache `airlock db update` fills, when present).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Also match the YARA rules in every *.yar and *.yara file of DIR (may be repeated); the
    /// built-in rules always run. A `severity` meta grades a rule's findings (default medium).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}
