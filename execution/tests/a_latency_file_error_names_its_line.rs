//! A latency file that is not `req_ts,exch_ts,resp_ts` integers in request-time order
//! is refused with an error naming the line.

use mycelium_execution::latency_model::{LatencyFileError, LatencyTable};

fn line_of(text: &str) -> u64 {
    match LatencyTable::read(text.as_bytes()) {
        Err(LatencyFileError::BadLine { line, .. }) => line,
        other => panic!("expected a bad line, got {other:?}"),
    }
}

#[test]
fn each_bad_line_is_named() {
    assert_eq!(line_of("req,exch,resp\n1,2,3\n"), 1, "wrong header");
    assert_eq!(line_of("req_ts,exch_ts,resp_ts\n1,2,3\n4,five,6\n"), 3, "not an integer");
    assert_eq!(line_of("req_ts,exch_ts,resp_ts\n1,2,3\n4,5\n"), 3, "a field missing");
    assert_eq!(line_of("req_ts,exch_ts,resp_ts\n10,20,30\n20,30,40\n5,6,7\n"), 4, "out of order");
}

#[test]
fn an_empty_or_missing_file_is_refused() {
    assert!(matches!(
        LatencyTable::read("req_ts,exch_ts,resp_ts\n".as_bytes()),
        Err(LatencyFileError::Empty)
    ));
    let err =
        LatencyTable::load(std::path::Path::new("/nonexistent/latency.csv")).expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/latency.csv"), "{err}");
}
