//! The `postpolicy` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

/// A run allocates many small, short-lived strings (TOML trees, fields, JSON); mimalloc serves
/// them markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = postpolicy::cli::Cli::parse();
    postpolicy::commands::run(cli).into()
}
