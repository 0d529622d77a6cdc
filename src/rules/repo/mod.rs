//! Rules of the `repo` family (Hugging Face model repositories, run by the check stage), one
//! file each.

pub mod config_target_call;
pub mod pickle_weights_in_repo;
pub mod remote_code;
pub mod shard_index_mismatch;
pub mod shard_missing;
pub mod shard_unreferenced;
