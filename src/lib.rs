//! sourcemix: the least-cost way to source critical minerals while no single
//! country supplies more than a set share.
//!
//! Data flows one way, one module per step:
//! [`input`] (load) -> [`validate`] -> [`network`] -> [`program`] -> [`solve`] -> [`report`].
//! [`pipeline`] strings the steps together.

pub mod batch;
pub mod diagnostics;
pub mod disruption;
pub mod duals;
pub mod frontier;
pub mod horizon;
pub mod id;
pub mod input;
pub mod model;
pub mod network;
pub mod periods;
pub mod pipeline;
pub mod policies;
pub mod program;
pub mod progress;
pub mod ranges;
pub mod report;
pub mod scenario;
pub mod solve;
pub mod stockpile;
#[cfg(feature = "synth")]
pub mod synth;
pub mod tiebreak;
pub mod validate;
