//! A progress bar on stderr for runs that take more than a moment (terminal only).

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Shown after this long, so quick runs stay quiet.
const DELAY: Duration = Duration::from_millis(700);

/// A progress bar that appears only when enabled and after [`DELAY`].
pub struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Progress {
    /// A bar that draws only when `enabled` (stderr is a terminal and not `--quiet`).
    pub fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let b = ProgressBar::hidden();
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} files {pos}/{len} {wide_bar} {elapsed}")
            {
                b.set_style(style);
            }
            b
        });
        Progress {
            bar,
            start: Instant::now(),
        }
    }

    /// Record that `done` of `total` files are finished.
    pub fn tick(&self, done: usize, total: usize) {
        if let Some(b) = &self.bar {
            if b.is_hidden() && self.start.elapsed() > DELAY {
                b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
