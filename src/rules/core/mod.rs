//! Rules of the `core` family, one file each.

pub mod analysis_error;
pub mod format_extension_mismatch;
pub mod io_error;
pub mod json_duplicate_key;
pub mod polyglot_file;
pub mod resource_limit;
pub mod symlink_outside_root;
pub mod unrecognised_model_file;
pub mod yara_match;
