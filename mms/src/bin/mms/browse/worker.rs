//! The MMS side of `mms browse`: a thread that carries out [`Request`]s one at a time with the
//! blocking client and sends back [`Reply`]s, and a thread that summarises incoming
//! informationReports. The user interface never waits on either.

use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mms::client::Client;

use super::state::{Reply, Request};
use super::values::report_text;

/// A reply with the time its exchange took.
pub type Done = (Reply, Option<Duration>);

/// Starts the worker: requests go in on the returned channel, replies come out on `out`.
pub fn spawn(client: Client, download_dir: PathBuf, out: Sender<Done>) -> Sender<Request> {
    let (tx, rx) = std::sync::mpsc::channel::<Request>();
    if let Some(reports) = client.unconfirmed() {
        let out = out.clone();
        std::thread::spawn(move || {
            for u in reports {
                let at = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
                let text = match u.service() {
                    Ok(s) => report_text(at, &s),
                    Err(e) => format!("undecodable unconfirmed PDU: {e}"),
                };
                if out.send((Reply::Report(text), None)).is_err() {
                    break;
                }
            }
        });
    }
    std::thread::spawn(move || {
        for req in rx {
            let start = Instant::now();
            let replies = serve(&client, &download_dir, req);
            let took = start.elapsed();
            for r in replies {
                if out.send((r, Some(took))).is_err() {
                    return;
                }
            }
        }
    });
    tx
}

fn serve(client: &Client, dir: &std::path::Path, req: Request) -> Vec<Reply> {
    let fail = |node: Option<usize>, what: &str, e: &dyn std::fmt::Display| Reply::Failed {
        node,
        error: format!("{what}: {e}"),
    };
    match req {
        Request::Start => {
            let mut out = Vec::new();
            match client.identify() {
                Ok(i) => out.push(Reply::Identity(i)),
                Err(e) => out.push(fail(None, "identify", &e)),
            }
            match client.domains() {
                Ok(d) => out.push(Reply::Domains(d)),
                Err(e) => out.push(fail(None, "domains", &e)),
            }
            out
        }
        Request::Domain { node, domain } => {
            let got = (|| {
                let variables: Vec<String> = client
                    .variables(&domain)?
                    .into_iter()
                    .filter(|v| !v.contains('$'))
                    .collect();
                let lists = client.variable_lists(&domain)?;
                let journals = client.journals(&domain)?;
                Ok::<_, mms::client::ops::OpError>(Reply::Domain {
                    node,
                    variables,
                    lists,
                    journals,
                })
            })();
            vec![got.unwrap_or_else(|e| fail(Some(node), &domain, &e))]
        }
        Request::Type { node, name } => vec![match client.get_variable_access_attributes(&name) {
            Ok(ty) => Reply::Type { node, ty },
            Err(e) => fail(Some(node), &format!("type of {name}"), &e),
        }],
        Request::Members { node, name } => vec![match client.list_attributes(&name) {
            Ok(a) => Reply::Members {
                node,
                members: a.members,
            },
            Err(e) => fail(Some(node), &name.to_string(), &e),
        }],
        Request::Files { node } => vec![match client.file_directory("") {
            Ok(files) => Reply::Files { node, files },
            Err(e) => fail(Some(node), "files", &e),
        }],
        Request::Journal { node, name } => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let query = mms::client::ops::JournalQuery::everything_until(now);
            vec![match client.read_journal(&name, &query) {
                Ok(entries) => Reply::Journal {
                    node,
                    entries: entries.iter().map(super::values::entry_text).collect(),
                },
                Err(e) => fail(Some(node), &name.to_string(), &e),
            }]
        }
        Request::Read { node, name } => vec![match client.read_one(&name) {
            Ok(value) => Reply::Value { node, value },
            Err(e) => Reply::ReadFailed {
                node,
                error: format!("read {name}: {e}"),
            },
        }],
        Request::Write { name, value } => vec![match client.write(&name, value) {
            Ok(()) => Reply::Written(name.to_string()),
            Err(e) => fail(None, &format!("write {name}"), &e),
        }],
        Request::Download { file } => vec![download(client, dir, &file)],
    }
}

/// The name a download is saved under: the remote name's last component only, so a name such
/// as `../x` or `/etc/x` cannot point outside the download directory.
fn local_name(file: &str) -> &str {
    file.rsplit(['/', '\\'])
        .next()
        .filter(|b| !b.is_empty() && *b != "." && *b != "..")
        .unwrap_or("download")
}

fn download(client: &Client, dir: &std::path::Path, file: &str) -> Reply {
    let path = dir.join(local_name(file));
    let result = std::fs::File::create(&path)
        .map_err(|e| e.to_string())
        .and_then(|mut f| {
            client
                .download(file, &mut f, |_, _| {})
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(octets) => Reply::Downloaded {
            file: file.to_string(),
            path: path.display().to_string(),
            octets,
        },
        Err(e) => Reply::Failed {
            node: None,
            error: format!("download {file}: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::local_name;

    #[test]
    fn a_download_stays_in_its_directory() {
        assert_eq!(local_name("COMTRADE/demo.cfg"), "demo.cfg");
        assert_eq!(local_name("../../etc/passwd"), "passwd");
        assert_eq!(local_name("/abs/x"), "x");
        assert_eq!(local_name("a\\..\\b"), "b");
        assert_eq!(local_name(".."), "download");
        assert_eq!(local_name("dir/"), "download");
    }
}
