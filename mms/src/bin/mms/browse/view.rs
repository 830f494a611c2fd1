//! Drawing `mms browse`: a pure function of the [`State`] onto a ratatui frame. Fits 80×24:
//! a title line, the object tree on the left, the live value and the reports on the right, a
//! status line and a key (or prompt) line.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::state::{Kind, Load, Mode, State};
use super::values::value_lines;

/// The help screen's lines.
pub const HELP: &[&str] = &[
    "Up/Down, k/j   move        PgUp/PgDn  move by 10",
    "Enter, Right/l expand (a variable's type is asked once)",
    "Left/h         collapse, or go to the parent",
    "w              write the selected variable (typed editor,",
    "               then y to confirm, n/Esc to cancel; Ctrl-U clears)",
    "d              download the selected file",
    "r              read now; reload a domain, list or the files",
    "J / K          scroll the value down / up",
    "q, Ctrl-C      quit        ?  this help (any key closes)",
    "",
    "The selected variable is read again at --rate; quality (q)",
    "and timestamps (t) of IEC 61850 structures are decoded.",
];

/// Draws the whole screen.
pub fn draw(f: &mut Frame<'_>, s: &State) {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(5),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .split(f.area());
    f.render_widget(Paragraph::new(title(s)), rows[0]);
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(rows[1]);
    draw_tree(f, s, cols[0]);
    let right = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(6), Constraint::Length(7)])
        .split(cols[1]);
    draw_value(f, s, right[0]);
    draw_reports(f, s, right[1]);
    f.render_widget(Paragraph::new(status(s)), rows[2]);
    f.render_widget(Paragraph::new(bottom(s)), rows[3]);
    if s.mode == Mode::Help {
        draw_help(f, f.area());
    }
}

fn title(s: &State) -> Line<'static> {
    let who = match &s.identity {
        Some(i) => format!("{} {} {}", i.vendor, i.model, i.revision),
        None => "identifying...".into(),
    };
    Line::from(vec![
        Span::styled("mms browse ", Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(format!("{} | {who}", s.target)),
    ])
}

