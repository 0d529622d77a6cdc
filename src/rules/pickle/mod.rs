//! Rules of the `pickle` family, one file each.

pub mod joblib_sidecar_path;
pub mod pickle_attribute_access;
pub mod pickle_broken_after_call;
pub mod pickle_dangerous_call;
pub mod pickle_dangerous_global;
pub mod pickle_global_mutation;
pub mod pickle_malformed;
pub mod pickle_trailing_data;
pub mod pickle_unknown_call;
pub mod pickle_unknown_global;
pub mod pickle_unresolved_call;
pub mod pickle_unsupported_protocol;
