//! Resolve a ColumnTransformer column specification to input indices: a name or names (through
//! `feature_names_in_`), an int or ints (negative allowed), a slice, or a boolean mask. Callables
//! are refused: serving them would mean running Python code.

use crate::model::value::{scalar_i64, Heap, Node, Value};

/// The column indices `spec` selects among `n` input columns. Errors are plain messages; the
/// caller adds which entry they belong to.
pub fn resolve(
    heap: &Heap,
    spec: &Value,
    n: usize,
    names: Option<&[String]>,
) -> Result<Vec<usize>, String> {
    match spec {
        Value::Str(s) => Ok(vec![by_name(s, names)?]),
        Value::Int(i) => Ok(vec![by_int(*i, n)?]),
        Value::Bool(_) => Err("a single bool is not a column selection".into()),
        Value::Global(g) => Err(callable(&g.full_name())),
        Value::Ref(_) => match heap.get(spec) {
            Some(Node::List(items)) | Some(Node::Tuple(items)) => sequence(heap, items, n, names),
            Some(Node::Array(a)) => match a.objects() {
                Some(items) => sequence(heap, items, n, names),
                None => match &a.dtype {
                    crate::model::numpy::Dtype::Scalar { kind: 'b', .. } => {
                        let mask = a.to_i64_vec().map_err(|e| e.to_string())?;
                        by_mask(mask.iter().map(|&b| b != 0), mask.len(), n)
                    }
                    crate::model::numpy::Dtype::Scalar {
                        kind: 'U' | 'S', ..
                    } => {
                        let strs = a.to_strings(heap).map_err(|e| e.to_string())?;
                        strs.iter().map(|s| by_name(s, names)).collect()
                    }
                    _ if a.shape.is_empty() => {
                        let i = a.to_i64_vec().map_err(|e| e.to_string())?;
                        Ok(vec![by_int(i.first().copied().unwrap_or(0), n)?])
                    }
                    _ => a
                        .to_i64_vec()
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(|i| by_int(i, n))
                        .collect(),
                },
            },
            Some(Node::Object(o)) if o.class.name == "slice" => slice(heap, &o.args, n, names),
            Some(Node::Object(o)) => Err(callable(&o.class.full_name())),
            _ => Err(format!(
                "unsupported column selection {}",
                heap.describe(spec)
            )),
        },
        _ => Err(format!(
            "unsupported column selection {}",
            heap.describe(spec)
        )),
    }
}

fn callable(what: &str) -> String {
    format!("the columns are chosen by a callable ({what}); refit the model with explicit column names or indices (make_column_selector is resolved at fit time and is fine)")
}

fn by_name(name: &str, names: Option<&[String]>) -> Result<usize, String> {
    let names = names.ok_or_else(|| {
        format!("column {name:?} is selected by name but the model has no feature_names_in_")
    })?;
    names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| format!("column {name:?} is not among the model's features"))
}

fn by_int(i: i64, n: usize) -> Result<usize, String> {
    let n_i = n as i64;
    let j = if i < 0 { i + n_i } else { i };
    if (0..n_i).contains(&j) {
        Ok(j as usize)
    } else {
        Err(format!("column index {i} is out of range for {n} features"))
    }
}

fn by_mask(mask: impl Iterator<Item = bool>, len: usize, n: usize) -> Result<Vec<usize>, String> {
    if len != n {
        return Err(format!("boolean mask has {len} entries for {n} features"));
    }
    Ok(mask
        .enumerate()
        .filter_map(|(i, b)| b.then_some(i))
        .collect())
}

fn sequence(
    heap: &Heap,
    items: &[Value],
    n: usize,
    names: Option<&[String]>,
) -> Result<Vec<usize>, String> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    if items.iter().all(|v| matches!(v, Value::Bool(_))) {
        return by_mask(
            items.iter().map(|v| matches!(v, Value::Bool(true))),
            items.len(),
            n,
        );
    }
    items
        .iter()
        .map(|v| match v {
            Value::Str(s) => by_name(s, names),
            other => match scalar_i64(heap, other) {
                Some(i) => by_int(i, n),
                None => Err(format!("unsupported column {}", heap.describe(other))),
            },
        })
        .collect()
}

