//! Rules of the `archive` family, one file each.

pub mod archive_malformed;
pub mod archive_path_traversal;
pub mod archive_prefix_data;
pub mod archive_unsupported_method;
pub mod tar_hidden_data;
pub mod zip_crc_mismatch;
pub mod zip_encrypted_flag;
pub mod zip_header_mismatch;
pub mod zip_hidden_data;
pub mod zip_overlapping_members;
