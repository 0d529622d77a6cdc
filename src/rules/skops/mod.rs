//! Rules of the `skops` family (skops archives' `schema.json`), one file each.

pub mod skops_unsafe_type;
