//! The checks every answer gets, whatever asked for it: no server error, a
//! JSON body (labelled as JSON), the profile's success envelope on a
//! success, and on the refusal of a documented rule the profile's error
//! envelope with the body's `status` equal to the HTTP status. Each is a
//! pure function of the answer; the phases decide where to record it.

use serde_json::Value;

use super::answer::is_json_media_type;
use crate::client::Response;
use crate::contract::{Shape, ShapeFamily, Shapes};

/// `http.no-server-error`: the status is below 500.
pub fn no_server_error(status: u16) -> bool {
    status < 500
}

/// `http.json`: the body is JSON text.
pub fn json_body(response: &Response) -> bool {
    response.json.is_some()
}

/// `http.json` (should): the answer is labelled with a JSON media type.
pub fn json_content_type(response: &Response) -> bool {
    response
        .header("content-type")
        .is_some_and(is_json_media_type)
}

/// `create.envelope`: a success body has the profile's envelope.
pub fn success_envelope(shapes: &Shapes, family: ShapeFamily, body: &Value) -> bool {
    shapes.is_valid(Shape::Success(family), body)
}

/// `error.envelope`: the body of a documented refusal has the profile's
/// error envelope.
pub fn error_envelope(shapes: &Shapes, family: ShapeFamily, body: &Value) -> bool {
    shapes.is_valid(Shape::Error(family), body)
}

/// `error.status-consistent`: the body's `status` is the HTTP status.
pub fn status_consistent(status: u16, body: &Value) -> bool {
    body.get("status").and_then(Value::as_u64) == Some(u64::from(status))
}
