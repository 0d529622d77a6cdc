//! Rules of the `gguf` family, one file each.

pub mod gguf_malformed;
pub mod gguf_trailing_data;
pub mod gguf_truncated;
