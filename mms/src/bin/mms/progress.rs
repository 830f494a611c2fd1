//! Progress bars (`indicatif`) for the long operations: `mms client get` (octets of the
//! announced size), `put` (the server's FileRead requests as they come), `read` of more names
//! than one request carries, and `mms bench` (reads answered). Drawn on standard error only
//! when it is a terminal and `--json` is off; otherwise nothing is drawn.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mms::client::files::LocalFiles;
use mms::pdu::{ConfirmedServiceRequest, UnconfirmedService};
use mms::server::handler::{AssociationInfo, Reply, RequestContext};
use mms::server::Handler;
use mms::{ParameterCbb, ServiceError, ServicesSupported};

/// Whether bars are drawn: standard error is a terminal and the output is not JSON.
pub fn shown(json: bool) -> bool {
    !json && std::io::stderr().is_terminal()
}

fn bar(show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    b.enable_steady_tick(Duration::from_millis(120));
    b
}

/// A download of `file`: a bar once the size is announced, a byte counter until then.
pub fn download(file: &str, show: bool) -> ProgressBar {
    let b = bar(show);
    b.set_message(file.to_string());
    if let Ok(s) =
        ProgressStyle::with_template("{spinner} {msg} {bytes} {binary_bytes_per_sec} {elapsed}")
    {
        b.set_style(s);
    }
    b
}

/// Moves the download bar: `got` octets of `total`.
pub fn download_step(b: &ProgressBar, got: u64, total: Option<u64>) {
    if let (Some(t), None) = (total, b.length()) {
        b.set_length(t);
        if let Ok(s) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        ) {
            b.set_style(s.progress_chars("=> "));
        }
    }
    b.set_position(got);
}

/// A count of `total` things (`what`: "reads", "names").
pub fn count(what: &str, total: u64, show: bool) -> ProgressBar {
    let b = bar(show);
    b.set_length(total);
    b.set_message(what.to_string());
    if let Ok(s) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed} eta {eta}")
    {
        b.set_style(s.progress_chars("=> "));
    }
    b
}

/// An upload of `local` (`size` octets): counts the parts the server reads.
pub fn upload(local: &str, size: u64, show: bool) -> ProgressBar {
    let b = bar(show);
    b.set_message(format!("{local} ({size} octets)"));
    if let Ok(s) =
        ProgressStyle::with_template("{spinner} uploading {msg}: {pos} parts read, {elapsed}")
    {
        b.set_style(s);
    }
    b
}

/// The files `put` offers, counting each FileRead of the server on a bar.
pub struct CountingFiles {
    /// The files offered.
    pub files: Arc<LocalFiles>,
    /// The bar moved by each FileRead.
    pub bar: ProgressBar,
}

impl Handler for CountingFiles {
    fn services_supported(&self) -> ServicesSupported {
        self.files.services_supported()
    }

    fn parameter_cbb(&self) -> ParameterCbb {
        self.files.parameter_cbb()
    }

    fn admit(&self, info: &AssociationInfo) -> Result<(), acse::security::Refusal> {
        self.files.admit(info)
    }

    fn associated(&self, info: &AssociationInfo) -> Result<(), ServiceError<'static>> {
        self.files.associated(info)
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        if matches!(request, ConfirmedServiceRequest::FileRead(_)) {
            self.bar.inc(1);
        }
        self.files.confirmed(ctx, request)
    }

    fn unconfirmed(&self, info: &AssociationInfo, service: &UnconfirmedService<'_>) {
        self.files.unconfirmed(info, service)
    }

    fn cancel(&self, info: &AssociationInfo, invoke_id: u32) -> bool {
        self.files.cancel(info, invoke_id)
    }

    fn closed(&self, info: &AssociationInfo) {
        self.files.closed(info)
    }
}
