//! Azure error bodies (ARM, Resource Graph, Graph, Entra) with any HTTP status.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::azure_error(data));
