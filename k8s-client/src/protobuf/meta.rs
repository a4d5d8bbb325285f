//! Protobuf codecs of the hand-written meta types (`meta.k8s.io/v1`), by
//! hand from `apimachinery/pkg/apis/meta/v1/generated.proto` and `types.go`.
//!
//! The helper chosen for each field follows the generator's rules: a Go
//! non-pointer `omitempty` field that Rust keeps as `Option` decodes its
//! zero value to `None` (`opt_val_nz`) and is always written
//! (`put_opt_val_zero`); a Go pointer is `opt_val` / `put_opt_val`.

use super::codec::*;
use super::wire::{DecodeError, Reader, Result, WireType, Writer};
use crate::meta::{
    Condition, DeleteOptions, FieldSelectorRequirement, LabelSelector, LabelSelectorRequirement,
    List, ListMeta, ManagedFieldsEntry, ObjectMeta, OwnerReference, PartialObjectMetadata,
    Preconditions, PropagationPolicy, Status, StatusCause, StatusDetails,
};

impl Message for ObjectMeta {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val_nz(&mut self.name, wt, r),
            2 => opt_val_nz(&mut self.generate_name, wt, r),
            3 => opt_val_nz(&mut self.namespace, wt, r),
            4 => opt_val_nz(&mut self.self_link, wt, r),
            5 => opt_val_nz(&mut self.uid, wt, r),
            6 => opt_val_nz(&mut self.resource_version, wt, r),
            7 => opt_val_nz(&mut self.generation, wt, r),
            8 => opt_val(&mut self.creation_timestamp, wt, r),
            9 => opt_val(&mut self.deletion_timestamp, wt, r),
            10 => opt_val(&mut self.deletion_grace_period_seconds, wt, r),
            11 => opt_map_val(&mut self.labels, wt, r),
            12 => opt_map_val(&mut self.annotations, wt, r),
            13 => opt_vec_msg(&mut self.owner_references, wt, r),
            14 => opt_vec_val(&mut self.finalizers, wt, r),
            17 => opt_vec_msg(&mut self.managed_fields, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "name",
            2 => "generateName",
            3 => "namespace",
            4 => "selfLink",
            5 => "uid",
            6 => "resourceVersion",
            7 => "generation",
            8 => "creationTimestamp",
            9 => "deletionTimestamp",
            10 => "deletionGracePeriodSeconds",
            11 => "labels",
            12 => "annotations",
            13 => "ownerReferences",
            14 => "finalizers",
            17 => "managedFields",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_vec_msg(w, 17, &self.managed_fields);
        put_opt_vec_val(w, 14, &self.finalizers);
        put_opt_vec_msg(w, 13, &self.owner_references);
        put_opt_map_val(w, 12, &self.annotations);
        put_opt_map_val(w, 11, &self.labels);
        put_opt_val(w, 10, &self.deletion_grace_period_seconds);
        put_opt_val(w, 9, &self.deletion_timestamp);
        put_opt_val_zero(w, 8, &self.creation_timestamp);
        put_opt_val_zero(w, 7, &self.generation);
        put_opt_val_zero(w, 6, &self.resource_version);
        put_opt_val_zero(w, 5, &self.uid);
        put_opt_val_zero(w, 4, &self.self_link);
        put_opt_val_zero(w, 3, &self.namespace);
        put_opt_val_zero(w, 2, &self.generate_name);
        put_opt_val_zero(w, 1, &self.name);
    }
}

impl Message for OwnerReference {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => val(&mut self.kind, wt, r),
            3 => val(&mut self.name, wt, r),
            4 => val(&mut self.uid, wt, r),
            5 => val(&mut self.api_version, wt, r),
            6 => opt_val(&mut self.controller, wt, r),
            7 => opt_val(&mut self.block_owner_deletion, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "kind",
            3 => "name",
            4 => "uid",
            5 => "apiVersion",
            6 => "controller",
            7 => "blockOwnerDeletion",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val(w, 7, &self.block_owner_deletion);
        put_opt_val(w, 6, &self.controller);
        put_val(w, 5, &self.api_version);
        put_val(w, 4, &self.uid);
        put_val(w, 3, &self.name);
        put_val(w, 1, &self.kind);
    }
}

