//! The headers a request's retry or dead-letter copy carries: the request's own, unless they leave too
//! little room in one AMQP frame for the worker's headers; then only a note of their size.

use cookie_factory::gen_simple;
use lapin::types::generation::gen_field_table;
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;

/// Room kept in the content-header frame for what the worker adds (error code, error message clipped
/// to 1 KiB, queue name up to 255 bytes, attempt count, retry reason) and the other properties.
pub const ROOM_BYTES: usize = 8 * 1024;

/// Carried instead of the request's headers when they were dropped: their encoded size in bytes.
pub const DROPPED_HEADER: &str = "x-predict-headers-dropped";

/// The request's headers, or, when they encode to more than `frame_max` − [`ROOM_BYTES`], a table
/// with only [`DROPPED_HEADER`]. Without this, the copy's header frame could pass `frame_max` and the
/// broker would close the connection, with every request in flight, on each attempt.
pub fn carried(props: &BasicProperties, frame_max: usize) -> FieldTable {
    let Some(headers) = props.headers() else {
        return FieldTable::default();
    };
    let size = encoded_len(headers);
    if size.saturating_add(ROOM_BYTES) <= frame_max {
        return headers.clone();
    }
    let mut note = FieldTable::default();
    note.insert(
        DROPPED_HEADER.into(),
        AMQPValue::LongUInt(u32::try_from(size).unwrap_or(u32::MAX)),
    );
    note
}

/// The header table's size on the wire, by the AMQP library's own encoder.
fn encoded_len(headers: &FieldTable) -> usize {
    gen_simple(gen_field_table(headers), Vec::new()).map_or(usize::MAX, |bytes| bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header_bytes(n: usize) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert("x-app".into(), AMQPValue::LongString("v".repeat(n).into()));
        BasicProperties::default().with_headers(headers)
    }

    #[test]
    fn headers_that_fit_are_carried_whole() {
        let props = with_header_bytes(1000);
        let carried = carried(&props, 131_072);
        assert_eq!(Some(&carried), props.headers().as_ref());
    }

    #[test]
    fn headers_near_the_frame_limit_are_replaced_by_their_size() {
        let props = with_header_bytes(126 * 1024);
        let carried = carried(&props, 131_072);
        assert!(carried.inner().get("x-app").is_none());
        let Some(AMQPValue::LongUInt(size)) = carried.inner().get(DROPPED_HEADER) else {
            panic!("no {DROPPED_HEADER} in {carried:?}");
        };
        // table length (4) + key (1 + 5) + type (1) + string length (4) + the string
        assert_eq!(*size as usize, 4 + 6 + 1 + 4 + 126 * 1024);
    }

    #[test]
    fn no_headers_give_an_empty_table() {
        assert!(carried(&BasicProperties::default(), 131_072)
            .inner()
            .is_empty());
    }
}
