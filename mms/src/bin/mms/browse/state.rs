//! The state of `mms browse`: the object tree, the live value, the reports, the editor and the
//! status line, changed only by [`State::key`], [`State::reply`] and [`State::tick`]. No I/O:
//! each of them returns the [`Request`]s the worker is to carry out.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use mms::client::files::FileEntry;
use mms::client::ops::Identity;
use mms::data::Data;
use mms::server::model::format::{type_to_json, value_from_json, value_to_json};
use mms::types::{TypeDescription, TypeSpecification};
use mms::ObjectName;

use super::values::clean;

/// Reports kept for the reports pane; older ones are dropped.
pub const MAX_REPORTS: usize = 200;

/// A key, as the state understands it (independent of the terminal library).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Backspace.
    Backspace,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Ctrl-U: clears the editor.
    ClearLine,
    /// Ctrl-C: quits from anywhere.
    Interrupt,
    /// A printable character.
    Char(char),
}

/// What the worker is asked to do (one MMS exchange or a few).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Identify (ISO 9506-1 §10.1) and the domains (GetNameList).
    Start,
    /// The named variables, lists and journals of a domain (GetNameList).
    Domain {
        /// The domain's node.
        node: usize,
        /// Its name.
        domain: String,
    },
    /// A variable's type (GetVariableAccessAttributes).
    Type {
        /// The variable's node.
        node: usize,
        /// Its name.
        name: ObjectName<'static>,
    },
    /// A named variable list's members (GetNamedVariableListAttributes).
    Members {
        /// The list's node.
        node: usize,
        /// Its name.
        name: ObjectName<'static>,
    },
    /// The file directory (FileDirectory).
    Files {
        /// The files node.
        node: usize,
    },
    /// A journal's entries (ReadJournal, 1984-01-01 until now).
    Journal {
        /// The journal's node.
        node: usize,
        /// Its name.
        name: ObjectName<'static>,
    },
    /// A read of one variable.
    Read {
        /// The variable's node.
        node: usize,
        /// Its name.
        name: ObjectName<'static>,
    },
    /// A write of one variable.
    Write {
        /// Its name.
        name: ObjectName<'static>,
        /// The value.
        value: Data<'static>,
    },
    /// A file download into the download directory.
    Download {
        /// The remote file name.
        file: String,
    },
}

/// What the worker (or the report listener) found.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The server's identity.
    Identity(Identity),
    /// The domains.
    Domains(Vec<String>),
    /// A domain's contents.
    Domain {
        /// The domain's node.
        node: usize,
        /// Top-level variables (no `$`).
        variables: Vec<String>,
        /// Named variable lists.
        lists: Vec<String>,
        /// Journals.
        journals: Vec<String>,
    },
    /// A variable's type.
    Type {
        /// The variable's node.
        node: usize,
        /// The type.
        ty: TypeDescription<'static>,
    },
    /// A list's members.
    Members {
        /// The list's node.
        node: usize,
        /// The members, as names.
        members: Vec<ObjectName<'static>>,
    },
    /// The files.
    Files {
        /// The files node.
        node: usize,
        /// The entries.
        files: Vec<FileEntry>,
    },
    /// A journal's entries, one line each, oldest first.
    Journal {
        /// The journal's node.
        node: usize,
        /// The entries.
        entries: Vec<String>,
    },
    /// A value read.
    Value {
        /// The variable's node.
        node: usize,
        /// The value.
        value: Data<'static>,
    },
    /// A write succeeded.
    Written(String),
    /// A download finished.
    Downloaded {
        /// The remote name.
        file: String,
        /// Where it went.
        path: String,
        /// Its size.
        octets: u64,
    },
    /// An informationReport arrived (already summarised).
    Report(String),
    /// A read failed.
    ReadFailed {
        /// The variable's node.
        node: usize,
        /// Why.
        error: String,
    },
    /// A request failed.
    Failed {
        /// The request's node, if it had one.
        node: Option<usize>,
        /// What failed, for the status line.
        error: String,
    },
}

