//! Model-based property tests of `HandleTable`.
//!
//! Random sequences of insertions, removals, lookups with issued and forged handles, churn
//! (enough insert/remove cycles to retire slots) and drains run against the table and
//! against a `BTreeMap` model plus the set of every handle ever issued. A live handle must
//! return exactly its own value; a handle that was issued and removed must be stale; any
//! other value must be invalid; no handle value is ever issued twice or is 0.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use vm_sandbox::{Handle, HandleError, HandleTable};

#[derive(Debug, Clone)]
enum Op {
    Insert,
    /// Remove the `n`-th issued handle (modulo the number issued), live or not.
    RemoveIssued(usize),
    /// Look up the `n`-th issued handle.
    GetIssued(usize),
    /// Look up and remove a handle derived from an issued one (neighbouring index or
    /// generation), or an arbitrary `u32`.
    Forged {
        base: usize,
        delta: i64,
    },
    ForgedRaw(u32),
    /// Insert and remove this many times (drives slots through their generations).
    Churn(u16),
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Insert),
        4 => any::<usize>().prop_map(Op::RemoveIssued),
        4 => any::<usize>().prop_map(Op::GetIssued),
        3 => (
            any::<usize>(),
            prop_oneof![
                Just(1i64 << 20),
                Just(-(1i64 << 20)),
                Just(1),
                Just(-1),
                Just((1i64 << 20) + 1),
                -(1i64 << 24)..(1i64 << 24),
            ],
        )
            .prop_map(|(base, delta)| Op::Forged { base, delta }),
        2 => any::<u32>().prop_map(Op::ForgedRaw),
        1 => (0u16..3000).prop_map(Op::Churn),
        1 => Just(Op::Drain),
    ]
}

struct Model {
    live: BTreeMap<u32, u64>,
    issued: BTreeSet<u32>,
    /// Issue order, to pick "the n-th issued handle".
    order: Vec<u32>,
    next_value: u64,
    limit: u32,
}

impl Model {
    /// What a lookup of `raw` must return.
    fn expected(&self, raw: u32) -> Result<u64, HandleError> {
        if let Some(value) = self.live.get(&raw) {
            Ok(*value)
        } else if self.issued.contains(&raw) {
            Err(HandleError::Stale { handle: raw })
        } else {
            Err(HandleError::Invalid { handle: raw })
        }
    }
}

fn insert(table: &mut HandleTable<u64>, model: &mut Model) -> Result<(), TestCaseError> {
    let value = model.next_value;
    model.next_value += 1;
    match table.insert(value) {
        Ok(handle) => {
            let raw = handle.into_raw();
            prop_assert!(
                (model.live.len() as u32) < model.limit,
                "insert beyond the limit"
            );
            prop_assert_ne!(raw, 0, "handle 0 issued");
            prop_assert!(model.issued.insert(raw), "handle {:#x} issued twice", raw);
            model.live.insert(raw, value);
            model.order.push(raw);
        }
        Err(error) => {
            prop_assert_eq!(error, HandleError::Full { limit: model.limit });
            prop_assert_eq!(model.live.len() as u32, model.limit);
        }
    }
    Ok(())
}

fn probe(
    table: &mut HandleTable<u64>,
    model: &mut Model,
    raw: u32,
    remove: bool,
) -> Result<(), TestCaseError> {
    let handle = Handle::from_raw(raw);
    let expected = model.expected(raw);
    prop_assert_eq!(table.get(handle).copied(), expected.clone());
    prop_assert_eq!(table.contains(handle), expected.is_ok());
    if remove {
        prop_assert_eq!(table.remove(handle), expected.clone());
        model.live.remove(&raw);
    } else if let Ok(value) = table.get_mut(handle) {
        // Writing through one handle must be visible through it and nowhere else.
        *value += 1_000_000;
        prop_assert_eq!(table.get(handle).copied(), expected.map(|v| v + 1_000_000));
        *model.live.get_mut(&raw).unwrap() += 1_000_000;
    }
    Ok(())
}

fn pick(model: &Model, n: usize) -> Option<u32> {
    (!model.order.is_empty()).then(|| model.order[n % model.order.len()])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn handle_table_matches_the_model(limit in prop_oneof![0u32..4, 4u32..64], ops in proptest::collection::vec(op(), 1..120)) {
        let mut table = HandleTable::new(limit);
        let mut model = Model { live: BTreeMap::new(), issued: BTreeSet::new(), order: Vec::new(), next_value: 1, limit };
        for op in ops {
            match op {
                Op::Insert => insert(&mut table, &mut model)?,
                Op::RemoveIssued(n) => if let Some(raw) = pick(&model, n) { probe(&mut table, &mut model, raw, true)? },
                Op::GetIssued(n) => if let Some(raw) = pick(&model, n) { probe(&mut table, &mut model, raw, false)? },
                Op::Forged { base, delta } => {
                    let raw = pick(&model, base).map_or(0, |raw| (i64::from(raw) + delta).clamp(0, i64::from(u32::MAX)) as u32);
                    probe(&mut table, &mut model, raw, false)?;
                    probe(&mut table, &mut model, raw, true)?;
                }
                Op::ForgedRaw(raw) => probe(&mut table, &mut model, raw, true)?,
                Op::Churn(times) => {
                    for _ in 0..times {
                        insert(&mut table, &mut model)?;
                        let last = *model.order.last().unwrap_or(&0);
                        if model.live.contains_key(&last) {
                            probe(&mut table, &mut model, last, true)?;
                        }
                    }
                }
                Op::Drain => {
                    let drained: BTreeMap<u32, u64> = table.drain().map(|(h, v)| (h.into_raw(), v)).collect();
                    prop_assert_eq!(&drained, &model.live);
                    model.live.clear();
                }
            }
            prop_assert_eq!(table.len(), model.live.len());
            prop_assert_eq!(table.is_empty(), model.live.is_empty());
        }
        let listed: BTreeMap<u32, u64> = table.iter().map(|(h, v)| (h.into_raw(), *v)).collect();
        prop_assert_eq!(&listed, &model.live);
        // Every handle ever issued is either live with its own value or stale.
        for &raw in &model.issued {
            prop_assert_eq!(table.get(Handle::from_raw(raw)).copied(), model.expected(raw));
        }
        table.clear();
        for &raw in &model.issued {
            prop_assert_eq!(table.get(Handle::from_raw(raw)), Err(HandleError::Stale { handle: raw }));
        }
    }
}
