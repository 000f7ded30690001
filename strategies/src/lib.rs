//! Strategies for Mycelium (to come): the `Strategy` trait users implement, sample strategies, and the actor that hosts a strategy.
