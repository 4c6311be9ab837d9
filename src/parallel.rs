//! Work spread over the machine's cores, for the two stages that dominate large runs: the
//! loader parses files with it and `compile --all` signs profiles with it.
//!
//! Results always come back in the order of the input, so no output depends on the number of
//! cores.

/// `work` applied to consecutive runs of `items`, one run a core, the results in the order of
/// the runs. With one core, or fewer than `minimum` items, all of `items` is one run.
pub(crate) fn map_runs<T: Sync, R: Send>(
    items: &[T],
    minimum: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    if cores < 2 || items.len() < minimum.max(2) {
        return vec![work(items)];
    }

    let run_length = items.len().div_ceil(cores);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(run_length)
            .map(|run| scope.spawn(move || work(run)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_come_back_in_order_and_cover_every_item() {
        let items: Vec<u32> = (0..1000).collect();

        let runs = map_runs(&items, 2, <[u32]>::to_vec);
        let small = map_runs(&items[..3], 10, <[u32]>::to_vec);

        assert_eq!(runs.concat(), items);
        assert_eq!(small, [vec![0, 1, 2]]);
    }
}
