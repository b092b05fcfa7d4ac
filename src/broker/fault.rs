//! Test-only fault injection, compiled into debug builds only (release binaries have none): with
//! `PREDICT_WORKER_TEST_ABORT_ON=<marker>` set, a request whose body contains the marker aborts the
//! process, standing in for a request that crashes the worker in a way nobody foresaw.

use lapin::message::Delivery;

/// The environment variable that arms the fault.
pub const ABORT_ON: &str = "PREDICT_WORKER_TEST_ABORT_ON";

/// Abort the process when a delivery of `batch` carries the armed marker.
#[cfg(debug_assertions)]
pub fn abort_if_marked<'a>(batch: impl IntoIterator<Item = &'a Delivery>) {
    use std::sync::OnceLock;
    static MARKER: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    let marker = MARKER.get_or_init(|| {
        std::env::var(ABORT_ON)
            .ok()
            .filter(|m| !m.is_empty())
            .map(String::into_bytes)
    });
    let Some(marker) = marker else {
        return;
    };
    if batch
        .into_iter()
        .any(|d| d.data.windows(marker.len()).any(|w| w == marker.as_slice()))
    {
        eprintln!("{ABORT_ON}: aborting on a marked request (test fault injection)");
        std::process::abort();
    }
}

/// Release builds carry no fault injection.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn abort_if_marked<'a>(_batch: impl IntoIterator<Item = &'a Delivery>) {}
