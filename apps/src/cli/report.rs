//! `mycelium report`: merge and compare latency reports; and the `--report DIR` of
//! `mycelium run` and `mycelium replay`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use mycelium_apps::report::{table, Report, RunInfo};
use mycelium_apps::{RunOutcome, DEFAULT_CONFIG};

/// `mycelium report DIR... [--out DIR]` or `mycelium report --compare A B`
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Report directories (from `run --report` / `replay --report`), merged per hop.
    #[arg(required_unless_present = "compare", conflicts_with = "compare")]
    dirs: Vec<PathBuf>,
    /// Write the merged report here (histograms, .hgrm, summary.json, chart);
    /// default: print the table only.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print two reports side by side per hop and percentile, with the ratio B/A.
    #[arg(long, num_args = 2, value_names = ["A", "B"], conflicts_with = "out")]
    compare: Option<Vec<PathBuf>>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<()> {
    if let Some(pair) = &args.compare {
        let [a, b] = pair.as_slice() else {
            anyhow::bail!("--compare takes two report directories");
        };
        let rows = table::compare(&Report::read_dir(a)?, &Report::read_dir(b)?);
        print!(
            "{}",
            table::render_compare(&rows, &a.display().to_string(), &b.display().to_string())
        );
        return Ok(());
    }
    let reports = args.dirs.iter().map(|d| Report::read_dir(d)).collect::<Result<Vec<_>, _>>()?;
    let merged = Report::merge(&reports, RunInfo::collect("report", None, None))?;
    let c = &merged.counts;
    println!(
        "{} report(s): ticks {}  orders {}  fills {}  rejects {}\n",
        reports.len(),
        c.ticks,
        c.orders,
        c.fills,
        c.rejects
    );
    print!("{}", table::render(&merged));
    print_host_noise(&merged.inputs);
    if let Some(out) = &args.out {
        merged.write_dir(out)?;
        println!("\nreport written to {}", out.display());
    }
    Ok(())
}

/// What the host did to each run merged, so that a tail it caused shows beside the
/// table.
fn print_host_noise(runs: &[RunInfo]) {
    let noisy = runs.iter().filter_map(|run| Some((run, run.host_noise.as_ref()?)));
    for (i, (run, noise)) in noisy.enumerate() {
        if i == 0 {
            println!();
        }
        // A node's run is named by its `--name`; a run in one process by its command.
        let line = &run.command_line;
        let name = line.iter().position(|a| a == "--name").and_then(|i| line.get(i + 1));
        let ms = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{:.1} ms", s * 1e3));
        println!(
            "host noise, {}: {} involuntary and {} voluntary context switches, run-queue wait {}, steal {}",
            name.unwrap_or(&run.command),
            noise.involuntary_context_switches,
            noise.voluntary_context_switches,
            ms(noise.runqueue_wait_secs),
            ms(noise.steal_secs),
        );
    }
}

/// Writes the report of a finished `command` (`run`, `replay`) into `dir`; `config`
/// is the config file given, if any (else the embedded default is recorded).
pub(crate) fn write_for_run(
    dir: &Path,
    command: &str,
    config: Option<&Path>,
    outcome: &RunOutcome,
) -> anyhow::Result<()> {
    let config_toml = match config {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => DEFAULT_CONFIG.to_string(),
    };
    let info = RunInfo::collect(command, Some(config_toml), Some(outcome));
    Report::from_outcome(outcome, info).write_dir(dir)?;
    println!("\nlatency report written to {}", dir.display());
    Ok(())
}
