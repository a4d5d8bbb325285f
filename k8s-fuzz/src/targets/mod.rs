//! One module per fuzz target.

pub(crate) mod derive;
pub(crate) mod kubeconfig;
pub(crate) mod list;
pub(crate) mod scalars;
pub(crate) mod watch;
pub(crate) mod yaml;

/// A cheap, stable hash of the input (FNV-1a), where a target needs a
/// choice (chunk sizes, a limit) that varies with the input but is not
/// taken out of it: the seeds stay real files, whole.
pub(crate) fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether YAML allows `c` unescaped (its `c-printable`).
pub(crate) fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}')
        || ('\u{e000}'..='\u{fffd}').contains(&c)
        || c >= '\u{10000}'
}
