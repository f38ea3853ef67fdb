//! Resource Graph answers: query pages of cluster rows, the quota reset header.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::arg_response(data));
