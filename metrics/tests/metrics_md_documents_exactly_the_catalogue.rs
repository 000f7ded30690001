//! `docs/METRICS.md` documents exactly the catalogue: its reference tables are the
//! ones `catalogue::markdown()` generates from the constants the exporters use, so a
//! family cannot be added, renamed or relabelled without the page following.
//! `MYCELIUM_BLESS=1` rewrites the tables in place after a deliberate change.

use std::path::PathBuf;

use mycelium_metrics::catalogue;

const BEGIN: &str = "<!-- catalogue: generated from mycelium_metrics::catalogue, do not edit -->\n";
const END: &str = "<!-- end of catalogue -->\n";

#[test]
fn the_reference_tables_are_the_catalogues() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/METRICS.md");
    let page = std::fs::read_to_string(&path).expect("docs/METRICS.md");
    let start = page.find(BEGIN).expect("the begin marker") + BEGIN.len();
    let end = page[start..].find(END).expect("the end marker") + start;
    let expected = catalogue::markdown();
    if std::env::var_os("MYCELIUM_BLESS").is_some() {
        std::fs::write(&path, format!("{}{expected}{}", &page[..start], &page[end..]))
            .expect("rewrite");
        return;
    }
    assert!(
        page[start..end] == expected,
        "docs/METRICS.md's tables differ from the catalogue; rerun with MYCELIUM_BLESS=1 after a deliberate change. Expected:\n{expected}"
    );
    // And every family is named in the page exactly once as a row.
    for family in catalogue::all() {
        assert_eq!(
            page.matches(&format!("| `{}` |", family.name())).count(),
            1,
            "{}",
            family.name()
        );
    }
}
