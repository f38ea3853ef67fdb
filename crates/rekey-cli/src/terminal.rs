//! The controlling terminal itself (`/dev/tty`, or the console on Windows), not stdin and stdout:
//! what a person answers there cannot be piped in by a script, and what is written there does not
//! end up in a file or a pipe that stdout is redirected to.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};

pub struct Terminal {
    input: BufReader<File>,
    output: File,
}

impl Terminal {
    /// The terminal this command runs in, or `None` when there is none (a service, a pipeline
    /// started without a terminal, `setsid`).
    pub fn open() -> Option<Terminal> {
        #[cfg(windows)]
        let (input, output) = ("CONIN$", "CONOUT$");
        #[cfg(not(windows))]
        let (input, output) = ("/dev/tty", "/dev/tty");
        let reader = std::fs::OpenOptions::new().read(true).open(input).ok()?;
        let writer = std::fs::OpenOptions::new().write(true).open(output).ok()?;
        Some(Terminal {
            input: BufReader::new(reader),
            output: writer,
        })
    }

    /// Writes `text` as it is (no newline added) and flushes it.
    pub fn write(&mut self, text: &str) -> std::io::Result<()> {
        self.output.write_all(text.as_bytes())?;
        self.output.flush()
    }

    /// Asks `question` and says whether the answer was yes (`y` or `yes`, any case). End of input
    /// counts as no.
    pub fn confirm(&mut self, question: &str) -> std::io::Result<bool> {
        self.write(&format!("{question} [y/N] "))?;
        let mut answer = String::new();
        if self.input.read_line(&mut answer)? == 0 {
            self.write("\n")?;
            return Ok(false);
        }
        Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
    }
}
