//! Rules of the `hdf5` family, one file each.

pub mod hdf5_unreadable;
pub mod hdf5_user_block;
