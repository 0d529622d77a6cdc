//! The rule registry: one static descriptor per rule, listed once in [`RULES`].
//!
//! Each rule lives in `src/rules/<family>/<rule>.rs` and is documented in
//! `docs/rules/<rule-id>.md` (checked by the tests). Ids are stable kebab-case names and are never
//! reused; a renamed rule goes through [`REDIRECTS`].

use crate::finding::Severity;

pub mod advisory;
pub mod archive;
pub mod chat_template;
pub mod core;
pub mod gguf;
pub mod hdf5;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod package;
pub mod pickle;
pub mod python;
pub mod pytorch;
pub mod repo;
pub mod safetensors;
pub mod skops;
pub mod tf;
pub mod torchscript;

/// Where the rule pages are published; a rule's page is `DOCS_BASE_URL` + id + `.md`.
pub const DOCS_BASE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules/");

/// A rule's fixed description.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// Stable kebab-case id, for example `pickle-dangerous-call`.
    pub id: &'static str,
    /// Severity of its findings unless the rule grades them otherwise.
    pub default_severity: Severity,
    /// One sentence, lowercase start, no final period.
    pub summary: &'static str,
    /// The formats it applies to, comma separated.
    pub formats: &'static str,
    /// The airlock version that introduced it.
    pub since: &'static str,
}

impl Rule {
    /// The rule's documentation page URL.
    pub fn doc_url(&self) -> String {
        format!("{DOCS_BASE_URL}{}.md", self.id)
    }

    /// The rule's documentation page, compiled in from `docs/rules/<id>.md`.
    pub fn doc(&self) -> Option<&'static str> {
        DOCS.iter().find(|(id, _)| *id == self.id).map(|(_, d)| *d)
    }
}

/// Every rule, in a fixed order (families, then severity).
pub static RULES: &[&Rule] = &[
    &pickle::pickle_dangerous_call::RULE,
    &pickle::pickle_dangerous_global::RULE,
    &pickle::pickle_unresolved_call::RULE,
    &pickle::pickle_unknown_call::RULE,
    &pickle::pickle_unknown_global::RULE,
    &pickle::pickle_broken_after_call::RULE,
    &pickle::pickle_malformed::RULE,
    &pickle::pickle_trailing_data::RULE,
    &pickle::pickle_unsupported_protocol::RULE,
    &pickle::pickle_attribute_access::RULE,
    &pickle::pickle_global_mutation::RULE,
    &pickle::joblib_sidecar_path::RULE,
    &archive::zip_header_mismatch::RULE,
    &archive::zip_crc_mismatch::RULE,
    &archive::zip_encrypted_flag::RULE,
    &archive::archive_prefix_data::RULE,
    &archive::zip_hidden_data::RULE,
    &archive::zip_overlapping_members::RULE,
    &archive::tar_hidden_data::RULE,
    &archive::archive_path_traversal::RULE,
    &archive::archive_malformed::RULE,
    &archive::archive_unsupported_method::RULE,
    &core::resource_limit::RULE,
    &core::format_extension_mismatch::RULE,
    &core::polyglot_file::RULE,
    &core::unrecognised_model_file::RULE,
    &core::symlink_outside_root::RULE,
    &core::io_error::RULE,
    &core::analysis_error::RULE,
    &core::yara_match::RULE,
    &core::json_duplicate_key::RULE,
    &safetensors::safetensors_invalid_header::RULE,
    &safetensors::safetensors_trailing_data::RULE,
    &numpy::numpy_object_array::RULE,
    &numpy::numpy_invalid_header::RULE,
    &numpy::numpy_trailing_data::RULE,
    &pytorch::torch_legacy_trailing_data::RULE,
    &python::python_exec_computed::RULE,
    &python::python_exec_decoded::RULE,
    &python::python_hidden_process::RULE,
    &python::python_source_encoding::RULE,
    &python::python_miner::RULE,
    &python::python_shell_command::RULE,
    &python::python_credential_stealer::RULE,
    &python::python_host_fingerprint::RULE,
    &python::python_listener_at_load::RULE,
    &python::python_input_capture::RULE,
    &python::python_credential_access::RULE,
    &python::python_network_at_load::RULE,
    &python::python_startup_write::RULE,
    &python::setup_install_hook::RULE,
    &python::pyc_sourceless::RULE,
    &python::pyc_source_mismatch::RULE,
    &python::pyc_unchecked_hash::RULE,
    &python::pyc_malformed::RULE,
    &package::pth_executable_line::RULE,
    &package::pth_untrusted_path::RULE,
    &package::requirements_extra_index::RULE,
    &package::startup_entry_point::RULE,
    &package::startup_hook_file::RULE,
    &package::wheel_record_mismatch::RULE,
    &package::wheel_record_missing::RULE,
    &package::wheel_binary_in_pure_wheel::RULE,
    &package::entry_point_shadows_command::RULE,
    &package::installed_record_mismatch::RULE,
    &package::startup_file_unowned::RULE,
    &advisory::known_malicious_release::RULE,
    &advisory::known_vulnerable_release::RULE,
    &repo::shard_missing::RULE,
    &repo::shard_index_mismatch::RULE,
    &repo::remote_code::RULE,
    &repo::config_target_call::RULE,
    &repo::shard_unreferenced::RULE,
    &repo::pickle_weights_in_repo::RULE,
    &onnx::onnx_external_data_traversal::RULE,
    &onnx::onnx_external_data_symlink::RULE,
    &onnx::onnx_custom_operator::RULE,
    &onnx::onnx_malformed::RULE,
    &tf::tf_python_op::RULE,
    &tf::tf_file_op::RULE,
    &tf::tf_network_op::RULE,
    &tf::tf_savedmodel_malformed::RULE,
    &keras::keras_lambda_layer::RULE,
    &keras::keras_external_object::RULE,
    &keras::keras_unsafe_function::RULE,
    &keras::keras_invalid_config::RULE,
    &skops::skops_unsafe_type::RULE,
    &hdf5::hdf5_unreadable::RULE,
    &hdf5::hdf5_user_block::RULE,
    &torchscript::torchscript_dangerous_call::RULE,
    &gguf::gguf_malformed::RULE,
    &gguf::gguf_trailing_data::RULE,
    &gguf::gguf_truncated::RULE,
    &chat_template::chat_template_sandbox_escape::RULE,
    &chat_template::chat_template_suspicious_access::RULE,
    &chat_template::chat_template_unparsable::RULE,
];

