//! The wire contract (DESIGN.md §2): request bodies (JSON or plain-data pickle) to a `Batch`,
//! and model outputs to reply bodies.
