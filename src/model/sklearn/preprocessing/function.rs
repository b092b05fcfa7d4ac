//! FunctionTransformer with a numpy ufunc from one allow-list ([`UFUNCS`]): the pickled function
//! reference (`numpy.log1p`, `numpy.core._multiarray_umath.log1p`, or the older
//! `_ufunc_reconstruct('numpy', 'log1p')`) is matched by name as data and mapped to a Rust
//! function; it is never resolved or called. Any other function is refused at load.

use super::numeric;
use crate::model::data::Batch;
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Summary, Transformer};
use crate::model::sklearn::{support, Estimator};
use crate::model::value::{Heap, ObjView, Value};

/// What a ufunc computes on one float64.
pub type Elementwise = fn(f64) -> f64;

/// The numpy ufuncs a model may name, with what each computes on one float64.
pub const UFUNCS: &[(&str, Elementwise)] = &[
    ("log", f64::ln),
    ("log1p", f64::ln_1p),
    ("log2", f64::log2),
    ("log10", f64::log10),
    ("exp", f64::exp),
    ("expm1", f64::exp_m1),
    ("exp2", f64::exp2),
    ("sqrt", f64::sqrt),
    ("cbrt", f64::cbrt),
    ("square", |v| v * v),
    ("absolute", f64::abs),
    ("fabs", f64::abs),
    ("negative", |v| -v),
    ("reciprocal", |v| 1.0 / v),
];

/// An allow-listed ufunc.
#[derive(Clone, Copy)]
pub struct Ufunc {
    pub name: &'static str,
    pub f: Elementwise,
}

impl std::fmt::Debug for Ufunc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "numpy.{}", self.name)
    }
}

fn numpy_module(module: &str) -> bool {
    module == "numpy"
        || ["numpy.core", "numpy._core"]
            .iter()
            .any(|m| module == *m || module.strip_prefix(m).is_some_and(|r| r.starts_with('.')))
}

/// The allow-listed ufunc a pickled function reference names, if it is one.
pub fn ufunc(heap: &Heap, v: &Value) -> Option<Ufunc> {
    let (module, name): (&str, &str) = match v {
        Value::Global(g) => (&g.module, &g.name),
        Value::Ref(_) => {
            let obj = heap.object(v)?;
            if obj.class.name != "_ufunc_reconstruct" || !numpy_module(&obj.class.module) {
                return None;
            }
            match obj.args.as_slice() {
                [Value::Str(m), Value::Str(n)] => (m, n),
                _ => return None,
            }
        }
        _ => return None,
    };
    if !numpy_module(module) {
        return None;
    }
    UFUNCS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, f)| Ufunc { name: n, f: *f })
}

/// A function attribute (`func`, `inverse_func`): None for the identity, an allow-listed ufunc, or
/// an error naming the attribute and the allow-list.
pub fn function_attr(obj: &ObjView<'_>, attr: &str) -> Result<Option<Ufunc>, LoadError> {
    match obj.get(attr) {
        None | Some(Value::None) => Ok(None),
        Some(f) => ufunc(obj.heap, f).map(Some).ok_or_else(|| {
            obj.error(
                attr,
                format!(
                    "a custom function ({}) cannot be served: it would mean running Python code; supported: None or numpy.{}",
                    obj.heap.describe(f),
                    UFUNCS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", numpy.")
                ),
            )
        }),
    }
}

/// A FunctionTransformer applying an allow-listed ufunc.
#[derive(Debug)]
pub struct FunctionTransform {
    func: Ufunc,
    n_features: Option<usize>,
    validate: bool,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let Some(func) = function_attr(&obj, "func")? else {
        return Ok(Estimator::Passthrough);
    };
    match obj.get("kw_args") {
        None | Some(Value::None) => {}
        Some(v) if obj.heap.dict(v).is_some_and(<[_]>::is_empty) => {}
        Some(v) => {
            return Err(obj.error(
                "kw_args",
                format!("{} is not supported; only None", obj.heap.describe(v)),
            ))
        }
    }
    Ok(Estimator::Transformer(Box::new(FunctionTransform {
        func,
        n_features: support::n_features(&obj),
        validate: obj.has("validate") && obj.bool("validate")?,
    })))
}

impl Transformer for FunctionTransform {
    fn transform(&self, x: &Batch) -> Result<Batch, PredictError> {
        let n = self.n_features.unwrap_or(x.n_cols());
        let values = numeric(x, n, "FunctionTransformer", self.validate)?;
        Ok(Batch::numeric(values.mapv(self.func.f)))
    }

    fn summary(&self) -> Summary {
        Summary::new("FunctionTransformer").detail("func", format!("{:?}", self.func))
    }
}
