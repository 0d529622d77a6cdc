//! Rules of the `pytorch` family, one file each.

pub mod torch_legacy_trailing_data;
