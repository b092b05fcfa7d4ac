//! SVR and NuSVR: `Σ dual_coef_i · k(x, sv_i) + intercept`, summed in libsvm's order. (Their
//! `_n_support` is not a per-class split, e.g. `[n_SV, n_SV]`, so only `_dual_coef_` is checked.)

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView2};

use super::{dual_coef, intercept, LibsvmCore};
use crate::model::data::{Label, Output};
use crate::model::error::{LoadError, PredictError};
use crate::model::estimator::{Predictor, Summary};
use crate::model::sklearn::Estimator;
use crate::model::value::ObjView;

/// A fitted SVR / NuSVR.
#[derive(Debug)]
pub struct SvmRegressor {
    core: LibsvmCore,
    coef: Array1<f64>,
    intercept: f64,
}

pub fn build(obj: ObjView<'_>) -> Result<Estimator, LoadError> {
    let core = LibsvmCore::from_obj(&obj)?;
    let n_sv = core.n_sv();
    let coef = dual_coef(&obj, 1, n_sv)?.row(0).to_owned();
    let intercept = intercept(&obj, 1)?[0];
    Ok(Estimator::Predictor(Box::new(SvmRegressor {
        core,
        coef,
        intercept,
    })))
}

impl Predictor for SvmRegressor {
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Output, PredictError> {
        self.core.check(x)?;
        let mut kvalue = Array1::zeros(self.core.n_sv());
        let mut values = Array2::zeros((x.nrows(), 1));
        for (r, row) in x.rows().into_iter().enumerate() {
            self.core.kernel_row(row, &mut kvalue);
            let mut sum = 0.0;
            for (c, k) in self.coef.iter().zip(kvalue.iter()) {
                sum += c * k;
            }
            values[[r, 0]] = sum - -self.intercept;
        }
        Ok(Output::Regression { values })
    }

    fn classes(&self) -> Option<Arc<[Label]>> {
        None
    }

    fn summary(&self) -> Summary {
        Summary::new(&self.core.class)
            .detail("n_features", self.core.n_features())
            .detail("kernel", self.core.kernel.name())
            .detail("n_support_vectors", self.core.n_sv())
    }
}
