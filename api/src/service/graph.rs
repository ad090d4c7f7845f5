//! Dependency graphs held in memory: path search for cycle checks.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// A path `from -> ... -> to` along `edges` (node -> the nodes it depends on), if one exists.
pub fn find_path<N: Copy + Eq + Hash>(edges: &HashMap<N, Vec<N>>, from: N, to: N) -> Option<Vec<N>> {
    let mut stack = vec![(from, vec![from])];
    let mut seen = HashSet::new();
    while let Some((node, path)) = stack.pop() {
        if node == to {
            return Some(path);
        }
        if !seen.insert(node) {
            continue;
        }
        for next in edges.get(&node).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(*next);
            stack.push((*next, longer));
        }
    }
    None
}

/// One cycle of the graph, as the nodes along it (first node repeated at the end), if any.
pub fn find_cycle<N: Copy + Eq + Hash + Ord>(edges: &HashMap<N, Vec<N>>) -> Option<Vec<N>> {
    let mut nodes: Vec<N> = edges.keys().copied().collect();
    nodes.sort();
    let mut finished = HashSet::new();
    for start in nodes {
        if finished.contains(&start) {
            continue;
        }
        // Iterative depth-first search keeping the current path, to report the cycle found.
        let mut path: Vec<N> = vec![start];
        let mut on_path: HashSet<N> = HashSet::from([start]);
        let mut iters: Vec<std::slice::Iter<'_, N>> = vec![edges.get(&start).map(|v| v.iter()).unwrap_or_default()];
        while let Some(iter) = iters.last_mut() {
            match iter.next() {
                Some(&next) if on_path.contains(&next) => {
                    let at = path.iter().position(|n| *n == next).unwrap_or(0);
                    let mut cycle = path[at..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Some(&next) if !finished.contains(&next) => {
                    path.push(next);
                    on_path.insert(next);
                    iters.push(edges.get(&next).map(|v| v.iter()).unwrap_or_default());
                }
                Some(_) => {}
                None => {
                    iters.pop();
                    if let Some(done) = path.pop() {
                        on_path.remove(&done);
                        finished.insert(done);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_cycles_are_found() {
        let edges = HashMap::from([(1, vec![2]), (2, vec![3]), (3, vec![])]);
        assert_eq!(find_path(&edges, 1, 3), Some(vec![1, 2, 3]));
        assert_eq!(find_path(&edges, 3, 1), None);
        assert_eq!(find_cycle(&edges), None);
        let cyclic = HashMap::from([(1, vec![2]), (2, vec![3]), (3, vec![1]), (4, vec![1])]);
        let cycle = find_cycle(&cyclic).unwrap();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4);
    }
}
