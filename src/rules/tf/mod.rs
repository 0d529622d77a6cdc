//! Rules of the `tf` family (TensorFlow SavedModel), one file each.

pub mod tf_file_op;
pub mod tf_network_op;
pub mod tf_python_op;
pub mod tf_savedmodel_malformed;
