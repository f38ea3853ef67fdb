//! The status reader of a credential reset's long-running operation (`azure::lro::operation_state`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::lro_status(data));