impl Message for ManagedFieldsEntry {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val_nz(&mut self.manager, wt, r),
            2 => opt_val_nz(&mut self.operation, wt, r),
            3 => opt_val_nz(&mut self.api_version, wt, r),
            4 => opt_val(&mut self.time, wt, r),
            6 => opt_val_nz(&mut self.fields_type, wt, r),
            7 => opt_val(&mut self.fields_v1, wt, r),
            8 => opt_val_nz(&mut self.subresource, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "manager",
            2 => "operation",
            3 => "apiVersion",
            4 => "time",
            6 => "fieldsType",
            7 => "fieldsV1",
            8 => "subresource",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val_zero(w, 8, &self.subresource);
        put_opt_val(w, 7, &self.fields_v1);
        put_opt_val_zero(w, 6, &self.fields_type);
        put_opt_val(w, 4, &self.time);
        put_opt_val_zero(w, 3, &self.api_version);
        put_opt_val_zero(w, 2, &self.operation);
        put_opt_val_zero(w, 1, &self.manager);
    }
}

impl Message for ListMeta {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val_nz(&mut self.self_link, wt, r),
            2 => opt_val_nz(&mut self.resource_version, wt, r),
            3 => opt_val_nz(&mut self.continue_, wt, r),
            4 => opt_val(&mut self.remaining_item_count, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "selfLink",
            2 => "resourceVersion",
            3 => "continue",
            4 => "remainingItemCount",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val(w, 4, &self.remaining_item_count);
        put_opt_val_zero(w, 3, &self.continue_);
        put_opt_val_zero(w, 2, &self.resource_version);
        put_opt_val_zero(w, 1, &self.self_link);
    }
}

/// Every `XList` message is `{ListMeta metadata = 1; repeated X items = 2}`
/// (the generator checks this for each list it maps to `List<T>`).
impl<T: Message> Message for List<T> {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => msg(&mut self.metadata, wt, r),
            2 => vec_msg(&mut self.items, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "metadata",
            2 => "items",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_vec_msg(w, 2, &self.items);
        put_msg(w, 1, &self.metadata);
    }
}

impl Message for PartialObjectMetadata {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => msg(&mut self.metadata, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "metadata",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_msg(w, 1, &self.metadata);
    }
}

/// `LabelSelectorRequirement` and `FieldSelectorRequirement` have the same
/// fields and numbers.
macro_rules! requirement {
    ($t:ty) => {
        impl Message for $t {
            fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
                match tag {
                    1 => val(&mut self.key, wt, r),
                    2 => val(&mut self.operator, wt, r),
                    3 => opt_vec_val(&mut self.values, wt, r),
                    _ => r.skip(wt),
                }
            }
            fn field_name(tag: u32) -> &'static str {
                match tag {
                    1 => "key",
                    2 => "operator",
                    3 => "values",
                    _ => "?",
                }
            }
            fn encode(&self, w: &mut Writer) {
                put_opt_vec_val(w, 3, &self.values);
                put_val(w, 2, &self.operator);
                put_val(w, 1, &self.key);
            }
        }
    };
}
requirement!(LabelSelectorRequirement);
requirement!(FieldSelectorRequirement);

impl Message for LabelSelector {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_map_val(&mut self.match_labels, wt, r),
            2 => opt_vec_msg(&mut self.match_expressions, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "matchLabels",
            2 => "matchExpressions",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_vec_msg(w, 2, &self.match_expressions);
        put_opt_map_val(w, 1, &self.match_labels);
    }
}

impl Message for Condition {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => val(&mut self.type_, wt, r),
            2 => val(&mut self.status, wt, r),
            3 => opt_val_nz(&mut self.observed_generation, wt, r),
            4 => val(&mut self.last_transition_time, wt, r),
            5 => val(&mut self.reason, wt, r),
            6 => val(&mut self.message, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "type",
            2 => "status",
            3 => "observedGeneration",
            4 => "lastTransitionTime",
            5 => "reason",
            6 => "message",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_val(w, 6, &self.message);
        put_val(w, 5, &self.reason);
        put_val(w, 4, &self.last_transition_time);
        put_opt_val_zero(w, 3, &self.observed_generation);
        put_val(w, 2, &self.status);
        put_val(w, 1, &self.type_);
    }
}

