//! The `tccc` command. Everything lives in the library; this only maps the outcome to an
//! exit code (0 ok, 2 bad input or usage, 1 internal).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    tccc::logging::init(log::LevelFilter::Warn, true);
    match tccc::cli::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tccc: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
