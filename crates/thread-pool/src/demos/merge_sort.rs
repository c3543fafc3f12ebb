//! A parallel merge sort: divide and conquer with `rayon::join`.
//!
//! `join(a, b)` runs `a` on this thread and offers `b` to other workers; if
//! none is free, this thread runs `b` itself afterwards. Both halves borrow
//! disjoint parts of the same slice (`split_at_mut`), so no copying into
//! owned pieces and no `Arc`. Below `SEQUENTIAL_BELOW` items the overhead of
//! splitting outweighs the gain, so small pieces are sorted in place.

/// Pieces smaller than this are sorted without further splitting.
const SEQUENTIAL_BELOW: usize = 4096;

/// Sorts `items` using every thread of the current rayon pool.
pub fn parallel_merge_sort<T: Ord + Copy + Send + Sync>(items: &mut [T]) {
    let mut scratch = items.to_vec();
    sort_into(items, &mut scratch);
}

/// Sorts `items`, using `scratch` (the same length) as merge space.
fn sort_into<T: Ord + Copy + Send + Sync>(items: &mut [T], scratch: &mut [T]) {
    if items.len() < SEQUENTIAL_BELOW {
        items.sort_unstable();
        return;
    }
    let middle = items.len() / 2;
    {
        let (left, right) = items.split_at_mut(middle);
        let (left_scratch, right_scratch) = scratch.split_at_mut(middle);
        rayon::join(
            || sort_into(left, left_scratch),
            || sort_into(right, right_scratch),
        );
    }
    merge(&items[..middle], &items[middle..], scratch);
    items.copy_from_slice(scratch);
}

/// Merges two sorted slices into `out`, which holds exactly both.
fn merge<T: Ord + Copy>(left: &[T], right: &[T], out: &mut [T]) {
    let (mut from_left, mut from_right) = (0, 0);
    for slot in out.iter_mut() {
        let take_left = from_right == right.len()
            || (from_left < left.len() && left[from_left] <= right[from_right]);
        if take_left {
            *slot = left[from_left];
            from_left += 1;
        } else {
            *slot = right[from_right];
            from_right += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_sorts_every_shape() {
        for mut items in [
            vec![],
            vec![5],
            vec![3, 1, 2],
            (0..10_000).rev().collect(),
            vec![7; 9000],
        ] {
            let mut expected = items.clone();
            expected.sort_unstable();
            parallel_merge_sort(&mut items);
            assert_eq!(items, expected);
        }
    }
}
