//! Execution for Mycelium (to come): orders and their lifecycle, pre-trade risk, simulated matching against the book, fills, positions and PnL, and the execution actor.
