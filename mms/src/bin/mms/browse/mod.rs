//! `mms browse HOST[:PORT]`: a terminal user interface over one association: the server's
//! identity, a tree of domains, variables (types from GetVariableAccessAttributes, ISO 9506-2
//! §14.9), named variable lists, journals and files; the selected variable read again at
//! `--rate`; typed writes with confirmation; incoming informationReports; file downloads.
//!
//! The state ([`state`]) changes only by events and is drawn by a pure function ([`view`]);
//! the MMS exchanges run on a worker thread ([`worker`]), so the interface never waits on the
//! network. The terminal is restored on every way out, a panic included.

pub mod state;
pub mod values;
pub mod view;
pub mod worker;

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use state::{Key, State};

/// Options of `mms browse`.
#[derive(Debug, Clone, clap::Args)]
pub struct BrowseArgs {
    /// The server, HOST[:PORT] (default port 3782 with TLS, 102 without).
    pub target: String,
    /// Seconds between reads of the selected variable.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub rate: f64,
    /// Where `d` saves downloaded files.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub download_dir: PathBuf,
    /// How to reach the server: addressing, security, time-outs (as `mms client`).
    #[command(flatten)]
    pub conn: crate::client_cmd::ConnectArgs,
}

/// Puts the terminal back as it was: cooked mode, main screen, cursor shown.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Restores the terminal when dropped (every return path, and unwinding).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}

/// A terminal key as the state's [`Key`].
fn key(k: KeyEvent) -> Option<Key> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    Some(match k.code {
        KeyCode::Char('c') if ctrl => Key::Interrupt,
        KeyCode::Char('u') if ctrl => Key::ClearLine,
        KeyCode::Char(c) if !ctrl => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        _ => return None,
    })
}

/// `mms browse`.
pub fn run(args: &BrowseArgs) -> Result<(), String> {
    if !(args.rate.is_finite() && args.rate >= 0.05) {
        return Err(format!(
            "--rate {}: at least 0.05 seconds between reads",
            args.rate
        ));
    }
    let rate = Duration::from_secs_f64(args.rate);
    // Associate before taking the terminal: a refusal prints as `mms client` prints it.
    let client = crate::client_cmd::connect_serving(&args.target, &args.conn, None)?;
    if !io::stdout().is_terminal() {
        let _ = client.conclude();
        return Err(
            "mms browse draws on a terminal and standard output is not one (for scripts: \
             mms client)"
                .into(),
        );
    }
    let (done_tx, done_rx) = mpsc::channel();
    let requests = worker::spawn(client.clone(), args.download_dir.clone(), done_tx);
    let mut state = State::new(&args.target, rate);
    for r in state.start() {
        let _ = requests.send(r);
    }

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode().map_err(|e| format!("terminal: {e}"))?;
    let guard = Restore;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)
        .map_err(|e| format!("terminal: {e}"))?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(io::stdout())).map_err(|e| format!("terminal: {e}"))?;
    let result = ui_loop(&mut terminal, &mut state, &requests, &done_rx);
    drop(guard);
    drop(requests);
    let _ = client.conclude();
    result
}

fn ui_loop(
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    state: &mut State,
    requests: &mpsc::Sender<state::Request>,
    done: &mpsc::Receiver<worker::Done>,
) -> Result<(), String> {
    let err = |e: io::Error| format!("terminal: {e}");
    while !state.quit {
        terminal.draw(|f| view::draw(f, state)).map_err(err)?;
        let mut out = Vec::new();
        if event::poll(Duration::from_millis(50)).map_err(err)? {
            if let Event::Key(k) = event::read().map_err(err)? {
                if let Some(k) = key(k) {
                    out.extend(state.key(k));
                }
            }
        }
        // At most a bounded number of replies a round, so keys stay responsive under a flood
        // of reports.
        for _ in 0..256 {
            match done.try_recv() {
                Ok((reply, rtt)) => out.extend(state.reply(reply, rtt)),
                Err(_) => break,
            }
        }
        out.extend(state.tick(Instant::now()));
        for r in out {
            if requests.send(r).is_err() {
                return Err("the association ended".into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_keys_map_to_the_states_keys() {
        let k = |code, m| key(KeyEvent::new(code, m));
        assert_eq!(
            k(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Key::Interrupt)
        );
        assert_eq!(
            k(KeyCode::Char('u'), KeyModifiers::CONTROL),
            Some(Key::ClearLine)
        );
        assert_eq!(k(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
        assert_eq!(
            k(KeyCode::Char('J'), KeyModifiers::SHIFT),
            Some(Key::Char('J'))
        );
        assert_eq!(k(KeyCode::Down, KeyModifiers::NONE), Some(Key::Down));
        assert_eq!(k(KeyCode::F(1), KeyModifiers::NONE), None);
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(key(release), None, "a key counts once, when pressed");
    }
}
