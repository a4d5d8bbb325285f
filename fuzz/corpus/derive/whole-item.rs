#[resource(group = "example.com", version = "v1", namespaced, status = "WidgetStatus")]
pub struct Widget<T: Clone> where T: Default {
    pub metadata: ObjectMeta,
    pub spec: WidgetSpec<T>,
    #[serde(default)]
    pub status: Option<WidgetStatus>,
}
