//! Rules of the `keras` family (Keras v3 `.keras` configs and legacy HDF5 `model_config`), one
//! file each.

pub mod keras_external_object;
pub mod keras_invalid_config;
pub mod keras_lambda_layer;
pub mod keras_unsafe_function;
