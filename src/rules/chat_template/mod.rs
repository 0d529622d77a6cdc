//! Rules of the `chat_template` family, one file each.

pub mod chat_template_sandbox_escape;
pub mod chat_template_suspicious_access;
pub mod chat_template_unparsable;
