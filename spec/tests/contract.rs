//! Tests of the real, embedded contract document (`spec/openapi.json`).

use spec::Contract;

#[test]
fn embedded_document_loads() {
    assert!(!Contract::v1().operations().is_empty());
}

#[test]
fn every_ref_resolves() {
    assert_eq!(Contract::v1().unresolved_refs(), Vec::<String>::new());
}
