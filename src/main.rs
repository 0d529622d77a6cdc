//! The `airlock` binary: parse the command line and hand it to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    airlock::run(airlock::cli::Cli::parse())
}