/// What a tree node stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A domain (an IEC 61850 logical device).
    Domain(String),
    /// A grouping node ("lists", "journals") whose children come with it.
    Group,
    /// A variable or a component of one; `ty` once known.
    Variable {
        /// The name (components as `$` paths).
        name: ObjectName<'static>,
        /// Its type, once known.
        ty: Option<TypeDescription<'static>>,
        /// A top-level variable (its type is asked for), not a component.
        top: bool,
    },
    /// A named variable list.
    List(ObjectName<'static>),
    /// A journal.
    Journal(ObjectName<'static>),
    /// The file store.
    Files,
    /// One file.
    File(String),
    /// A line of text (an error, "empty").
    Note,
}

/// Whether a node's children are there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Not asked for yet.
    No,
    /// Asked for.
    Loading,
    /// There.
    Done,
}

/// One node of the object tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// What is shown.
    pub label: String,
    /// What is shown after it (a type, a size), dimmed.
    pub detail: String,
    /// What it stands for.
    pub kind: Kind,
    /// Nesting depth (0 at the top).
    pub depth: usize,
    /// The node above.
    pub parent: Option<usize>,
    /// The nodes below, in order.
    pub children: Vec<usize>,
    /// Whether the children are there.
    pub load: Load,
    /// Whether the children are shown.
    pub expanded: bool,
}

impl Node {
    /// Whether it can be expanded at all.
    pub fn expandable(&self) -> bool {
        match &self.kind {
            Kind::Domain(_) | Kind::Group | Kind::List(_) | Kind::Files => true,
            Kind::Variable { ty: None, top, .. } => *top,
            Kind::Variable { ty: Some(t), .. } => matches!(t, TypeDescription::Structure { .. }),
            Kind::Journal(_) | Kind::File(_) | Kind::Note => false,
        }
    }
}

/// What the keys do at the moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Moving in the tree.
    Normal,
    /// The help screen.
    Help,
    /// Typing a value for a write.
    Edit {
        /// The variable's node.
        node: usize,
        /// The text typed.
        buffer: String,
        /// Why the text is not a value of the type, after Enter.
        error: Option<String>,
    },
    /// Asking whether to write.
    Confirm {
        /// The variable's node.
        node: usize,
        /// The value.
        value: Data<'static>,
        /// The value as typed.
        text: String,
    },
}

/// The whole state of the browser.
#[derive(Debug)]
pub struct State {
    /// The server, as given.
    pub target: String,
    /// Its identity, once known.
    pub identity: Option<Identity>,
    /// Every node; the tree is `roots` and their children.
    pub nodes: Vec<Node>,
    /// The top-level nodes (domains, then the file store).
    pub roots: Vec<usize>,
    /// The selected node.
    pub selected: Option<usize>,
    /// The node whose value is shown, and the value.
    pub value: Option<(usize, Data<'static>)>,
    /// The entries of the selected journal, once read.
    pub journal: Option<(usize, Vec<String>)>,
    /// How many reads the shown value has had.
    pub reads: u64,
    /// Lines of the value pane scrolled away (J/K), for values longer than the pane.
    pub value_scroll: u16,
    /// Time between reads of the selected value.
    pub rate: Duration,
    /// When the next read is due.
    next_read: Option<Instant>,
    /// A read is under way.
    reading: bool,
    /// informationReports, newest first.
    pub reports: VecDeque<String>,
    /// How many reports arrived in all.
    pub report_count: u64,
    /// The last round-trip time.
    pub rtt: Option<Duration>,
    /// The last error.
    pub error: Option<String>,
    /// The last message (a write done, a download saved).
    pub message: Option<String>,
    /// What the keys do.
    pub mode: Mode,
    /// The user asked to quit.
    pub quit: bool,
}

impl State {
    /// A browser of `target` reading the selected value every `rate`.
    pub fn new(target: &str, rate: Duration) -> State {
        State {
            target: target.to_string(),
            identity: None,
            nodes: Vec::new(),
            roots: Vec::new(),
            selected: None,
            value: None,
            journal: None,
            reads: 0,
            value_scroll: 0,
            rate,
            next_read: None,
            reading: false,
            reports: VecDeque::new(),
            report_count: 0,
            rtt: None,
            error: None,
            message: None,
            mode: Mode::Normal,
            quit: false,
        }
    }

    /// The first requests: identity and domains.
    pub fn start(&self) -> Vec<Request> {
        vec![Request::Start]
    }

