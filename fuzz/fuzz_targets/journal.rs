//! The rotation journal reader (`rekey_core::rotation::journal::parse_journal`) and its replay.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::journal(data));
