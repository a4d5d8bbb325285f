//! Informers as client-go has them: a factory, one shared Pod informer with
//! two subscribers, and an index lookup in its cache.
//!
//! Run: `cargo run --example informer` (the README's main job runs it against testenv).

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_client::api::core::v1::{Container, Namespace, Pod, PodSpec};
use k8s_client::api::{DeleteParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::informer::Notification;
use k8s_client::{Api, Client};

const NAMESPACE: &str = "informer-tour";

fn pod(name: &str, app: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(BTreeMap::from([("app".to_owned(), app.to_owned())])),
            ..ObjectMeta::default()
        },
        spec: Some(Box::new(PodSpec {
            containers: vec![Container {
                name: "main".to_owned(),
                image: Some("busybox".to_owned()),
                command: Some(vec!["sleep".to_owned(), "3600".to_owned()]),
                ..Container::default()
            }],
            ..PodSpec::default()
        })),
        ..Pod::default()
    }
}

fn describe(change: &Notification<Pod>) -> String {
    let name = |p: &Pod| p.metadata.name.clone().unwrap_or_default();
    match change {
        Notification::Added { object, initial } => {
            format!(
                "added {}{}",
                name(object),
                if *initial { " (initial)" } else { "" }
            )
        }
        Notification::Updated { new, .. } => format!("updated {}", name(new)),
        Notification::Deleted { object, .. } => format!("deleted {}", name(object)),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::try_default().await?;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.to_owned()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    namespaces.create(&PostParams::default(), &ns).await?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    pods.create(&PostParams::default(), &pod("web-0", "web"))
        .await?;

    // One factory for the program; both subscribers share one list and watch.
    let factory = InformerFactory::new(client.clone())
        .namespace(NAMESPACE)
        .drop_managed_fields();
    let informer = factory.informer::<Pod>();
    informer.store().add_indexer("app", |pod: &Pod| {
        pod.metadata
            .labels
            .iter()
            .flat_map(|l| l.get("app").cloned())
            .collect()
    })?;
    let mut logger = informer.subscribe();
    let mut counter = informer.subscribe();
    factory.start()?;
    factory.wait_for_cache_sync().await;
    println!("cache synced: {} pod(s)", informer.store().len());

    pods.create(&PostParams::default(), &pod("web-1", "web"))
        .await?;
    pods.create(&PostParams::default(), &pod("db-0", "db"))
        .await?;
    pods.delete("web-0", &DeleteParams::default().grace_period(0))
        .await?;

    // The first subscriber prints what it sees, up to the deletion...
    while let Some(change) = tokio::time::timeout(Duration::from_secs(30), logger.recv()).await? {
        println!("subscriber 1: {}", describe(&change));
        if matches!(&change, Notification::Deleted { object, .. } if object.metadata.name.as_deref() == Some("web-0"))
        {
            break;
        }
    }
    // ...the second, slower one counts; both saw the same changes.
    let mut seen = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), counter.recv()).await {
        seen += 1;
    }
    println!("subscriber 2: {seen} changes");

    let web: Vec<String> = informer
        .store()
        .by_index("app", "web")?
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    println!("index app=web: {web:?}");

    factory.shutdown().await;
    namespaces
        .delete(NAMESPACE, &DeleteParams::default())
        .await?;
    Ok(())
}
