//! Rules of the `advisory` family: releases named by OSV records (`src/osv.rs`), one file each.

pub mod known_malicious_release;
pub mod known_vulnerable_release;