    fn add(&mut self, parent: Option<usize>, label: String, detail: String, kind: Kind) -> usize {
        let depth = parent.map_or(0, |p| self.nodes[p].depth + 1);
        let load = match kind {
            Kind::Domain(_) | Kind::List(_) | Kind::Files => Load::No,
            _ => Load::Done,
        };
        self.nodes.push(Node {
            label,
            detail,
            kind,
            depth,
            parent,
            children: Vec::new(),
            load,
            expanded: false,
        });
        let id = self.nodes.len() - 1;
        match parent {
            Some(p) => self.nodes[p].children.push(id),
            None => self.roots.push(id),
        }
        id
    }

    /// The nodes shown, top to bottom.
    pub fn visible(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            let node = &self.nodes[n];
            if node.expanded {
                stack.extend(node.children.iter().rev());
            }
        }
        out
    }

    /// The selected node's position among the visible ones.
    pub fn selected_row(&self) -> Option<usize> {
        let sel = self.selected?;
        self.visible().iter().position(|&n| n == sel)
    }

    fn select(&mut self, n: usize) -> Vec<Request> {
        if self.selected == Some(n) {
            return Vec::new();
        }
        self.selected = Some(n);
        self.value = None;
        self.reads = 0;
        self.value_scroll = 0;
        self.journal = None;
        self.next_read = Some(Instant::now());
        let mut out = Vec::new();
        if let Kind::Journal(name) = &self.nodes[n].kind {
            out.push(Request::Journal {
                node: n,
                name: name.clone(),
            });
        }
        if let Kind::Variable {
            name,
            ty: None,
            top: true,
        } = self.nodes[n].kind.clone()
        {
            if self.nodes[n].load != Load::Loading {
                self.nodes[n].load = Load::Loading;
                out.push(Request::Type {
                    node: n,
                    name: name.clone(),
                });
            }
        }
        out
    }

    fn move_by(&mut self, delta: isize) -> Vec<Request> {
        let vis = self.visible();
        if vis.is_empty() {
            return Vec::new();
        }
        let row = self.selected_row().unwrap_or(0) as isize;
        let to = (row + delta).clamp(0, vis.len() as isize - 1) as usize;
        self.select(vis[to])
    }