/// Old rule ids and the ids that replace them (none yet).
pub static REDIRECTS: &[(&str, &str)] = &[];

/// Look a rule up by id, following [`REDIRECTS`].
pub fn by_id(id: &str) -> Option<&'static Rule> {
    let id = REDIRECTS
        .iter()
        .find(|(old, _)| *old == id)
        .map_or(id, |(_, new)| *new);
    RULES.iter().copied().find(|r| r.id == id)
}

macro_rules! docs {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../docs/rules/", $id, ".md")))),*]
    };
}

/// The rule pages, compiled in for `airlock explain`.
static DOCS: &[(&str, &str)] = docs!(
    "pickle-dangerous-call",
    "pickle-dangerous-global",
    "pickle-unresolved-call",
    "pickle-unknown-call",
    "pickle-unknown-global",
    "pickle-broken-after-call",
    "pickle-malformed",
    "pickle-trailing-data",
    "pickle-unsupported-protocol",
    "pickle-attribute-access",
    "pickle-global-mutation",
    "joblib-sidecar-path",
    "zip-header-mismatch",
    "zip-crc-mismatch",
    "zip-encrypted-flag",
    "archive-prefix-data",
    "zip-hidden-data",
    "zip-overlapping-members",
    "tar-hidden-data",
    "archive-path-traversal",
    "archive-malformed",
    "archive-unsupported-method",
    "resource-limit",
    "format-extension-mismatch",
    "polyglot-file",
    "unrecognised-model-file",
    "symlink-outside-root",
    "json-duplicate-key",
    "io-error",
    "analysis-error",
    "yara-match",
    "safetensors-invalid-header",
    "safetensors-trailing-data",
    "numpy-object-array",
    "numpy-invalid-header",
    "numpy-trailing-data",
    "torch-legacy-trailing-data",
    "python-exec-computed",
    "python-exec-decoded",
    "python-hidden-process",
    "python-source-encoding",
    "python-miner",
    "python-shell-command",
    "python-credential-stealer",
    "python-host-fingerprint",
    "python-listener-at-load",
    "python-input-capture",
    "python-credential-access",
    "python-network-at-load",
    "python-startup-write",
    "setup-install-hook",
    "pyc-sourceless",
    "pyc-source-mismatch",
    "pyc-unchecked-hash",
    "pyc-malformed",
    "pth-executable-line",
    "pth-untrusted-path",
    "requirements-extra-index",
    "startup-entry-point",
    "startup-hook-file",
    "wheel-record-mismatch",
    "wheel-record-missing",
    "wheel-binary-in-pure-wheel",
    "entry-point-shadows-command",
    "installed-record-mismatch",
    "startup-file-unowned",
    "known-malicious-release",
    "known-vulnerable-release",
    "shard-missing",
    "shard-index-mismatch",
    "remote-code",
    "config-target-call",
    "shard-unreferenced",
    "pickle-weights-in-repo",
    "onnx-external-data-traversal",
    "onnx-external-data-symlink",
    "onnx-custom-operator",
    "onnx-malformed",
    "tf-python-op",
    "tf-file-op",
    "tf-network-op",
    "tf-savedmodel-malformed",
    "keras-lambda-layer",
    "keras-external-object",
    "keras-unsafe-function",
    "keras-invalid-config",
    "skops-unsafe-type",
    "hdf5-unreadable",
    "hdf5-user-block",
    "torchscript-dangerous-call",
    "gguf-malformed",
    "gguf-trailing-data",
    "gguf-truncated",
    "chat-template-sandbox-escape",
    "chat-template-suspicious-access",
    "chat-template-unparsable",
);
