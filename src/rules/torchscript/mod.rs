//! Rules of the `torchscript` family (the `code/` source of TorchScript archives), one file each.

pub mod torchscript_dangerous_call;
