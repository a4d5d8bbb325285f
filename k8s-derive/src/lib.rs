//! Derive macros for [`k8s-client`](https://docs.rs/k8s-client).
//!
//! Use them through `k8s_client`, which re-exports them; generated code names
//! every path in full (`::k8s_client::…`, or the path given as `crate = "..."`).
//!
//! The derive works in three stages, each tested on its own:
//! 1. `parse` (darling reads the attribute as written) and `model` (the
//!    defaults applied, each value keeping the span of its token);
//! 2. `check`: one function per rule, every error at the offending token,
//!    all of them reported together;
//! 3. code generation: `resource` for the traits, `crd` for `CustomResourceExt`.

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod check;
mod crd;
mod expand;
mod model;
mod names;
mod parse;
mod resource;

/// Derive `HasMetadata` and `Resource` (and, for custom resources,
/// `CustomResourceExt`) for a struct with a `metadata: ObjectMeta` field.
///
/// ```ignore
/// #[derive(Resource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
/// #[resource(group = "example.com", version = "v1", namespaced, status = "WidgetStatus")]
/// struct Widget { metadata: ObjectMeta, spec: WidgetSpec, status: Option<WidgetStatus> }
/// ```
///
/// # The `#[resource(...)]` attribute
///
/// | key | value | default | meaning |
/// |---|---|---|---|
/// | `crate` | path, as a string | `"::k8s_client"` | The path generated code names k8s-client by, for a crate that renames the dependency or re-exports it (`crate = "::my_k8s"`, `crate = "crate::reexported"`), as serde's `#[serde(crate = "...")]`. |
/// | `group` | string | `""` | API group; `""` is the core group (`/api/v1`, `API_VERSION = "v1"`). Must be a lowercase DNS subdomain. |
/// | `version` | string | **required** | `v1`, `v1beta2`, `v2alpha1`, … |
/// | `kind` | string | the struct's name | UpperCamelCase. |
/// | `plural` | string | from `kind` | Lowercase; formed as Kubernetes forms it: `Ingress` → `ingresses`, `NetworkPolicy` → `networkpolicies`, `Endpoints` → `endpoints`. |
/// | `singular` | string | lowercase `kind` | |
/// | `namespaced` | flag | absent | `Scope = NamespaceScope`; without it `ClusterScope`. |
/// | `shortnames("a", …)` | strings | none | `SHORT_NAMES`, and the CRD's `shortNames`. |
/// | `categories("all", …)` | strings | none | The CRD's `categories`. |
/// | `status` | type, as a string | none | The status type; adds the `status` subresource. The struct must have a `status` field. |
/// | `scale(spec_replicas_path = ".spec.x", status_replicas_path = ".status.x", label_selector_path = ".status.s")` | | none | Adds the `scale` subresource; `label_selector_path` is optional. |
/// | `printcolumn(name = "…", type = "integer", json_path = ".spec.x", description = "…", format = "int32", priority = 0)` | repeatable | none | One `additionalPrinterColumns` entry; `type` is `integer`, `number`, `string`, `boolean` or `date`; `description`, `format` and `priority` are optional. |
/// | `subresources("log", …)` | strings | none | More entries for `SUBRESOURCES`, for built-in kinds the server gives subresources a CRD cannot have (`log`, `exec`, `eviction`, …). `status` and `scale` come from their own keys. |
/// | `served` | bool | `true` | The CRD version's `served`. |
/// | `storage` | bool | `true` | The CRD version's `storage`. |
/// | `crd` | bool | `true` when `group` contains a dot | Whether to implement `CustomResourceExt`. Built-in kinds in dotted groups (such as `apiextensions.k8s.io`) set `crd = false`. The impl exists only when k8s-client's `apiextensions` feature (on by default) is on: the derive cannot see that feature, so it wraps the impl in a macro of k8s-client that keeps or drops it. |
/// | `schema` | `"derived"` or `"preserve-unknown-fields"` | `"derived"` | How `crd()` gets the OpenAPI schema: from the type's `schemars::JsonSchema` impl, converted to a structural schema (so the type must derive `JsonSchema`), or an open schema that keeps unknown fields in `spec` and `status`. |
///
/// Mistakes are compile errors at the token that caused them: unknown keys,
/// values of the wrong type, a missing `version`, a missing `metadata`
/// field, enums and tuple structs, and malformed groups, kinds, versions,
/// names and JSON paths.
#[proc_macro_derive(Resource, attributes(resource))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::expand(&input)
        .unwrap_or_else(darling::Error::write_errors)
        .into()
}