    /// The name a node reads (variables and list members).
    pub fn readable(&self, n: usize) -> Option<&ObjectName<'static>> {
        match &self.nodes.get(n)?.kind {
            Kind::Variable { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The type of a node, if it is a variable whose type is known.
    pub fn type_of(&self, n: usize) -> Option<&TypeDescription<'static>> {
        match &self.nodes.get(n)?.kind {
            Kind::Variable { ty, .. } => ty.as_ref(),
            _ => None,
        }
    }

    fn expand(&mut self, n: usize) -> Vec<Request> {
        let node = &self.nodes[n];
        if !node.expandable() {
            return Vec::new();
        }
        if node.expanded {
            return match node.children.first() {
                Some(&c) => self.select(c),
                None => Vec::new(),
            };
        }
        let mut out = Vec::new();
        let load = node.load;
        match (&node.kind, load) {
            (Kind::Domain(d), Load::No) => out.push(Request::Domain {
                node: n,
                domain: d.clone(),
            }),
            (Kind::List(name), Load::No) => out.push(Request::Members {
                node: n,
                name: name.clone(),
            }),
            (Kind::Files, Load::No) => out.push(Request::Files { node: n }),
            (Kind::Variable { name, ty: None, .. }, Load::No | Load::Done) => {
                out.push(Request::Type {
                    node: n,
                    name: name.clone(),
                });
            }
            (Kind::Variable { ty: Some(_), .. }, _) if node.children.is_empty() => {
                self.build_components(n);
            }
            _ => {}
        }
        if !out.is_empty() {
            self.nodes[n].load = Load::Loading;
        }
        self.nodes[n].expanded = true;
        out
    }

    /// Children of a structure-typed variable from its type: one per named component.
    fn build_components(&mut self, n: usize) {
        let (base, comps) = match &self.nodes[n].kind {
            Kind::Variable {
                name,
                ty: Some(TypeDescription::Structure { components, .. }),
                ..
            } => (name.clone(), components.clone()),
            _ => return,
        };
        for (i, c) in comps.into_iter().enumerate() {
            let cname = c
                .component_name
                .as_deref()
                .map_or_else(|| format!("c{i}"), str::to_string);
            let (ty, detail) = match c.component_type {
                TypeSpecification::TypeDescription(t) => {
                    let d = type_text(&t);
                    (Some(t), d)
                }
                TypeSpecification::TypeName(tn) => (None, format!("type {tn}")),
            };
            let name = component_name(&base, &cname);
            self.add(
                Some(n),
                clean(&cname),
                clean(&detail),
                Kind::Variable {
                    name,
                    ty,
                    top: false,
                },
            );
        }
        if self.nodes[n].children.is_empty() {
            self.add(Some(n), "(no components)".into(), String::new(), Kind::Note);
        }
    }

    fn collapse_or_up(&mut self, n: usize) -> Vec<Request> {
        if self.nodes[n].expanded {
            self.nodes[n].expanded = false;
            Vec::new()
        } else {
            match self.nodes[n].parent {
                Some(p) => self.select(p),
                None => Vec::new(),
            }
        }
    }

    /// A key was pressed.
    pub fn key(&mut self, k: Key) -> Vec<Request> {
        if k == Key::Interrupt {
            self.quit = true;
            return Vec::new();
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal_key(k),
            Mode::Help => Vec::new(),
            Mode::Edit {
                node,
                mut buffer,
                error,
            } => {
                match k {
                    Key::Esc => {}
                    Key::Enter => match self.parse_value(node, &buffer) {
                        Ok(value) => {
                            self.mode = Mode::Confirm {
                                node,
                                value,
                                text: buffer,
                            }
                        }
                        Err(e) => {
                            self.mode = Mode::Edit {
                                node,
                                buffer,
                                error: Some(e),
                            }
                        }
                    },
                    Key::Backspace => {
                        buffer.pop();
                        self.mode = Mode::Edit {
                            node,
                            buffer,
                            error: None,
                        };
                    }
                    Key::ClearLine => {
                        self.mode = Mode::Edit {
                            node,
                            buffer: String::new(),
                            error: None,
                        }
                    }
                    Key::Char(c) => {
                        if buffer.len() < 4096 {
                            buffer.push(c);
                        }
                        self.mode = Mode::Edit {
                            node,
                            buffer,
                            error: None,
                        };
                    }
                    _ => {
                        self.mode = Mode::Edit {
                            node,
                            buffer,
                            error,
                        }
                    }
                }
                Vec::new()
            }
            Mode::Confirm { node, value, text } => match k {
                Key::Char('y') | Key::Char('Y') => match self.readable(node).cloned() {
                    Some(name) => {
                        self.message = Some(clean(&format!("writing {text} to {name}")));
                        vec![Request::Write { name, value }]
                    }
                    None => Vec::new(),
                },
                Key::Char('n') | Key::Char('N') | Key::Esc => {
                    self.message = Some("write cancelled".into());
                    Vec::new()
                }
                _ => {
                    self.mode = Mode::Confirm { node, value, text };
                    Vec::new()
                }
            },
        }
    }

    fn normal_key(&mut self, k: Key) -> Vec<Request> {
        let sel = self.selected;
        match (k, sel) {
            (Key::Char('q'), _) => {
                self.quit = true;
                Vec::new()
            }
            (Key::Char('?'), _) => {
                self.mode = Mode::Help;
                Vec::new()
            }
            (Key::Up | Key::Char('k'), _) => self.move_by(-1),
            (Key::Down | Key::Char('j'), _) => self.move_by(1),
            (Key::PageUp, _) => self.move_by(-10),
            (Key::PageDown, _) => self.move_by(10),
            (Key::Char('J'), _) => {
                self.value_scroll = self.value_scroll.saturating_add(5).min(10_000);
                Vec::new()
            }
            (Key::Char('K'), _) => {
                self.value_scroll = self.value_scroll.saturating_sub(5);
                Vec::new()
            }
            (Key::Enter | Key::Right | Key::Char('l'), Some(n)) => self.expand(n),
            (Key::Left | Key::Char('h'), Some(n)) => self.collapse_or_up(n),
            (Key::Char('r'), Some(n)) => self.refresh(n),
            (Key::Char('w'), Some(n)) => self.start_edit(n),
            (Key::Char('d'), Some(n)) => match &self.nodes[n].kind {
                Kind::File(f) => {
                    self.message = Some(format!("downloading {f}"));
                    vec![Request::Download { file: f.clone() }]
                }
                _ => {
                    self.error = Some("d downloads a file: select one under Files".into());
                    Vec::new()
                }
            },
            _ => Vec::new(),
        }
    }

    /// `r`: read the value now; a domain, list or the files are asked for again.
    fn refresh(&mut self, n: usize) -> Vec<Request> {
        self.next_read = Some(Instant::now());
        if let Kind::Journal(name) = &self.nodes[n].kind {
            return vec![Request::Journal {
                node: n,
                name: name.clone(),
            }];
        }
        let reload = matches!(
            self.nodes[n].kind,
            Kind::Domain(_) | Kind::List(_) | Kind::Files
        ) && self.nodes[n].load == Load::Done;
        if !reload {
            return Vec::new();
        }
        self.nodes[n].children.clear();
        self.nodes[n].load = Load::No;
        self.nodes[n].expanded = false;
        self.expand(n)
    }

    fn start_edit(&mut self, n: usize) -> Vec<Request> {
        let Some(name) = self.readable(n).cloned() else {
            self.error = Some("w writes a variable: select one".into());
            return Vec::new();
        };
        let Some(ty) = self.type_of(n) else {
            self.error = Some(format!("the type of {name} is not known yet"));
            return match self.nodes[n].load {
                Load::Loading => Vec::new(),
                _ => {
                    self.nodes[n].load = Load::Loading;
                    vec![Request::Type { node: n, name }]
                }
            };
        };
        let buffer = match &self.value {
            Some((v, d)) if *v == n => edit_text(ty, d),
            _ => String::new(),
        };
        self.mode = Mode::Edit {
            node: n,
            buffer,
            error: None,
        };
        Vec::new()
    }

    /// The value typed for node `n`: JSON in the model-file form, or bare text for a string.
    pub fn parse_value(&self, n: usize, text: &str) -> Result<Data<'static>, String> {
        let ty = self.type_of(n).ok_or("the type is not known")?;
        let at = self
            .readable(n)
            .map(ToString::to_string)
            .unwrap_or_default();
        let json = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => v,
            Err(e) => match ty {
                TypeDescription::VisibleString(_) | TypeDescription::MmsString(_) => {
                    serde_json::Value::String(text.to_string())
                }
                _ => return Err(format!("not a value: {e}")),
            },
        };
        value_from_json(ty, &json, &at).map_err(|e| e.to_string())
    }

    /// Time passed: returns the read of the selected value when one is due.
    pub fn tick(&mut self, now: Instant) -> Vec<Request> {
        let Some(n) = self.selected else {
            return Vec::new();
        };
        let Some(name) = self.readable(n).cloned() else {
            return Vec::new();
        };
        if self.reading || self.next_read.is_some_and(|t| now < t) {
            return Vec::new();
        }
        self.reading = true;
        self.next_read = Some(now + self.rate);
        vec![Request::Read { node: n, name }]
    }

    /// The worker answered (with the time the exchange took, when it was one).
    pub fn reply(&mut self, r: Reply, rtt: Option<Duration>) -> Vec<Request> {
        if rtt.is_some() {
            self.rtt = rtt;
        }
        let mut out = Vec::new();
        match r {
            Reply::Identity(i) => {
                self.identity = Some(Identity {
                    vendor: clean(&i.vendor),
                    model: clean(&i.model),
                    revision: clean(&i.revision),
                })
            }
            Reply::Domains(ds) => {
                for d in ds {
                    self.add(None, clean(&d), String::new(), Kind::Domain(d));
                }
                self.add(None, "Files".into(), String::new(), Kind::Files);
                if self.selected.is_none() {
                    if let Some(&first) = self.roots.first() {
                        out.extend(self.select(first));
                    }
                }
            }
            Reply::Domain {
                node,
                variables,
                lists,
                journals,
            } => {
                let Some(Kind::Domain(d)) = self.nodes.get(node).map(|n| n.kind.clone()) else {
                    return out;
                };
                for v in variables {
                    let name = ObjectName::domain(d.clone(), v.clone());
                    self.add(
                        Some(node),
                        clean(&v),
                        String::new(),
                        Kind::Variable {
                            name,
                            ty: None,
                            top: true,
                        },
                    );
                }
                let g = self.add(
                    Some(node),
                    "lists".into(),
                    format!("{}", lists.len()),
                    Kind::Group,
                );
                for l in lists {
                    let name = ObjectName::domain(d.clone(), l.clone());
                    self.add(Some(g), clean(&l), String::new(), Kind::List(name));
                }
                let g = self.add(
                    Some(node),
                    "journals".into(),
                    format!("{}", journals.len()),
                    Kind::Group,
                );
                for j in journals {
                    let name = ObjectName::domain(d.clone(), j.clone());
                    self.add(Some(g), clean(&j), String::new(), Kind::Journal(name));
                }
                self.nodes[node].load = Load::Done;
            }
            Reply::Type { node, ty } => {
                let Some(n) = self.nodes.get_mut(node) else {
                    return out;
                };
                n.detail = type_text(&ty);
                if let Kind::Variable { ty: t, .. } = &mut n.kind {
                    *t = Some(ty);
                }
                n.load = Load::Done;
                if n.expanded && n.children.is_empty() {
                    self.build_components(node);
                }
            }
            Reply::Members { node, members } => {
                if node >= self.nodes.len() {
                    return out;
                }
                for m in members {
                    let top = matches!(&m, ObjectName::DomainSpecific { .. });
                    self.add(
                        Some(node),
                        clean(&m.to_string()),
                        String::new(),
                        Kind::Variable {
                            name: m,
                            ty: None,
                            top,
                        },
                    );
                }
                self.nodes[node].load = Load::Done;
            }
            Reply::Files { node, files } => {
                if node >= self.nodes.len() {
                    return out;
                }
                for f in files {
                    self.add(
                        Some(node),
                        clean(&f.name),
                        format!("{} octets", f.size),
                        Kind::File(f.name),
                    );
                }
                if self.nodes[node].children.is_empty() {
                    self.add(Some(node), "(no files)".into(), String::new(), Kind::Note);
                }
                self.nodes[node].load = Load::Done;
            }
            Reply::Journal { node, entries } => {
                if self.selected == Some(node) {
                    self.journal = Some((node, entries));
                }
            }
            Reply::Value { node, value } => {
                self.reading = false;
                if self.selected == Some(node) {
                    self.value = Some((node, value));
                    self.reads += 1;
                }
            }
            Reply::ReadFailed { node, error } => {
                self.reading = false;
                if self.selected == Some(node) {
                    self.error = Some(clean(&error));
                }
            }
            Reply::Written(name) => {
                self.message = Some(clean(&format!("wrote {name}")));
                self.error = None;
                self.next_read = Some(Instant::now());
            }
            Reply::Downloaded { file, path, octets } => {
                self.message = Some(clean(&format!(
                    "downloaded {file} to {path} ({octets} octets)"
                )));
            }
            Reply::Report(text) => {
                self.report_count += 1;
                self.reports.push_front(text);
                self.reports.truncate(MAX_REPORTS);
            }
            Reply::Failed { node, error } => {
                if let Some(n) = node.and_then(|n| self.nodes.get_mut(n)) {
                    if n.load == Load::Loading {
                        n.load = Load::No;
                        n.expanded = false;
                    }
                }
                self.error = Some(clean(&error));
            }
        }
        out
    }
}

