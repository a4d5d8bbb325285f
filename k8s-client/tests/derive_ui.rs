//! What `#[derive(Resource)]` must refuse, and the message it gives.
//!
//! Run with `TRYBUILD=overwrite` to accept new `.stderr` files after a
//! deliberate change in wording.

#[test]
fn derive_ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
