//! Readiness: the worker keeps a readiness file current while its model is loaded and its
//! consumer runs; `healthcheck` reads it.
