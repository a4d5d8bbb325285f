/// What a request accepts in the response.
///
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Accept {
    /// `application/json`.
    #[default]
    Json,
    /// `application/json;as=Table;v=v1;g=meta.k8s.io`, then JSON: server-side tables
    /// as `kubectl get` prints them.
    Table,
    /// Any representation; the body is handed back undecoded (logs, raw paths).
    Any,
    /// One object's metadata alone (`meta.k8s.io/v1` `PartialObjectMetadata`),
    /// else the object: for get and watch.
    PartialObjectMetadata,
    /// A list of objects' metadata alone (`PartialObjectMetadataList`), else
    /// the list.
    PartialObjectMetadataList,
    /// Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`),
    /// else the legacy JSON discovery documents, as client-go asks for them.
    AggregatedDiscovery,
    /// `application/vnd.kubernetes.protobuf, application/json`: protobuf
    /// where the server has it (built-in types), else JSON; the answer is
    /// decoded by its `Content-Type`.
    Protobuf,
}

impl Accept {
    /// The `Accept` header value.
    pub fn header_value(self) -> &'static str {
        match self {
            Accept::Json => "application/json",
            Accept::Table => "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            Accept::Any => "*/*",
            Accept::PartialObjectMetadata => {
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
            }
            Accept::PartialObjectMetadataList => {
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
            }
            Accept::Protobuf => "application/vnd.kubernetes.protobuf, application/json",
            Accept::AggregatedDiscovery => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            }
        }
    }
}
