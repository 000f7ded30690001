//! Counters of what execution did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::order::RejectReason;

/// Orders, fills, cancels and rejects (by reason) since the start.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Serialize,
    Deserialize,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Deserialize,
)]
pub struct ExecutionStats {
    /// New orders submitted (resends of a known order excluded, rejected ones included).
    pub orders: u64,
    /// Resends of a known order, answered with its current status.
    pub resends: u64,
    /// Orders accepted.
    pub accepted: u64,
    /// Rejects of orders and cancels, by reason.
    #[rkyv(with = rkyv::with::AsVec)]
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Fills (executions).
    pub fills: u64,
    /// Quantity filled, all sides.
    pub filled_qty: f64,
    /// Orders that ended `Filled`.
    pub filled_orders: u64,
    /// Orders that ended `Cancelled` (by request, or as a market/IOC remainder).
    pub cancelled_orders: u64,
    /// Cancel requests received.
    pub cancel_requests: u64,
    /// Cancels that found their order already finished (answered with its status).
    pub late_cancels: u64,
}

impl ExecutionStats {
    /// Total rejects.
    pub fn rejects(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Rejects for `reason`.
    pub fn rejects_for(&self, reason: RejectReason) -> u64 {
        self.rejected.get(&reason).copied().unwrap_or(0)
    }

    pub(crate) fn count_reject(&mut self, reason: RejectReason) {
        *self.rejected.entry(reason).or_insert(0) += 1;
    }
}
