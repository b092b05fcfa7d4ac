//! predict-worker: serve scikit-learn models from RabbitMQ without ever executing a pickle.
//! The library holds everything; `main.rs` only parses the command line and maps errors to exit codes.

pub mod broker;
pub mod cli;
pub mod config;
pub mod health;
pub mod model;
pub mod protocol;
pub mod telemetry;
