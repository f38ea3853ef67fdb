//! ARM answers: cluster, subscription and tenant lists, nextLink, cloud metadata, errors.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::arm_response(data));
