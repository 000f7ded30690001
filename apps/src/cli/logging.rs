//! Logging to stderr: `-v` / `-q` set the level (`RUST_LOG`, when set, wins), and
//! colour codes are written only when stderr is a terminal.
//!
//! Levels: errors with `-q`; warnings by default; the pipeline's progress with `-v`;
//! every order and fill as a structured event with `-vv`; everything with `-vvv`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The logging flags, global to every command.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Log more: -v progress, -vv orders and fills, -vvv everything.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
}

impl Args {
    /// The filter these flags ask for.
    fn filter(&self) -> &'static str {
        match (self.quiet, self.verbose) {
            (true, _) => "error",
            (false, 0) => "warn",
            (false, 1) => "info",
            (false, 2) => "debug",
            (false, _) => "trace",
        }
    }

    /// Installs the logger.
    pub(crate) fn init(&self) {
        let filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(self.filter()));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
}
