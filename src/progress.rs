//! Progress on stderr for long runs of many items (a batch's runs, a stress
//! test's disruptions): a bar on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Progress on stderr: a bar on a terminal, plain lines otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    enabled: bool,
    done: AtomicUsize,
    lines: Mutex<()>,
}

impl Progress {
    /// `unit` names what is counted (`runs`, `disruptions`); `enabled`
    /// false shows nothing.
    pub fn new(total: usize, unit: &str, enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {unit}, {{elapsed}} (eta {{eta}}) {{msg}}"
            )) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            enabled,
            done: AtomicUsize::new(0),
            lines: Mutex::new(()),
        }
    }

    /// One item done: `name` and its `status` (plain lines only).
    pub fn step(&self, name: &str, status: &str, started: Instant) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(name.to_string());
                bar.inc(1);
            }
            None if self.enabled => {
                let _guard = self.lines.lock();
                eprintln!(
                    "[{done}/{}] {name}: {status} ({:.2} s)",
                    self.total,
                    started.elapsed().as_secs_f64()
                );
            }
            None => {}
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
