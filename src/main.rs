//! The `tccc` command. Everything lives in the library; this only maps the outcome to an
//! exit code (0 ok, 2 bad input or usage, 1 internal).

use std::process::ExitCode;

fn main() -> ExitCode {
    tccc::logging::init(log::LevelFilter::Warn, true);
    // Arguments as the operating system gave them: a path that is not UTF-8 is still a path.
    let code = tccc::cli::main(std::env::args_os().skip(1));
    // Write out what the threads logged before the process ends.
    tccc::logging::flush();
    ExitCode::from(code)
}