impl Message for Status {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_msg(&mut self.metadata, wt, r),
            2 => opt_val_nz(&mut self.status, wt, r),
            3 => opt_val_nz(&mut self.message, wt, r),
            4 => opt_val_nz(&mut self.reason, wt, r),
            5 => opt_msg(&mut self.details, wt, r),
            6 => {
                let code = i32::decode(wt, r)?;
                self.code = match code {
                    0 => None,
                    c => Some(u16::try_from(c).map_err(|_| {
                        DecodeError::new(format!("status code {c} is not an HTTP code"))
                    })?),
                };
                Ok(())
            }
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "metadata",
            2 => "status",
            3 => "message",
            4 => "reason",
            5 => "details",
            6 => "code",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        i32::from(self.code.unwrap_or(0)).encode(6, w);
        put_opt_msg(w, 5, &self.details.as_ref());
        put_opt_val_zero(w, 4, &self.reason);
        put_opt_val_zero(w, 3, &self.message);
        put_opt_val_zero(w, 2, &self.status);
        put_opt_msg_zero(w, 1, &self.metadata.as_ref());
    }
}

impl Message for StatusDetails {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val_nz(&mut self.name, wt, r),
            2 => opt_val_nz(&mut self.group, wt, r),
            3 => opt_val_nz(&mut self.kind, wt, r),
            4 => vec_msg(&mut self.causes, wt, r),
            5 => opt_val_nz(&mut self.retry_after_seconds, wt, r),
            6 => opt_val_nz(&mut self.uid, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "name",
            2 => "group",
            3 => "kind",
            4 => "causes",
            5 => "retryAfterSeconds",
            6 => "uid",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val_zero(w, 6, &self.uid);
        put_opt_val_zero(w, 5, &self.retry_after_seconds);
        put_vec_msg(w, 4, &self.causes);
        put_opt_val_zero(w, 3, &self.kind);
        put_opt_val_zero(w, 2, &self.group);
        put_opt_val_zero(w, 1, &self.name);
    }
}

impl Message for StatusCause {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val_nz(&mut self.reason, wt, r),
            2 => opt_val_nz(&mut self.message, wt, r),
            3 => opt_val_nz(&mut self.field, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "reason",
            2 => "message",
            3 => "field",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val_zero(w, 3, &self.field);
        put_opt_val_zero(w, 2, &self.message);
        put_opt_val_zero(w, 1, &self.reason);
    }
}

impl Message for Preconditions {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val(&mut self.uid, wt, r),
            2 => opt_val(&mut self.resource_version, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "uid",
            2 => "resourceVersion",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_opt_val(w, 2, &self.resource_version);
        put_opt_val(w, 1, &self.uid);
    }
}

fn propagation(s: &str) -> Result<PropagationPolicy> {
    Ok(match s {
        "Orphan" => PropagationPolicy::Orphan,
        "Background" => PropagationPolicy::Background,
        "Foreground" => PropagationPolicy::Foreground,
        _ => return Err(DecodeError::new("unknown propagationPolicy")),
    })
}

fn propagation_name(p: PropagationPolicy) -> &'static str {
    match p {
        PropagationPolicy::Orphan => "Orphan",
        PropagationPolicy::Background => "Background",
        PropagationPolicy::Foreground => "Foreground",
    }
}

impl Message for DeleteOptions {
    fn merge_field(&mut self, tag: u32, wt: WireType, r: &mut Reader<'_>) -> Result<()> {
        match tag {
            1 => opt_val(&mut self.grace_period_seconds, wt, r),
            2 => opt_msg(&mut self.preconditions, wt, r),
            4 => {
                self.propagation_policy = Some(propagation(&String::decode(wt, r)?)?);
                Ok(())
            }
            5 => vec_val(&mut self.dry_run, wt, r),
            _ => r.skip(wt),
        }
    }
    fn field_name(tag: u32) -> &'static str {
        match tag {
            1 => "gracePeriodSeconds",
            2 => "preconditions",
            4 => "propagationPolicy",
            5 => "dryRun",
            _ => "?",
        }
    }
    fn encode(&self, w: &mut Writer) {
        put_vec_val(w, 5, &self.dry_run);
        if let Some(p) = self.propagation_policy {
            w.bytes_field(4, propagation_name(p).as_bytes());
        }
        put_opt_msg(w, 2, &self.preconditions.as_ref());
        put_opt_val(w, 1, &self.grace_period_seconds);
    }
}
