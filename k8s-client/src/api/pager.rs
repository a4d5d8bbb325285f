//! Listing everything in pages, as client-go's `tools/pager` does.

use serde::de::DeserializeOwned;

use super::{Api, ListParams};
use crate::Result;
use crate::meta::List;

/// client-go's page size.
pub const PAGE_SIZE: u32 = 500;

impl<K: DeserializeOwned + Send> Api<K> {
    /// Lists every matching object, in pages of [`PAGE_SIZE`] (or `lp.limit`).
    ///
    /// If a continue token expires mid-way (410 Gone), it falls back to one
    /// unpaged list at the original resourceVersion, as client-go's pager does.
    /// The result carries the resourceVersion of the first page.
    pub async fn list_all(&self, lp: &ListParams) -> Result<List<K>> {
        let mut page_params = lp.clone();
        page_params.limit = Some(lp.limit.unwrap_or(PAGE_SIZE));
        let mut first = self.list(&page_params).await?;
        let mut token = first.metadata.continue_.take();
        while let Some(t) = token.filter(|t| !t.is_empty()) {
            page_params.continue_token = Some(t);
            // A continue token fixes the resourceVersion; sending one too is an error.
            page_params.resource_version = None;
            page_params.version_match = None;
            match self.list(&page_params).await {
                Ok(mut page) => {
                    first.items.append(&mut page.items);
                    token = page.metadata.continue_.take();
                }
                Err(e) if e.is_gone() => {
                    tracing::debug!("continue token expired; listing everything at once");
                    let mut full = lp.clone();
                    full.limit = None;
                    full.continue_token = None;
                    return self.list(&full).await;
                }
                Err(e) => return Err(e),
            }
        }
        first.metadata.remaining_item_count = None;
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Client;
    use crate::dynamic::{ApiResource, DynamicObject};

    #[test]
    fn list_futures_can_be_spawned() {
        // Callers spawn lists onto multi-threaded runtimes; the list decoded
        // while its body streams in is held across awaits and must not make
        // the futures !Send.
        fn spawnable<T: Send + 'static>(_: T) {}
        let client = Client::builder("http://127.0.0.1:1").build().unwrap();
        let pods = ApiResource::new("", "v1", "Pod", "pods", true);
        let api: Api<DynamicObject> = Api::namespaced_with(client, "ns", &pods);
        spawnable({
            let api = api.clone();
            async move { api.list(&ListParams::default()).await }
        });
        spawnable(async move { api.list_all(&ListParams::default()).await });
    }
}
