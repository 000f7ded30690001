//! Strategies by name, so a config file picks them with their parameters.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::samples::{MarketMaker, MarketMakerParams, MovingAverageCross, MovingAverageParams};
use crate::strategy::Strategy;

/// Makes a fresh strategy, as many times as it is (re)started. Cannot fail: the
/// parameters were checked when it was made.
pub type Maker = Arc<dyn Fn() -> Box<dyn Strategy> + Send + Sync>;

/// Checks a strategy's parameters (a TOML table) and returns its [`Maker`].
pub type Factory = Box<dyn Fn(&toml::Table) -> Result<Maker, String> + Send + Sync>;

/// Building a strategy from the config failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// No strategy of that name.
    #[error("unknown strategy {name:?}; known strategies: {}", known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names registered.
        known: Vec<String>,
    },
    /// The parameters do not fit the strategy.
    #[error("bad parameters for strategy {name:?}: {reason}")]
    BadParams {
        /// The strategy.
        name: String,
        /// What was wrong.
        reason: String,
    },
}

/// Strategy factories by name. [`StrategyRegistry::with_samples`] has the samples;
/// a user registers their own with [`register`](Self::register) or
/// [`register_params`](Self::register_params).
#[derive(Default)]
pub struct StrategyRegistry {
    factories: BTreeMap<String, Factory>,
}

impl StrategyRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The sample strategies: `moving_average` and `market_maker`, their parameters
    /// checked (a negative size, `fast >= slow` are errors naming the key).
    pub fn with_samples() -> Self {
        let mut r = Self::new();
        r.register_checked("moving_average", MovingAverageParams::check, MovingAverageCross::new);
        r.register_checked("market_maker", MarketMakerParams::check, MarketMaker::new);
        r
    }

    /// Registers a factory under `name`, replacing any earlier one.
    pub fn register(&mut self, name: &str, factory: Factory) {
        self.factories.insert(name.to_owned(), factory);
    }

    /// Registers a strategy whose parameters deserialize from the TOML table. `make`
    /// is any function or closure from the parameters to the strategy: one that
    /// captures what its strategies share (a channel, a log, a counter) is the
    /// normal case. It is called once per (re)start, possibly from several threads.
    pub fn register_params<P, S, F>(&mut self, name: &str, make: F)
    where
        P: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
        S: Strategy,
        F: Fn(P) -> S + Send + Sync + 'static,
    {
        self.register_checked(name, |_| Ok(()), make);
    }

    /// [`register_params`](Self::register_params), with `check` run on the
    /// parameters first (its error is the reason of [`StrategyError::BadParams`]).
    pub fn register_checked<P, S, F>(
        &mut self,
        name: &str,
        check: fn(&P) -> Result<(), String>,
        make: F,
    ) where
        P: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
        S: Strategy,
        F: Fn(P) -> S + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        self.register(
            name,
            Box::new(move |table: &toml::Table| {
                let params: P = toml::Value::Table(table.clone())
                    .try_into()
                    .map_err(|e: toml::de::Error| e.to_string())?;
                check(&params)?;
                let make = make.clone();
                Ok(Arc::new(move || Box::new(make(params.clone())) as Box<dyn Strategy>) as Maker)
            }),
        );
    }

    /// Checks `params` for the strategy `name` and returns its maker.
    pub fn prepare(&self, name: &str, params: &toml::Table) -> Result<Maker, StrategyError> {
        let factory = self
            .factories
            .get(name)
            .ok_or_else(|| StrategyError::Unknown { name: name.to_owned(), known: self.names() })?;
        factory(params).map_err(|reason| StrategyError::BadParams { name: name.to_owned(), reason })
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.factories.keys().cloned().collect()
    }
}
