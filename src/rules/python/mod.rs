//! Rules of the `python` family, one file each.

pub mod pyc_malformed;
pub mod pyc_source_mismatch;
pub mod pyc_sourceless;
pub mod pyc_unchecked_hash;
pub mod python_credential_access;
pub mod python_credential_stealer;
pub mod python_exec_computed;
pub mod python_exec_decoded;
pub mod python_hidden_process;
pub mod python_host_fingerprint;
pub mod python_input_capture;
pub mod python_listener_at_load;
pub mod python_miner;
pub mod python_network_at_load;
pub mod python_shell_command;
pub mod python_source_encoding;
pub mod python_startup_write;
pub mod setup_install_hook;
