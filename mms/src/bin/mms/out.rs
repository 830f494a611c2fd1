//! Standard output for the program. Rust ignores SIGPIPE, so a plain `println!` panics when the
//! reader went away (`mms client ... | head`); here a closed pipe ends the program quietly with
//! status 0, as the shell tools do, and any other write error ends it with a message.

use std::io::{self, Write};

/// Standard output with the closed-pipe rule (see the module documentation).
pub struct Stdout;

/// What a failed write to standard output does: never returns.
fn failed(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("mms: cannot write to standard output: {e}");
    std::process::exit(1)
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match io::stdout().lock().write(buf) {
            Err(e) => failed(e),
            ok => ok,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match io::stdout().lock().flush() {
            Err(e) => failed(e),
            ok => ok,
        }
    }
}

/// Writes a formatted line to [`Stdout`].
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = Stdout;
    // Errors never come back from Stdout: it ends the program instead.
    let _ = out.write_fmt(args);
    let _ = out.write_all(b"\n");
}
