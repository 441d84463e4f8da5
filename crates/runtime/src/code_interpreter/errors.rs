//! The data plane's errors as AgentCore sends them: an HTTP status, the header
//! `x-amzn-ErrorType` naming the exception and a JSON body `{"message"}` (botocore and the
//! Rust SDK read only these), or, once a stream has begun, an exception frame
//! (`eventstream.rs`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// One refusal: which exception of the API model, and a message saying what was wrong and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    kind: Kind,
    message: String,
}

/// The exceptions of the API model that this server raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 400: the request is malformed or names a session that can no longer run calls.
    Validation,
    /// 404: no such session.
    ResourceNotFound,
    /// 402: the sandbox runs as many sessions as it keeps.
    ServiceQuotaExceeded,
    /// 500: the sandbox itself failed (for instance its runtime is not installed).
    InternalServer,
}

impl Kind {
    /// The shape's name, as `x-amzn-ErrorType` carries it.
    fn error_type(self) -> &'static str {
        match self {
            Kind::Validation => "ValidationException",
            Kind::ResourceNotFound => "ResourceNotFoundException",
            Kind::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            Kind::InternalServer => "InternalServerException",
        }
    }

    /// The member of the event stream's union, as `:exception-type` carries it.
    pub(crate) fn exception_type(self) -> &'static str {
        match self {
            Kind::Validation => "validationException",
            Kind::ResourceNotFound => "resourceNotFoundException",
            Kind::ServiceQuotaExceeded => "serviceQuotaExceededException",
            Kind::InternalServer => "internalServerException",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Kind::Validation => StatusCode::BAD_REQUEST,
            Kind::ResourceNotFound => StatusCode::NOT_FOUND,
            Kind::ServiceQuotaExceeded => StatusCode::PAYMENT_REQUIRED,
            Kind::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl ApiError {
    pub(crate) fn validation(message: impl Into<String>) -> ApiError {
        ApiError { kind: Kind::Validation, message: message.into() }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError { kind: Kind::ResourceNotFound, message: message.into() }
    }

    pub(crate) fn quota(message: impl Into<String>) -> ApiError {
        ApiError { kind: Kind::ServiceQuotaExceeded, message: message.into() }
    }

    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError { kind: Kind::InternalServer, message: message.into() }
    }

    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The model requires `reason` on ValidationException; the other shapes have only
        // `message`.
        let body = match self.kind {
            Kind::Validation => json!({"message": self.message, "reason": "FieldValidationFailed"}),
            _ => json!({"message": self.message}),
        };
        let mut response = (self.kind.status(), axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.kind.error_type()));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}
