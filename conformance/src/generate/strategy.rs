//! Combinators over proptest strategies that the generators share.

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::TestRunner;

/// A union of strategies that tolerates 0 or 1 members.
pub(crate) fn union<T: std::fmt::Debug + Clone + 'static>(
    mut options: Vec<BoxedStrategy<T>>,
    empty: T,
) -> BoxedStrategy<T> {
    match options.len() {
        0 => Just(empty).boxed(),
        1 => options.pop().unwrap_or_else(|| Just(empty).boxed()),
        _ => Union::new(options).boxed(),
    }
}

/// How many samples a build-time probe draws from a mutation strategy.
const PROBE_SAMPLES: usize = 16;

/// Whether `strategy` yields at least one value passing `keep` in a few deterministic draws;
/// used at build time to drop mutations a schema makes impossible, so the final filter never
/// starves.
pub(crate) fn probe<T: std::fmt::Debug>(
    strategy: &BoxedStrategy<T>,
    keep: impl Fn(&T) -> bool,
) -> bool {
    let mut runner = TestRunner::deterministic();
    (0..PROBE_SAMPLES).any(|_| {
        strategy
            .new_tree(&mut runner)
            .is_ok_and(|tree| keep(&proptest::strategy::ValueTree::current(&tree)))
    })
}
