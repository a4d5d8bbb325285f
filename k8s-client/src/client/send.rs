//! The ways in: a request sent and its answer decoded, or its body left open
//! as a stream of bytes or of watch events.

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use serde::de::DeserializeOwned;

use super::Client;
use super::attempt::{Collect, Open, Opened};
use super::stream::{byte_stream, watch_events};
use crate::Result;
use crate::meta::WatchEvent;
use crate::rest::{BufferedResponse, IntoRequest, Request, ResponseDecoder, buffered, bytes, json};

impl Client {
    /// Sends a request and decodes its answer with `decoder`: the one way
    /// every verb of [`Api`](crate::Api), discovery and the `send_*`
    /// methods take.
    pub(crate) async fn execute<D: ResponseDecoder>(
        &self,
        req: &Request,
        mut decoder: D,
    ) -> Result<D::Output> {
        let limit = self.inner.max_response_body;
        // Boxed: the retry loop's state (the HTTP client's futures, the
        // credential provider's, the retry state) is large, and every
        // caller's future would otherwise carry it inline.
        let mut reader = Collect::new(&mut decoder, limit, req);
        Box::pin(self.traced(req, self.run(req, &mut reader))).await?;
        decoder.finish()
    }

    /// Sends a request and leaves its body to be read as a stream.
    async fn open(&self, req: &Request) -> Result<Opened> {
        Box::pin(self.traced(req, self.run(req, &mut Open))).await
    }

    /// Sends a request and returns the whole response body.
    pub async fn send_bytes(&self, req: impl IntoRequest) -> Result<Bytes> {
        self.execute(&req.into_request()?, bytes()).await
    }

    /// The whole response with its code and headers.
    pub(crate) async fn buffered_response(&self, req: &Request) -> Result<BufferedResponse> {
        self.execute(req, buffered()).await
    }

    /// Sends a request and decodes the JSON response into `T`.
    ///
    /// A body that does not match `T` is an [`Error::Decode`](crate::Error::Decode)
    /// naming the request and the field path.
    pub async fn send_json<T: DeserializeOwned>(&self, req: impl IntoRequest) -> Result<T> {
        let req = req.into_request()?;
        self.execute(&req, json(req.op(), std::any::type_name::<T>()))
            .await
    }

    /// Sends a request and returns its body as a stream of chunks, never buffered
    /// whole (pod logs, large downloads).
    pub async fn send_stream(
        &self,
        req: impl IntoRequest,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        let req = req.into_request()?;
        let opened = self.open(&req).await?;
        Ok(byte_stream(opened, req.operation()).boxed())
    }

    /// Sends a watch request and decodes its stream of events.
    ///
    /// `ERROR` events become [`Error::Api`](crate::Error::Api) items carrying
    /// the server's Status, so `410 Gone` is `Err(e)` with `e.is_gone()`. A
    /// stream cut between events ends normally (long watches end that way);
    /// one cut inside an event is an error. A frame larger than
    /// [`MAX_WATCH_FRAME`](crate::rest::MAX_WATCH_FRAME) ends the stream with
    /// [`Error::TooLarge`](crate::Error::TooLarge).
    pub async fn send_watch<T>(
        &self,
        req: impl IntoRequest,
    ) -> Result<BoxStream<'static, Result<WatchEvent<T>>>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let req = req.into_request()?;
        let opened = self.open(&req).await?;
        Ok(watch_events(
            opened,
            req.operation(),
            #[cfg(feature = "protobuf")]
            None,
        )
        .boxed())
    }

    /// A watch of a built-in kind, read as protobuf frames when the server
    /// answers protobuf.
    #[cfg(feature = "protobuf")]
    pub(crate) async fn send_watch_protobuf<T>(
        &self,
        req: crate::rest::Request,
        codec: crate::protobuf::Codec<T>,
    ) -> Result<BoxStream<'static, Result<WatchEvent<T>>>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let opened = self.open(&req).await?;
        Ok(watch_events(opened, req.operation(), Some(codec)).boxed())
    }
}
