//! Rules of the `onnx` family, one file each.

pub mod onnx_custom_operator;
pub mod onnx_external_data_symlink;
pub mod onnx_external_data_traversal;
pub mod onnx_malformed;
