//! OneHotEncoder and OrdinalEncoder: the fitted `categories_` of each column (numbers or strings,
//! possibly with a None/NaN category), looked up per cell, plus the infrequent-category grouping
//! both encoders share.

mod categories;
mod onehot;
mod ordinal;

pub use categories::{Categories, Lookup};

use super::support;
use super::Estimator;
use crate::model::error::LoadError;
use crate::model::value::{scalar_i64, Node, ObjView, Value};

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    match obj.class_name() {
        "OneHotEncoder" => onehot::build(obj),
        "OrdinalEncoder" => ordinal::build(obj),
        _ => Err(super::unsupported(&obj.full_name())),
    }
}

/// What both encoders read first: one `Categories` per input column, and the feature names.
struct Fitted {
    categories: Vec<Categories>,
    feature_names: Option<Vec<String>>,
    infrequent: Vec<Infrequent>,
}

/// Infrequent-category grouping for one column (scikit-learn ≥ 1.1, `max_categories` /
/// `min_frequency`): unknown values go to `first` (the first infrequent index), then every index is
/// remapped through `mapping`.
#[derive(Clone, Debug, Default)]
struct Infrequent {
    first: Option<usize>,
    mapping: Option<Vec<usize>>,
}

fn read_fitted(obj: &ObjView<'_>) -> Result<Fitted, LoadError> {
    let cats = obj.seq("categories_")?;
    let feature_names = support::feature_names(obj)?;
    let categories = cats
        .iter()
        .enumerate()
        .map(|(i, v)| Categories::from_value(obj, i, v))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(n) = support::n_features(obj) {
        if n != categories.len() {
            return Err(obj.error(
                "categories_",
                format!("has {} columns but n_features_in_ is {n}", categories.len()),
            ));
        }
    }
    if let Some(names) = &feature_names {
        if names.len() != categories.len() {
            return Err(obj.error(
                "feature_names_in_",
                format!("has {} names for {} columns", names.len(), categories.len()),
            ));
        }
    }
    let infrequent = read_infrequent(obj, &categories)?;
    Ok(Fitted {
        categories,
        feature_names,
        infrequent,
    })
}

fn read_infrequent(
    obj: &ObjView<'_>,
    categories: &[Categories],
) -> Result<Vec<Infrequent>, LoadError> {
    let n = categories.len();
    let enabled = obj.has("_infrequent_enabled") && obj.bool("_infrequent_enabled")?;
    if !enabled {
        return Ok(vec![Infrequent::default(); n]);
    }
    let indices = obj.seq("_infrequent_indices")?;
    let mappings = obj.seq("_default_to_infrequent_mappings")?;
    if indices.len() != n || mappings.len() != n {
        return Err(obj.error(
            "_infrequent_indices",
            format!("expected one entry per column ({n})"),
        ));
    }
    let mut out = Vec::with_capacity(n);
    for (i, (idx, map)) in indices.iter().zip(mappings).enumerate() {
        let first = match idx {
            Value::None => None,
            v => {
                let list = index_list(obj, "_infrequent_indices", v)?;
                match list.first() {
                    Some(&f) if f < categories[i].len() => Some(f),
                    Some(&f) => {
                        return Err(obj.error(
                            "_infrequent_indices",
                            format!("index {f} is outside column {i}'s categories"),
                        ))
                    }
                    None => None,
                }
            }
        };
        let mapping = match map {
            Value::None => None,
            v => Some(index_list(obj, "_default_to_infrequent_mappings", v)?),
        };
        if first.is_some() != mapping.is_some() {
            return Err(obj.error(
                "_default_to_infrequent_mappings",
                format!("column {i} has infrequent indices without a mapping, or the reverse"),
            ));
        }
        out.push(Infrequent { first, mapping });
    }
    Ok(out)
}

/// Non-negative indices from an int array or a list of ints.
fn index_list(obj: &ObjView<'_>, attr: &str, v: &Value) -> Result<Vec<usize>, LoadError> {
    support::value_i64s(obj, attr, v)?
        .into_iter()
        .map(|i| usize::try_from(i).map_err(|_| obj.error(attr, format!("negative index {i}"))))
        .collect()
}

/// Per-column optional indices stored as an object array of (None | int), an int array, or None.
fn optional_indices(
    obj: &ObjView<'_>,
    attr: &str,
    n: usize,
) -> Result<Option<Vec<Option<usize>>>, LoadError> {
    let v = match obj.get(attr) {
        None | Some(Value::None) => return Ok(None),
        Some(v) => v,
    };
    let items: Vec<Option<i64>> = match obj.heap.get(v) {
        Some(Node::Array(a)) => match a.objects() {
            Some(objs) => objs
                .iter()
                .map(|o| match o {
                    Value::None => Ok(None),
                    other => scalar_i64(obj.heap, other).map(Some).ok_or_else(|| {
                        obj.error(
                            attr,
                            format!("expected int or None, found {}", obj.heap.describe(other)),
                        )
                    }),
                })
                .collect::<Result<_, _>>()?,
            None => a
                .to_i64_vec()
                .map_err(|e| obj.error(attr, e))?
                .into_iter()
                .map(Some)
                .collect(),
        },
        _ => support::value_i64s(obj, attr, v)?
            .into_iter()
            .map(Some)
            .collect(),
    };
    if items.len() != n {
        return Err(obj.error(attr, format!("has {} entries for {n} columns", items.len())));
    }
    items
        .into_iter()
        .map(|o| match o {
            None => Ok(None),
            Some(i) => usize::try_from(i)
                .map(Some)
                .map_err(|_| obj.error(attr, format!("negative index {i}"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