fn draw_tree(f: &mut Frame<'_>, s: &State, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title("Objects");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let vis = s.visible();
    if vis.is_empty() {
        f.render_widget(Paragraph::new("loading..."), inner);
        return;
    }
    let height = usize::from(inner.height.max(1));
    let row = s.selected_row().unwrap_or(0);
    let offset = row.saturating_sub(height - 1);
    let lines: Vec<Line<'_>> = vis
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, &n)| {
            let node = &s.nodes[n];
            let mark = if !node.expandable() {
                ' '
            } else if node.load == Load::Loading {
                '~'
            } else if node.expanded {
                '-'
            } else {
                '+'
            };
            let sel = if i == row { '>' } else { ' ' };
            let text = format!(
                "{sel}{}{mark} {}{}",
                "  ".repeat(node.depth),
                prefix(&node.kind),
                node.label
            );
            let mut spans = vec![Span::raw(text)];
            if !node.detail.is_empty() {
                spans.push(Span::styled(
                    format!(" {}", node.detail),
                    Style::default().add_modifier(Modifier::DIM),
                ));
            }
            let line = Line::from(spans);
            if i == row {
                line.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// A short marker of what a node is, for the tree.
fn prefix(k: &Kind) -> &'static str {
    match k {
        Kind::Domain(_) => "LD ",
        Kind::List(_) => "DS ",
        Kind::Journal(_) => "LOG ",
        Kind::File(_) => "",
        _ => "",
    }
}

fn draw_value(f: &mut Frame<'_>, s: &State, area: Rect) {
    let sel = s.selected;
    let name = sel
        .and_then(|n| s.readable(n))
        .map(|n| super::values::clean(&n.to_string()));
    let title = match &name {
        Some(_) => format!(
            "Value, every {:.1}s (reads {})",
            s.rate.as_secs_f64(),
            s.reads
        ),
        None => "Value".into(),
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    let mut lines: Vec<Line<'_>> = Vec::new();
    match (sel, &name) {
        (Some(n), Some(name)) => {
            lines.push(Line::styled(
                name.clone(),
                Style::default().add_modifier(Modifier::BOLD),
            ));
            if let Some(t) = s.type_of(n) {
                lines.push(Line::raw(format!("type {}", super::state::type_text(t))));
            }
            match &s.value {
                Some((v, d)) if *v == n => {
                    let label = &s.nodes[n].label;
                    let short = label.rsplit('$').next().unwrap_or(label);
                    lines.extend(
                        value_lines(short, s.type_of(n), d)
                            .into_iter()
                            .map(Line::raw),
                    );
                }
                _ => lines.push(Line::raw("reading...")),
            }
        }
        (Some(n), None) => {
            let node = &s.nodes[n];
            lines.push(Line::raw(node.label.clone()));
            match &node.kind {
                Kind::File(_) => lines.push(Line::raw(format!("{} - d downloads it", node.detail))),
                Kind::Journal(_) => match &s.journal {
                    Some((j, entries)) if *j == n => {
                        lines.push(Line::raw(format!(
                            "{} entries, newest first (r reads again)",
                            entries.len()
                        )));
                        lines.extend(entries.iter().rev().map(|e| Line::raw(e.clone())));
                    }
                    _ => lines.push(Line::raw("reading...")),
                },
                _ => lines.push(Line::raw(format!("{} entries", node.children.len()))),
            }
        }
        _ => {}
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((s.value_scroll, 0)),
        area,
    );
}

fn draw_reports(f: &mut Frame<'_>, s: &State, area: Rect) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!("Reports ({})", s.report_count));
    let lines: Vec<Line<'_>> = s
        .reports
        .iter()
        .take(usize::from(area.height))
        .map(|r| Line::raw(r.clone()))
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn status(s: &State) -> Line<'static> {
    let rtt = match s.rtt {
        Some(d) => format!("rtt {:.1} ms", d.as_secs_f64() * 1000.0),
        None => "rtt -".into(),
    };
    let mut spans = vec![Span::raw(rtt)];
    if let Some(m) = &s.message {
        spans.push(Span::raw(format!(" | {m}")));
    }
    if let Some(e) = &s.error {
        spans.push(Span::styled(
            format!(" | error: {e}"),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    }
    Line::from(spans)
}

fn bottom(s: &State) -> Line<'static> {
    match &s.mode {
        Mode::Edit {
            node,
            buffer,
            error,
        } => {
            let ty = s
                .type_of(*node)
                .map(super::state::type_text)
                .unwrap_or_default();
            let mut l = super::values::clean(&format!("new value ({ty}): {buffer}_"));
            if let Some(e) = error {
                l.push_str(&super::values::clean(&format!("  [{e}]")));
            }
            Line::raw(l)
        }
        Mode::Confirm { node, text, .. } => {
            let name = s
                .readable(*node)
                .map(ToString::to_string)
                .unwrap_or_default();
            Line::styled(
                super::values::clean(&format!("write {text} to {name}? y/n")),
                Style::default().add_modifier(Modifier::BOLD),
            )
        }
        _ => Line::raw(
            "arrows/jk move  Enter expand  w write  d download  r refresh  ? help  q quit",
        ),
    }
}

fn draw_help(f: &mut Frame<'_>, area: Rect) {
    let w = 72.min(area.width);
    let h = (HELP.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(HELP.iter().map(|l| Line::raw(*l)).collect::<Vec<_>>())
            .block(Block::default().borders(Borders::ALL).title("Keys")),
        r,
    );
}

#[cfg(test)]
mod tests {
    use super::super::state::{Key, Reply, State};
    use super::*;
    use mms::client::ops::Identity;
    use mms::data::Data;
    use mms::types::{StructureComponent, TypeDescription};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::time::Duration;

    fn screen(s: &State) -> String {
        let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        t.draw(|f| draw(f, s)).expect("draw");
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    fn state() -> State {
        let mut s = State::new("127.0.0.1:102", Duration::from_secs(1));
        s.reply(
            Reply::Identity(Identity {
                vendor: "osi-mms".into(),
                model: "demo".into(),
                revision: "0.1".into(),
            }),
            None,
        );
        s.reply(Reply::Domains(vec!["DEMOLD0".into()]), None);
        s.key(Key::Enter);
        s.reply(
            Reply::Domain {
                node: 0,
                variables: vec!["GGIO1".into()],
                lists: vec!["LLN0$DataSet1".into()],
                journals: vec![],
            },
            Some(Duration::from_micros(1500)),
        );
        s
    }

    #[test]
    fn the_tree_identity_and_status_fit_80_by_24() {
        let s = state();
        let out = screen(&s);
        assert!(out.contains("osi-mms demo 0.1"), "{out}");
        assert!(out.contains(">- LD DEMOLD0"), "{out}");
        assert!(out.contains("+ GGIO1"), "{out}");
        assert!(out.contains("+ lists 1"), "{out}");
        assert!(out.contains("rtt 1.5 ms"), "{out}");
        assert!(out.contains("q quit"), "{out}");
        assert_eq!(out.lines().count(), 24);
    }

    #[test]
    fn a_servers_control_characters_never_reach_the_terminal() {
        let mut s = State::new("h", Duration::from_secs(1));
        s.reply(
            Reply::Identity(Identity {
                vendor: "evil\u{1b}]0;title\u{7}".into(),
                model: "m\r".into(),
                revision: "1".into(),
            }),
            None,
        );
        s.reply(Reply::Domains(vec!["D\u{1b}[2J".into()]), None);
        s.reply(
            Reply::Failed {
                node: None,
                error: "bad\u{1b}[31m".into(),
            },
            None,
        );
        let out = screen(&s);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{out:?}");
        assert!(out.contains("evil?]0;title?"), "{out}");
        assert!(out.contains("LD D?[2J"), "{out}");
    }

    #[test]
    fn the_value_pane_decodes_quality_and_time_and_the_editor_prompts() {
        let mut s = state();
        s.key(Key::Down);
        let v = s.selected.expect("selected");
        let ty = TypeDescription::Structure {
            packed: false,
            components: vec![
                StructureComponent::named("stVal", TypeDescription::Boolean),
                StructureComponent::named("q", TypeDescription::BitString(-13)),
                StructureComponent::named("t", TypeDescription::UtcTime),
            ],
        };
        s.reply(Reply::Type { node: v, ty }, None);
        s.reply(
            Reply::Value {
                node: v,
                value: Data::structure(vec![
                    Data::Boolean(true),
                    Data::BitString(mms::iec61850::Quality::default().to_bit_string()),
                    Data::UtcTime(mms::data::UtcTime {
                        seconds: 0,
                        fraction: 0,
                        quality: 10,
                    }),
                ]),
            },
            None,
        );
        let out = screen(&s);
        assert!(out.contains("DEMOLD0/GGIO1"), "{out}");
        assert!(out.contains("stVal: true"), "{out}");
        assert!(out.contains("q: good"), "{out}");
        assert!(out.contains("t: 1970-01-01T00:00:00.000Z acc 10b"), "{out}");
        s.reply(
            Reply::Report("12:00:00 DEMOLD0/LLN0$DataSet1: true".into()),
            None,
        );
        s.reply(
            Reply::Failed {
                node: None,
                error: "object-access-denied".into(),
            },
            None,
        );
        let out = screen(&s);
        assert!(out.contains("Reports (1)"), "{out}");
        assert!(out.contains("DataSet1: true"), "{out}");
        assert!(out.contains("error: object-access-denied"), "{out}");
        // J scrolls the value pane, K back; a new selection starts at the top.
        s.key(Key::Char('J'));
        let out = screen(&s);
        assert!(
            !out.contains("type struct(3)") && out.contains("t: 1970"),
            "{out}"
        );
        s.key(Key::Char('K'));
        assert!(screen(&s).contains("type struct(3)"));
        s.key(Key::Char('?'));
        assert!(screen(&s).contains("download the selected file"));
        s.key(Key::Char('x'));
        assert!(!screen(&s).contains("download the selected file"));
    }
}
