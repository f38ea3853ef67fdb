//! Identity platform answers: token responses, Entra errors, device codes, unverified JWT claims.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rekey_core::fuzzing::token_response(data));
