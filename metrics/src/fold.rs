//! Bounded label sets: every sample passes through a [`LabelGuard`] on its way to the
//! exposition, and the guard, not the collector, decides which label values exist.
//!
//! Each label of each family admits its first `max_values` distinct values for the
//! registry's lifetime; a later value is exposed as [`OVERFLOW_VALUE`] and added into
//! that series, and the family's overflow counter grows by one per folded sample per
//! scrape. Admission is for good (a value that stops appearing keeps its slot), so a
//! value never moves between its own series and `other`, and folding never makes a
//! counter appear to go down. An order id in a label therefore costs at most
//! `max_values` series, and shows up as a steadily rising overflow counter.
//!
//! Values are also cut to [`MAX_LABEL_VALUE_BYTES`], so a long one cannot make the
//! exposition grow without bound either.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::batch::{Batch, Value};
use crate::catalogue::LABEL_OVERFLOWS;
use crate::spec::Descriptor;

/// The value a label takes for every value beyond its cap.
pub const OVERFLOW_VALUE: &str = "other";

/// The longest label value exposed, in bytes; longer ones are cut at a character
/// boundary.
pub const MAX_LABEL_VALUE_BYTES: usize = 128;

/// The families of one scrape, by name, each with its series by label values.
pub(crate) type Families = BTreeMap<&'static str, Family>;

/// One family's series.
#[derive(Debug)]
pub(crate) struct Family {
    pub(crate) descriptor: Descriptor,
    pub(crate) series: BTreeMap<Vec<String>, Value>,
}

/// The admitted label values, per family and label, across scrapes.
#[derive(Debug, Default)]
pub(crate) struct LabelGuard {
    admitted: HashMap<(&'static str, usize), HashSet<String>>,
    /// Samples folded into `other`, per family, since the registry was made.
    overflows: BTreeMap<&'static str, u64>,
}

impl LabelGuard {
    /// Folds and merges `batches` into families. A sample whose family name was
    /// already given another descriptor (two collectors disagreeing) is dropped, with
    /// a warning: Prometheus refuses an exposition with two types for one name.
    pub(crate) fn fold(&mut self, batches: impl IntoIterator<Item = Batch>) -> Families {
        let mut families = Families::new();
        for batch in batches {
            for sample in batch.samples {
                let descriptor = sample.family;
                let family = families
                    .entry(descriptor.name())
                    .or_insert_with(|| Family { descriptor, series: BTreeMap::new() });
                if family.descriptor != descriptor {
                    tracing::warn!(
                        family = descriptor.name(),
                        "two collectors describe this family differently; sample dropped"
                    );
                    continue;
                }
                if !descriptor.labels().is_empty() {
                    self.overflows.entry(descriptor.name()).or_insert(0);
                }
                match family.series.entry(self.admit(descriptor, sample.labels)) {
                    Entry::Occupied(mut series) => series.get_mut().add(sample.value),
                    Entry::Vacant(series) => {
                        series.insert(sample.value);
                    }
                }
            }
        }
        // The guard's own figure, outside the guard: its label values are the names
        // of the families above, which come from code, not from data.
        let descriptor = LABEL_OVERFLOWS.descriptor();
        let series = self
            .overflows
            .iter()
            .map(|(name, n)| (vec![(*name).to_owned()], Value::Number(*n as f64)));
        families.insert(descriptor.name(), Family { descriptor, series: series.collect() });
        families
    }

    /// The label values to expose for a sample of `family` given `values`.
    fn admit(&mut self, family: Descriptor, mut values: Vec<String>) -> Vec<String> {
        let mut folded = false;
        for (i, (label, value)) in family.labels().iter().zip(values.iter_mut()).enumerate() {
            truncate(value);
            let admitted = self.admitted.entry((family.name(), i)).or_default();
            if value == OVERFLOW_VALUE || admitted.contains(value.as_str()) {
                continue;
            }
            if admitted.len() < label.max_values() {
                admitted.insert(value.clone());
            } else {
                *value = OVERFLOW_VALUE.to_owned();
                folded = true;
            }
        }
        if folded {
            *self.overflows.entry(family.name()).or_insert(0) += 1;
        }
        values
    }
}

fn truncate(value: &mut String) {
    if value.len() > MAX_LABEL_VALUE_BYTES {
        let mut end = MAX_LABEL_VALUE_BYTES;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
    }
}
