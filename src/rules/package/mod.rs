//! Rules of the `package` family, one file each.

pub mod entry_point_shadows_command;
pub mod installed_record_mismatch;
pub mod pth_executable_line;
pub mod pth_untrusted_path;
pub mod requirements_extra_index;
pub mod startup_entry_point;
pub mod startup_file_unowned;
pub mod startup_hook_file;
pub mod wheel_binary_in_pure_wheel;
pub mod wheel_record_mismatch;
pub mod wheel_record_missing;
