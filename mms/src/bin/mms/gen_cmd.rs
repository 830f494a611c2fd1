//! `mms completions SHELL` and `mms man`: shell completion scripts and manual pages generated
//! from the command-line definitions themselves, so they never disagree with the program.

use std::path::PathBuf;

use clap::CommandFactory;

/// Options of `mms completions`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Bash:
    /// `mms completions bash > /etc/bash_completion.d/mms`.
    pub shell: clap_complete::Shell,
}

/// Options of `mms man`.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// The page of this subcommand (`mms man client read` is mms-client-read(1)); without
    /// it, mms(1).
    pub subcommand: Vec<String>,
    /// Write every page (mms.1, mms-client.1, mms-client-read.1, ...) into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `mms completions SHELL`: the script on standard output.
pub fn completions(args: &CompletionsArgs) -> Result<(), String> {
    let mut cmd = crate::Cli::command();
    let mut out = crate::out::Stdout;
    clap_complete::generate(args.shell, &mut cmd, "mms", &mut out);
    Ok(())
}

/// `mms man`: the page (roff) on standard output, or every page into `--dir`.
pub fn man(args: &ManArgs) -> Result<(), String> {
    let cmd = crate::Cli::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        return clap_mangen::generate_to(cmd, dir).map_err(|e| format!("{}: {e}", dir.display()));
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut page = cmd;
    for name in &args.subcommand {
        page = page
            .find_subcommand(name)
            .filter(|c| !c.is_hide_set())
            .cloned()
            .ok_or_else(|| format!("no subcommand '{name}' (see mms --help)"))?;
    }
    let mut out = crate::out::Stdout;
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| e.to_string())
}
