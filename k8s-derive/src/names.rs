//! Resource names formed from a kind, as Kubernetes forms them.

/// The plural resource name of `kind`, lowercased.
///
/// These are the rules of the gengo plural namer that names the built-in
/// resources (`k8s.io/gengo/namer`), with its `Endpoints` exception:
/// - a kind already in the list of exceptions keeps its plural (`Endpoints`);
/// - ends in `s`, `x`, `z`, `ch` or `sh`: add `es` (`Ingress` → `ingresses`);
/// - ends in a consonant and `y`: `y` → `ies` (`NetworkPolicy` → `networkpolicies`);
///   a vowel and `y` just adds `s` (`Gateway` → `gateways`);
/// - ends in `f`: `f` → `ves`; in `fe`: `fe` → `ves`;
/// - otherwise add `s`.
///
/// apimachinery's `UnsafeGuessKindToResource` is cruder (any `y` → `ies`,
/// only `s` → `ses`); the built-in resources follow gengo, so we do too.
/// Give `plural = "..."` when neither fits.
pub(crate) fn plural(kind: &str) -> String {
    const UNPLURALIZED: [&str; 1] = ["endpoints"];
    let lower = kind.to_ascii_lowercase();
    if UNPLURALIZED.iter().any(|s| lower.ends_with(s)) {
        return lower;
    }
    let bytes = lower.as_bytes();
    if bytes.len() < 2 {
        return lower;
    }
    let last = bytes[bytes.len() - 1];
    let before = bytes[bytes.len() - 2];
    let stem = &lower[..lower.len() - 1];
    match last {
        b's' | b'x' | b'z' => format!("{lower}es"),
        b'y' if is_consonant(before) => format!("{stem}ies"),
        b'h' if before == b'c' || before == b's' => format!("{lower}es"),
        b'e' if before == b'f' => format!("{}ves", &lower[..lower.len() - 2]),
        b'f' => format!("{stem}ves"),
        _ => format!("{lower}s"),
    }
}

fn is_consonant(b: u8) -> bool {
    b.is_ascii_alphabetic() && !matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn built_in_plurals() {
        for (kind, want) in [
            ("Pod", "pods"),
            ("Service", "services"),
            ("Ingress", "ingresses"),
            ("NetworkPolicy", "networkpolicies"),
            ("Endpoints", "endpoints"),
            ("EndpointSlice", "endpointslices"),
            ("Lease", "leases"),
            ("PriorityClass", "priorityclasses"),
            ("StorageClass", "storageclasses"),
            ("ResourceClaim", "resourceclaims"),
            ("IngressClass", "ingressclasses"),
            ("Gateway", "gateways"),
            ("Box", "boxes"),
            ("Batch", "batches"),
            ("Mesh", "meshes"),
            ("Graph", "graphs"),
            ("Quiz", "quizes"),
            ("Leaf", "leaves"),
            ("Knife", "knives"),
            ("ConfigMap", "configmaps"),
            ("A", "a"),
        ] {
            assert_eq!(plural(kind), want, "{kind}");
        }
    }
}
