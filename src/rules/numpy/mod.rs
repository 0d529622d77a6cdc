//! Rules of the `numpy` family, one file each.

pub mod numpy_invalid_header;
pub mod numpy_object_array;
pub mod numpy_trailing_data;
