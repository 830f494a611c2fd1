//! A [`Field`] tree from the pretty `Debug` output (`{:#?}`) of a decoded value: the generic
//! rendering for the ISO 9506-2 services that have no hand-written one in
//! [`super::mms_fields`]. Struct fields keep their names (turned from `snake_case` into the
//! ASN.1 `lowerCamelCase`), enum variants their names, `Some(x)` becomes `x`, and lists of
//! octets become hex.
//!
//! The parser walks the text line by line with an explicit stack (no recursion), bounded by
//! [`MAX_DEPTH`] and [`MAX_LINES`].

use super::Field;

/// Deepest nesting kept; deeper lines are folded into their ancestor.
pub const MAX_DEPTH: usize = 128;
/// Most lines turned into fields; the rest is summarised.
pub const MAX_LINES: usize = 20_000;

/// `snake_case` to `lowerCamelCase`.
pub fn camel(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            s.push(c.to_ascii_uppercase());
            up = false;
        } else {
            s.push(c);
        }
    }
    s
}

/// Splits `key: rest` when the line starts with a field name.
fn split_key(line: &str) -> (Option<&str>, &str) {
    if let Some(i) = line.find(": ") {
        let key = &line[..i];
        if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return (Some(key), &line[i + 2..]);
        }
    }
    (None, line)
}

/// Turns `{:#?}` text into a tree whose root is named `root`.
pub fn from_debug(root: &str, text: &str) -> Field {
    // Each stack entry: the field being built and whether it is a list (items get indices).
    let mut stack: Vec<(Field, bool)> = vec![(Field::new(root, ""), false)];
    let mut skipped = 0usize;
    for (n, raw) in text.lines().enumerate() {
        if n >= MAX_LINES {
            skipped += 1;
            continue;
        }
        let line = raw.trim();
        let line = line.strip_suffix(',').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if matches!(line, "}" | ")" | "]") {
            if stack.len() > 1 {
                if let Some((done, _)) = stack.pop() {
                    attach(&mut stack, done);
                }
            }
            continue;
        }
        let (key, rest) = split_key(line);
        let index = stack
            .last()
            .map(|(f, is_list)| (*is_list, f.children.len()));
        let name = match (key, index) {
            (Some(k), _) => camel(k),
            (None, Some((true, i))) => format!("[{i}]"),
            (None, _) => String::new(),
        };
        let opener = if let Some(t) = rest.strip_suffix(" {") {
            Some((t, false))
        } else if let Some(t) = rest.strip_suffix('(') {
            Some((t, false))
        } else {
            rest.strip_suffix('[').map(|t| (t.trim_end(), true))
        };
        match opener {
            Some((type_name, is_list)) if stack.len() < MAX_DEPTH => {
                let mut f = Field::new(name, type_name);
                if f.name.is_empty() {
                    f.name = type_name.to_string();
                    f.value.clear();
                }
                stack.push((f, is_list));
            }
            Some(_) => {
                // Too deep: count the line into the parent's value; its closer will pop the
                // parent early, which only shortens the rendering.
                skipped += 1;
            }
            None => {
                // A plain string literal is shown without its quotes (like the hand-written
                // renderings); one with escapes keeps the Debug form.
                let value = match rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                    Some(inner) if !inner.contains('\\') && !inner.contains('"') => {
                        inner.to_string()
                    }
                    _ => rest.to_string(),
                };
                if value == "None" && !name.is_empty() && !name.starts_with('[') {
                    continue; // absent OPTIONAL components are not shown
                }
                let f = if name.is_empty() {
                    Field::new("", value)
                } else {
                    Field::new(name, value)
                };
                if let Some((top, _)) = stack.last_mut() {
                    top.children.push(f);
                }
            }
        }
    }
    while stack.len() > 1 {
        if let Some((done, _)) = stack.pop() {
            attach(&mut stack, done);
        }
    }
    let mut root = stack.pop().map(|(f, _)| f).unwrap_or_default();
    if skipped > 0 {
        root.push("(truncated)", format!("{skipped} lines not shown"));
    }
    root
}

/// Attaches a finished node to its parent, simplifying on the way.
fn attach(stack: &mut [(Field, bool)], mut done: Field) {
    // Lists of small unsigned numbers are octet strings: show them as hex.
    if !done.children.is_empty()
        && done.children.len() <= 4096
        && done.children.iter().all(|c| {
            c.children.is_empty() && c.name.starts_with('[') && c.value.parse::<u8>().is_ok()
        })
    {
        let bytes: Vec<u8> = done
            .children
            .iter()
            .filter_map(|c| c.value.parse::<u8>().ok())
            .collect();
        done.value = super::layers::hex(&bytes);
        done.children.clear();
    }
    // A newtype around an anonymous list or struct (`FileName([..])`): lift the inner items.
    if done.children.len() == 1
        && done
            .children
            .first()
            .is_some_and(|c| c.name.is_empty() && c.value.is_empty() && !c.children.is_empty())
    {
        let inner = done.children.remove(0);
        done.children = inner.children;
    }
    // `Some(x)`, `Cow::Borrowed(x)` and newtype wrappers with one unnamed leaf: keep the leaf.
    if done.children.len() == 1 {
        let only_unnamed_leaf = done
            .children
            .first()
            .is_some_and(|c| c.name.is_empty() && c.children.is_empty());
        if only_unnamed_leaf {
            let leaf = done.children.remove(0);
            if matches!(done.value.as_str(), "Some" | "Borrowed" | "Owned") || done.value.is_empty()
            {
                done.value = leaf.value;
            } else {
                done.value = format!("{}: {}", done.value, leaf.value);
            }
        } else if matches!(done.value.as_str(), "Some" | "Borrowed" | "Owned") {
            let mut inner = done.children.remove(0);
            if !done.name.is_empty() && !done.name.starts_with('[') {
                if inner.value.is_empty() {
                    inner.value = std::mem::take(&mut inner.name);
                }
                inner.name = std::mem::take(&mut done.name);
            }
            done = inner;
        }
    }
    if let Some((parent, _)) = stack.last_mut() {
        parent.children.push(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Inner<'a> {
        the_name: &'a str,
        octets: Vec<u8>,
        count: Option<u32>,
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Outer<'a> {
        Wrapped(Inner<'a>),
        Plain,
    }

    #[test]
    fn struct_fields_enums_options_and_octets() {
        let v = Outer::Wrapped(Inner {
            the_name: "x {",
            octets: vec![1, 0xAB],
            count: Some(7),
        });
        let t = from_debug("svc", &format!("{v:#?}"));
        let w = t.find("Wrapped").expect("variant");
        assert_eq!(w.find("theName").map(|f| f.value.as_str()), Some("x {"));
        assert_eq!(w.find("octets").map(|f| f.value.as_str()), Some("01 ab"));
        assert_eq!(w.find("count").map(|f| f.value.as_str()), Some("7"));
        let p = from_debug("svc", &format!("{:#?}", Outer::Plain));
        assert_eq!(p.children[0].value, "Plain");
    }

    #[test]
    fn unbalanced_or_deep_text_does_not_panic() {
        for text in ["}}}", "a (\n(\n(", "[\n[\n", "x: {\n", &"A(\n".repeat(1000)] {
            let _ = from_debug("r", text);
        }
    }
}
