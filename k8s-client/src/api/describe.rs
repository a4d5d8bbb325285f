//! How an `Api` names what it decodes, in errors: formatted only when an
//! error is made, so a call that succeeds allocates nothing for it.

use std::fmt;

/// `Kind ns/name`, `status of Kind ns/name`, `pods in namespace ns list`, ….
#[derive(Clone, Copy, Debug)]
pub(super) struct Describe<'a> {
    /// Before the object: `created`, or nothing.
    pub(super) prefix: &'a str,
    /// A subresource of the object: `status` reads `status of Kind ns/name`.
    pub(super) subresource: Option<&'a str>,
    /// The kind, or the plural for a collection.
    pub(super) what: &'a str,
    pub(super) namespace: Option<&'a str>,
    pub(super) target: Target<'a>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Target<'a> {
    /// One object by name.
    Object(&'a str),
    /// Every object (`… in namespace ns`), followed by `suffix`.
    Collection { suffix: &'a str },
    /// The kind alone (a create: the name may be generated).
    Kind,
}

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.prefix.is_empty() {
            write!(f, "{} ", self.prefix)?;
        }
        if let Some(sub) = self.subresource {
            write!(f, "{sub} of ")?;
        }
        f.write_str(self.what)?;
        match self.target {
            Target::Object(name) => match self.namespace {
                Some(ns) => write!(f, " {ns}/{name}"),
                None => write!(f, " {name}"),
            },
            Target::Collection { suffix } => {
                if let Some(ns) = self.namespace {
                    write!(f, " in namespace {ns}")?;
                }
                f.write_str(suffix)
            }
            Target::Kind => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d<'a>(prefix: &'a str, subresource: Option<&'a str>, target: Target<'a>) -> String {
        Describe {
            prefix,
            subresource,
            what: "ConfigMap",
            namespace: Some("ns"),
            target,
        }
        .to_string()
    }

    #[test]
    fn names_read_as_before() {
        assert_eq!(d("", None, Target::Object("c")), "ConfigMap ns/c");
        assert_eq!(
            d("", Some("status"), Target::Object("c")),
            "status of ConfigMap ns/c"
        );
        assert_eq!(d("created", None, Target::Kind), "created ConfigMap");
        assert_eq!(
            d("", None, Target::Collection { suffix: " list" }),
            "ConfigMap in namespace ns list"
        );
    }
}