/// A Python slice: by position (end excluded, any step) or by name (end included, as pandas does).
fn slice(
    heap: &Heap,
    args: &[Value],
    n: usize,
    names: Option<&[String]>,
) -> Result<Vec<usize>, String> {
    let get = |k: usize| args.get(k).unwrap_or(&Value::None);
    let (start, stop, step) = (get(0), get(1), get(2));
    let step = match step {
        Value::None => 1,
        v => scalar_i64(heap, v).ok_or("slice step must be an integer")?,
    };
    if step == 0 {
        return Err("slice step cannot be zero".into());
    }
    let named = matches!(start, Value::Str(_)) || matches!(stop, Value::Str(_));
    if named {
        if step < 0 {
            return Err("negative steps in a slice of column names are not supported".into());
        }
        let first = match start {
            Value::Str(s) => by_name(s, names)?,
            Value::None => 0,
            _ => return Err("a slice mixes names and positions".into()),
        };
        let last = match stop {
            Value::Str(s) => by_name(s, names)? as i64,
            Value::None => n as i64 - 1,
            _ => return Err("a slice mixes names and positions".into()),
        };
        return Ok((first as i64..=last)
            .step_by(step as usize)
            .map(|i| i as usize)
            .collect());
    }
    let bound = |v: &Value| -> Result<Option<i64>, String> {
        match v {
            Value::None => Ok(None),
            other => scalar_i64(heap, other)
                .map(Some)
                .ok_or_else(|| format!("unsupported slice bound {}", heap.describe(other))),
        }
    };
    let n_i = n as i64;
    // Python's slice.indices(n).
    let clamp = |b: i64, lo: i64, hi: i64| {
        let b = if b < 0 { b + n_i } else { b };
        b.clamp(lo, hi)
    };
    let (lo, hi) = if step > 0 { (0, n_i) } else { (-1, n_i - 1) };
    let first = bound(start)?.map_or(if step > 0 { 0 } else { n_i - 1 }, |b| clamp(b, lo, hi));
    let end = bound(stop)?.map_or(if step > 0 { n_i } else { -1 }, |b| clamp(b, lo, hi));
    let mut out = Vec::new();
    let mut i = first;
    while (step > 0 && i < end) || (step < 0 && i > end) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect()
    }

    fn slice_of(start: Value, stop: Value, step: Value) -> (Heap, Value) {
        let mut heap = Heap::new();
        let v = heap.alloc(Node::Object(crate::model::value::Object {
            class: std::sync::Arc::new(crate::model::value::Global::new("builtins", "slice")),
            args: vec![start, stop, step],
            kwargs: vec![],
            state: None,
            list_items: vec![],
            dict_items: vec![],
        }));
        (heap, v)
    }

    #[test]
    fn names_ints_and_masks() {
        let mut heap = Heap::new();
        let n = names();
        assert_eq!(
            resolve(&heap, &Value::Str("c".into()), 4, Some(&n)),
            Ok(vec![2])
        );
        assert_eq!(resolve(&heap, &Value::Int(-1), 4, None), Ok(vec![3]));
        assert!(resolve(&heap, &Value::Int(4), 4, None).is_err());
        assert!(resolve(&heap, &Value::Str("z".into()), 4, Some(&n)).is_err());
        assert!(resolve(&heap, &Value::Str("a".into()), 4, None).is_err());
        let list = heap.alloc(Node::List(vec![
            Value::Str("d".into()),
            Value::Str("a".into()),
        ]));
        assert_eq!(resolve(&heap, &list, 4, Some(&n)), Ok(vec![3, 0]));
        let mask = heap.alloc(Node::List(vec![
            Value::Bool(true),
            Value::Bool(false),
            Value::Bool(false),
            Value::Bool(true),
        ]));
        assert_eq!(resolve(&heap, &mask, 4, None), Ok(vec![0, 3]));
        let short = heap.alloc(Node::List(vec![Value::Bool(true)]));
        assert!(resolve(&heap, &short, 4, None).is_err());
        let empty = heap.alloc(Node::List(vec![]));
        assert_eq!(resolve(&heap, &empty, 4, None), Ok(vec![]));
    }

    #[test]
    fn callables_are_refused() {
        let heap = Heap::new();
        let g = Value::Global(std::sync::Arc::new(crate::model::value::Global::new(
            "mymodule", "pick",
        )));
        let err = resolve(&heap, &g, 4, None).unwrap_err();
        assert!(
            err.contains("callable") && err.contains("mymodule.pick"),
            "{err}"
        );
    }

    #[test]
    fn slices_follow_python_and_pandas() {
        let n = names();
        let (h, v) = slice_of(Value::Int(1), Value::Int(3), Value::None);
        assert_eq!(resolve(&h, &v, 4, None), Ok(vec![1, 2]));
        let (h, v) = slice_of(Value::None, Value::None, Value::Int(-1));
        assert_eq!(resolve(&h, &v, 4, None), Ok(vec![3, 2, 1, 0]));
        let (h, v) = slice_of(Value::Int(-2), Value::None, Value::None);
        assert_eq!(resolve(&h, &v, 4, None), Ok(vec![2, 3]));
        let (h, v) = slice_of(Value::Str("b".into()), Value::Str("c".into()), Value::None);
        assert_eq!(resolve(&h, &v, 4, Some(&n)), Ok(vec![1, 2]));
        let (h, v) = slice_of(Value::Int(0), Value::Int(4), Value::Int(0));
        assert!(resolve(&h, &v, 4, None).is_err());
    }
}
