//! `disable_transparent_huge_pages` turns them off for the calling process: the
//! kernel then reports `THP_enabled: 0` for it.

#[test]
fn disabling_transparent_huge_pages_shows_in_the_process_status() {
    let thp_enabled = || {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("THP_enabled:"))?;
        Some(line.split_whitespace().nth(1)?.to_owned())
    };
    match thp_enabled().as_deref() {
        None => {
            eprintln!("skipped: this kernel does not report THP_enabled in /proc/self/status");
            return;
        }
        Some("0") => {
            eprintln!("skipped: huge pages are already off for this process (system-wide?)");
            return;
        }
        Some(_) => {}
    }
    mycelium::disable_transparent_huge_pages().expect("prctl(PR_SET_THP_DISABLE)");
    assert_eq!(thp_enabled().as_deref(), Some("0"));
}
