//! What a subscriber of a shared informer is told.

use std::sync::Arc;

/// A change to the informer's cache, with the objects as the cache holds them.
#[derive(Debug)]
pub enum Notification<K> {
    /// An object appeared: listed at the start (`initial`), listed by a later
    /// relist, or created while watching.
    Added {
        /// The object.
        object: Arc<K>,
        /// Whether it came with the informer's first list (client-go's
        /// `isInInitialList`), or, for a late subscriber, with the cache's
        /// contents when it subscribed.
        initial: bool,
    },
    /// An object changed. For a subscriber far behind, several changes of
    /// one object may arrive as one: `old` is then the state it last saw.
    Updated {
        /// The state before.
        old: Arc<K>,
        /// The state now.
        new: Arc<K>,
    },
    /// An object is gone.
    Deleted {
        /// Its last state: the delete event's, or, when it was deleted while
        /// the watch was down (`final_state_unknown`), the last one the
        /// cache held (client-go's `DeletedFinalStateUnknown`).
        object: Arc<K>,
        /// Whether the deletion was only found by a relist.
        final_state_unknown: bool,
    },
}

impl<K> Clone for Notification<K> {
    fn clone(&self) -> Self {
        match self {
            Notification::Added { object, initial } => Notification::Added {
                object: Arc::clone(object),
                initial: *initial,
            },
            Notification::Updated { old, new } => Notification::Updated {
                old: Arc::clone(old),
                new: Arc::clone(new),
            },
            Notification::Deleted {
                object,
                final_state_unknown,
            } => Notification::Deleted {
                object: Arc::clone(object),
                final_state_unknown: *final_state_unknown,
            },
        }
    }
}

impl<K> Notification<K> {
    /// The object as it is now (or was last, for a deletion).
    pub fn object(&self) -> &Arc<K> {
        match self {
            Notification::Added { object, .. } | Notification::Deleted { object, .. } => object,
            Notification::Updated { new, .. } => new,
        }
    }

    /// Folds `next`, a later change of the same object, into this one.
    pub(super) fn merge(self, next: Notification<K>) -> Merged<K> {
        use Notification::{Added, Deleted, Updated};
        match (self, next) {
            (Added { initial, .. }, Updated { new, .. }) => Merged::Into(Added {
                object: new,
                initial,
            }),
            // Never seen, already gone: nothing to say.
            (Added { .. }, Deleted { .. }) => Merged::Cancelled,
            (Updated { old, .. }, Updated { new, .. }) => Merged::Into(Updated { old, new }),
            (Updated { .. }, deleted @ Deleted { .. }) => Merged::Into(deleted),
            (first, next) => Merged::Apart(first, next),
        }
    }
}

/// The result of [`Notification::merge`].
pub(super) enum Merged<K> {
    /// One notification says both.
    Into(Notification<K>),
    /// The two cancel out.
    Cancelled,
    /// They stay two (a deletion, then the object again).
    Apart(Notification<K>, Notification<K>),
}