/// A component's name: `base$component`.
fn component_name(base: &ObjectName<'static>, comp: &str) -> ObjectName<'static> {
    match base {
        ObjectName::DomainSpecific { domain_id, item_id } => {
            ObjectName::domain(domain_id.to_string(), format!("{item_id}${comp}"))
        }
        ObjectName::VmdSpecific(i) => ObjectName::VmdSpecific(format!("{i}${comp}").into()),
        ObjectName::AaSpecific(i) => ObjectName::AaSpecific(format!("{i}${comp}").into()),
    }
}

/// A type in a few characters: `float32`, `integer(8)`, `structure(3)`, ...
pub fn type_text(t: &TypeDescription<'_>) -> String {
    match t {
        TypeDescription::Structure { components, .. } => format!("struct({})", components.len()),
        TypeDescription::Array {
            number_of_elements, ..
        } => format!("array[{number_of_elements}]"),
        other => match type_to_json(other) {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m
                .iter()
                .next()
                .map(|(k, v)| format!("{k}({v})"))
                .unwrap_or_default(),
            v => v.to_string(),
        },
    }
}

/// The editor's starting text for a value: JSON in the model-file form, strings bare.
fn edit_text(ty: &TypeDescription<'static>, d: &Data<'_>) -> String {
    match value_to_json(ty, d) {
        serde_json::Value::String(s)
            if matches!(
                ty,
                TypeDescription::VisibleString(_) | TypeDescription::MmsString(_)
            ) =>
        {
            s
        }
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mms::types::StructureComponent;

    fn mv() -> TypeDescription<'static> {
        TypeDescription::Structure {
            packed: false,
            components: vec![
                StructureComponent::named(
                    "mag",
                    TypeDescription::FloatingPoint {
                        format_width: 32,
                        exponent_width: 8,
                    },
                ),
                StructureComponent::named("q", TypeDescription::BitString(-13)),
                StructureComponent::named("t", TypeDescription::UtcTime),
            ],
        }
    }

    /// A state with domain D (variable V, list L, journal J) loaded and expanded.
    pub(crate) fn loaded() -> State {
        let mut s = State::new("h:102", Duration::from_millis(500));
        assert_eq!(s.start(), vec![Request::Start]);
        s.reply(Reply::Domains(vec!["D".into()]), None);
        assert_eq!(s.selected, Some(0));
        let reqs = s.key(Key::Enter);
        assert_eq!(
            reqs,
            vec![Request::Domain {
                node: 0,
                domain: "D".into()
            }]
        );
        s.reply(
            Reply::Domain {
                node: 0,
                variables: vec!["V".into()],
                lists: vec!["L".into()],
                journals: vec!["J".into()],
            },
            Some(Duration::from_millis(2)),
        );
        s
    }

    fn labels(s: &State) -> Vec<String> {
        s.visible()
            .iter()
            .map(|&n| s.nodes[n].label.clone())
            .collect()
    }

    #[test]
    fn a_domain_expands_into_variables_lists_and_journals() {
        let s = loaded();
        assert_eq!(labels(&s), ["D", "V", "lists", "journals", "Files"]);
        assert_eq!(s.rtt, Some(Duration::from_millis(2)));
    }

    #[test]
    fn a_variable_asks_its_type_once_and_expands_into_components() {
        let mut s = loaded();
        let reqs = s.key(Key::Down);
        let v = s.selected.expect("selected");
        assert_eq!(
            reqs,
            vec![Request::Type {
                node: v,
                name: ObjectName::domain("D", "V")
            }]
        );
        // Expanding while the type is on its way asks nothing more.
        assert!(s.key(Key::Right).is_empty());
        s.reply(Reply::Type { node: v, ty: mv() }, None);
        assert_eq!(
            labels(&s),
            ["D", "V", "mag", "q", "t", "lists", "journals", "Files"]
        );
        assert_eq!(s.nodes[v].detail, "struct(3)");
        s.key(Key::Down);
        let mag = s.selected.expect("selected");
        assert_eq!(s.readable(mag), Some(&ObjectName::domain("D", "V$mag")));
        // Left goes up to the parent, then collapses it.
        s.key(Key::Left);
        assert_eq!(s.selected, Some(v));
        s.key(Key::Left);
        assert_eq!(labels(&s), ["D", "V", "lists", "journals", "Files"]);
    }

    #[test]
    fn the_selected_variable_is_read_at_the_rate_one_read_at_a_time() {
        let mut s = loaded();
        s.key(Key::Down);
        let v = s.selected.expect("selected");
        let t0 = Instant::now();
        let reqs = s.tick(t0);
        assert_eq!(
            reqs,
            vec![Request::Read {
                node: v,
                name: ObjectName::domain("D", "V")
            }]
        );
        // Not again while it is under way, even when due.
        assert!(s.tick(t0 + Duration::from_secs(5)).is_empty());
        s.reply(
            Reply::Value {
                node: v,
                value: Data::Integer(1),
            },
            None,
        );
        assert_eq!(s.reads, 1);
        assert!(
            s.tick(t0 + Duration::from_millis(100)).is_empty(),
            "not due"
        );
        assert_eq!(s.tick(t0 + Duration::from_millis(600)).len(), 1);
        // A failed read lets the next one go; a domain is not read.
        s.reply(
            Reply::ReadFailed {
                node: v,
                error: "x".into(),
            },
            None,
        );
        assert_eq!(s.error.as_deref(), Some("x"));
        assert_eq!(s.tick(t0 + Duration::from_secs(2)).len(), 1);
        s.key(Key::Up);
        assert!(s.tick(t0 + Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn a_write_is_typed_checked_and_confirmed() {
        let mut s = loaded();
        s.key(Key::Down);
        let v = s.selected.expect("selected");
        s.reply(Reply::Type { node: v, ty: mv() }, None);
        s.key(Key::Right);
        s.key(Key::Down); // mag
        let mag = s.selected.expect("mag");
        assert!(s.key(Key::Char('w')).is_empty());
        assert!(matches!(s.mode, Mode::Edit { .. }));
        for c in "abc".chars() {
            s.key(Key::Char(c));
        }
        s.key(Key::Enter);
        match &s.mode {
            Mode::Edit { error: Some(e), .. } => assert!(e.contains("not a value"), "{e}"),
            m => panic!("expected an editor with an error, got {m:?}"),
        }
        s.key(Key::ClearLine);
        for c in "7.25".chars() {
            s.key(Key::Char(c));
        }
        s.key(Key::Enter);
        assert!(matches!(s.mode, Mode::Confirm { .. }), "{:?}", s.mode);
        let reqs = s.key(Key::Char('y'));
        match &reqs[..] {
            [Request::Write { name, value }] => {
                assert_eq!(name, &ObjectName::domain("D", "V$mag"));
                assert_eq!(value.as_f32(), Some(7.25));
            }
            r => panic!("expected one write, got {r:?}"),
        }
        assert_eq!(s.mode, Mode::Normal);
        assert_eq!(s.selected, Some(mag));
        // n cancels.
        s.key(Key::Char('w'));
        s.key(Key::Char('1'));
        s.key(Key::Enter);
        assert!(s.key(Key::Char('n')).is_empty());
        assert_eq!(s.mode, Mode::Normal);
    }

    #[test]
    fn q_in_the_editor_is_text_and_quits_elsewhere() {
        let mut s = loaded();
        s.key(Key::Down);
        let v = s.selected.expect("selected");
        s.reply(
            Reply::Type {
                node: v,
                ty: TypeDescription::VisibleString(-64),
            },
            None,
        );
        s.key(Key::Char('w'));
        s.key(Key::Char('q'));
        assert!(!s.quit);
        assert_eq!(
            s.parse_value(v, "q").ok(),
            Some(Data::VisibleString("q".into()))
        );
        s.key(Key::Esc);
        s.key(Key::Char('q'));
        assert!(s.quit);
    }

    #[test]
    fn a_selected_journal_is_read_once_and_again_on_r() {
        let mut s = loaded();
        let j = s
            .visible()
            .into_iter()
            .find(|&n| s.nodes[n].label == "journals")
            .expect("journals");
        s.selected = Some(j);
        s.key(Key::Enter);
        let reqs = s.key(Key::Down);
        let jn = s.selected.expect("journal");
        let want = Request::Journal {
            node: jn,
            name: ObjectName::domain("D", "J"),
        };
        assert_eq!(reqs, vec![want.clone()]);
        assert!(s.tick(Instant::now()).is_empty(), "a journal is not polled");
        s.reply(
            Reply::Journal {
                node: jn,
                entries: vec!["e1".into()],
            },
            None,
        );
        assert_eq!(s.journal, Some((jn, vec!["e1".to_string()])));
        assert_eq!(s.key(Key::Char('r')), vec![want]);
    }

    #[test]
    fn reports_are_kept_newest_first_and_bounded() {
        let mut s = loaded();
        for i in 0..(MAX_REPORTS + 5) {
            s.reply(Reply::Report(format!("r{i}")), None);
        }
        assert_eq!(s.reports.len(), MAX_REPORTS);
        assert_eq!(s.reports.front().map(String::as_str), Some("r204"));
        assert_eq!(s.report_count, MAX_REPORTS as u64 + 5);
    }

    #[test]
    fn a_failed_expansion_can_be_tried_again() {
        let mut s = loaded();
        let files = *s.roots.last().expect("files");
        s.selected = Some(files);
        let reqs = s.key(Key::Enter);
        assert_eq!(reqs, vec![Request::Files { node: files }]);
        s.reply(
            Reply::Failed {
                node: Some(files),
                error: "object-non-existent".into(),
            },
            None,
        );
        assert_eq!(s.error.as_deref(), Some("object-non-existent"));
        assert_eq!(s.key(Key::Enter), vec![Request::Files { node: files }]);
        s.reply(
            Reply::Files {
                node: files,
                files: vec![FileEntry {
                    name: "a.txt".into(),
                    size: 3,
                    modified: None,
                }],
            },
            None,
        );
        s.key(Key::Down);
        assert_eq!(
            s.key(Key::Char('d')),
            vec![Request::Download {
                file: "a.txt".into()
            }]
        );
    }
}
