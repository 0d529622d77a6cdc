//! Rules of the `safetensors` family, one file each.

pub mod safetensors_invalid_header;
pub mod safetensors_trailing_data;
