//! axum's extractors with their rejections turned into the envelope.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

use crate::ApiError;

/// A JSON body; any problem with it is a 4xx envelope.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// Path parameters; any problem with them is a 4xx envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// Query parameters; any problem with them is a 4xx envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// The caller's address, for the audit log: API Gateway's `requestContext.http.sourceIp` in
/// Lambda, the peer of the TCP connection when served with
/// `into_make_service_with_connect_info::<SocketAddr>()`, else `None`. Never `X-Forwarded-For`
/// nor any other header: the caller writes those.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let from_gateway = match parts.extensions.get::<lambda_http::request::RequestContext>() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => {
                ctx.http.source_ip.clone().filter(|ip| !ip.trim().is_empty())
            }
            _ => None,
        };
        let from_socket = || {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|axum::extract::ConnectInfo(addr)| addr.ip().to_string())
        };
        Ok(Self(from_gateway.or_else(from_socket)))
    }
}

#[cfg(test)]
mod tests {
    use axum::extract::{ConnectInfo, FromRequestParts};
    use lambda_http::request::RequestContext;

    use super::ClientIp;

    async fn ip_of(req: axum::http::Request<()>) -> Option<String> {
        let (mut parts, ()) = req.into_parts();
        ClientIp::from_request_parts(&mut parts, &()).await.unwrap().0
    }

    fn gateway(source_ip: Option<&str>) -> RequestContext {
        let mut ctx = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
        ctx.http.source_ip = source_ip.map(str::to_owned);
        RequestContext::ApiGatewayV2(ctx)
    }

    #[tokio::test]
    async fn the_gateway_source_ip_comes_first_then_the_socket_and_never_a_header() {
        let socket = ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 4000)));
        let mut req =
            axum::http::Request::builder().header("x-forwarded-for", "198.51.100.9").body(()).unwrap();
        assert_eq!(ip_of(req).await, None, "a header the caller wrote is no address");

        req = axum::http::Request::new(());
        req.extensions_mut().insert(socket);
        assert_eq!(ip_of(req).await.as_deref(), Some("127.0.0.1"));

        req = axum::http::Request::new(());
        req.extensions_mut().insert(socket);
        req.extensions_mut().insert(gateway(Some("203.0.113.7")));
        assert_eq!(ip_of(req).await.as_deref(), Some("203.0.113.7"));

        req = axum::http::Request::new(());
        req.extensions_mut().insert(gateway(None));
        assert_eq!(ip_of(req).await, None);
    }
}
