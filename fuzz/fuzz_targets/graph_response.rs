//! Microsoft Graph answers: $batch (throttling, inner errors, credentials), single objects.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::graph_response(data));
