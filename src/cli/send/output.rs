//! `send` output: decode reply bodies (JSON or pickle) and write them as JSONL in input order,
//! as soon as every earlier reply is in.

use std::io::Write;

use serde_json::{json, Value};

/// Decode a reply body into JSON; an undecodable body becomes an error object naming the problem.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Value {
    // The worker's own reading of a content type, so both pickle names (and parameters) count.
    let pickle = matches!(
        crate::protocol::Format::from_content_type(content_type),
        Ok(crate::protocol::Format::Pickle)
    );
    let parsed = if pickle {
        serde_pickle::from_slice::<Value>(body, serde_pickle::DeOptions::new())
            .map_err(|e| format!("pickle reply could not be decoded: {e}"))
    } else {
        serde_json::from_slice::<Value>(body).map_err(|e| format!("reply is not JSON: {e}"))
    };
    parsed.unwrap_or_else(
        |message| json!({"error": {"code": "undecodable_reply", "message": message}}),
    )
}

/// Collects replies by input index and writes the longest complete prefix.
pub struct Ordered<W: Write> {
    slots: Vec<Option<Value>>,
    next: usize,
    received: usize,
    out: W,
}

impl<W: Write> Ordered<W> {
    pub fn new(len: usize, out: W) -> Self {
        Ordered {
            slots: vec![None; len],
            next: 0,
            received: 0,
            out,
        }
    }

    /// Store the reply for `index`. Returns false for an index out of range or already answered
    /// (a redelivered request answered twice), which is ignored.
    pub fn insert(&mut self, index: usize, reply: Value) -> std::io::Result<bool> {
        match self.slots.get_mut(index) {
            Some(slot @ None) if index >= self.next => *slot = Some(reply),
            _ => return Ok(false),
        }
        self.received += 1;
        self.flush_ready()?;
        Ok(true)
    }

    fn flush_ready(&mut self) -> std::io::Result<()> {
        let start = self.next;
        while let Some(Some(v)) = self.slots.get_mut(self.next).map(Option::take) {
            serde_json::to_writer(&mut self.out, &v)?;
            self.out.write_all(b"\n")?;
            self.next += 1;
        }
        if self.next > start {
            self.out.flush()?;
        }
        Ok(())
    }

    pub fn received(&self) -> usize {
        self.received
    }

    pub fn is_complete(&self) -> bool {
        self.received == self.slots.len()
    }

    /// Indices still without a reply.
    pub fn missing(&self) -> Vec<usize> {
        (self.next..self.slots.len())
            .filter(|&i| self.slots.get(i).is_some_and(Option::is_none))
            .collect()
    }

    /// Give up waiting: fill every missing slot with `placeholder(i)` and write the rest in order.
    pub fn finish(mut self, placeholder: impl Fn(usize) -> Value) -> std::io::Result<()> {
        for i in self.next..self.slots.len() {
            if let Some(slot @ None) = self.slots.get_mut(i) {
                *slot = Some(placeholder(i));
            }
        }
        self.flush_ready()
    }
}

#[cfg(test)]
mod tests {
    use super::super::amqp::PICKLE;
    use super::*;

    #[test]
    fn writes_in_input_order() {
        let mut buf = Vec::new();
        let mut o = Ordered::new(3, &mut buf);
        assert!(o.insert(2, json!(2)).unwrap());
        assert!(o.insert(1, json!(1)).unwrap());
        assert_eq!(o.received(), 2);
        assert!(!o.insert(1, json!(9)).unwrap());
        assert!(!o.insert(7, json!(9)).unwrap());
        assert_eq!(o.missing(), vec![0]);
        assert!(o.insert(0, json!(0)).unwrap());
        assert!(o.is_complete());
        assert!(!o.insert(0, json!(9)).unwrap());
        drop(o);
        assert_eq!(String::from_utf8(buf).unwrap(), "0\n1\n2\n");
    }

    #[test]
    fn finish_fills_gaps() {
        let mut buf = Vec::new();
        let mut o = Ordered::new(3, &mut buf);
        o.insert(1, json!("b")).unwrap();
        o.finish(|i| json!({ "missing": i })).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"missing\":0}\n\"b\"\n{\"missing\":2}\n"
        );
    }

    #[test]
    fn decodes_json_and_pickle() {
        assert_eq!(decode(b"{\"a\":1}", None), json!({"a": 1}));
        let body = serde_pickle::to_vec(&json!({"a": [1, 2.5, null]}), Default::default()).unwrap();
        assert_eq!(decode(&body, Some(PICKLE)), json!({"a": [1, 2.5, null]}));
        assert_eq!(decode(b"\xff", None)["error"]["code"], "undecodable_reply");
    }
}
