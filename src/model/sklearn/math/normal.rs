//! The standard normal quantile function (`scipy.stats.norm.ppf`, i.e. `scipy.special.ndtri`) to
//! about 1e-15 relative: a textbook starting value (Abramowitz & Stegun 26.2.23) refined by Newton
//! steps on the normal CDF, which is computed from a positive-term series of `erf` (no
//! cancellation) and the Laplace continued fraction of `erfc` in the tails.

use std::f64::consts::{PI, SQRT_2};

/// `erf(z)` for `0 <= z`: `2/√π · e^{-z²} · Σ 2ⁿ z^{2n+1} / (1·3···(2n+1))`, all terms positive.
fn erf_series(z: f64) -> f64 {
    let z2 = z * z;
    let mut term = z;
    let mut sum = z;
    let mut n = 0.0;
    while term > sum * 1e-17 {
        n += 1.0;
        term *= 2.0 * z2 / (2.0 * n + 1.0);
        sum += term;
        if n > 500.0 {
            break;
        }
    }
    2.0 / PI.sqrt() * (-z2).exp() * sum
}

/// `erfc(z)` for `z >= 2` by the continued fraction `e^{-z²}/√π / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...))))`.
fn erfc_fraction(z: f64) -> f64 {
    let mut f = z;
    for k in (1..=400).rev() {
        f = z + (k as f64 / 2.0) / f;
    }
    (-z * z).exp() / (PI.sqrt() * f)
}

/// `P(X <= x)` for `x <= 0`, accurate relative to its (small) size.
fn lower_tail(x: f64) -> f64 {
    let z = -x / SQRT_2;
    if z < 2.0 {
        0.5 * (1.0 - erf_series(z))
    } else {
        0.5 * erfc_fraction(z)
    }
}

fn density(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Newton steps on `g(x) = target` with `g' = density`, from `x`.
fn refine(mut x: f64, g: impl Fn(f64) -> f64, target: f64) -> f64 {
    for _ in 0..50 {
        let step = (g(x) - target) / density(x);
        x -= step;
        if step.abs() <= 1e-16 * x.abs().max(1e-300) {
            break;
        }
    }
    x
}

/// The quantile of the lower tail `0 < q < 0.5` (a negative number).
fn tail_quantile(q: f64) -> f64 {
    let t = (-2.0 * q.ln()).sqrt();
    let x0 = -(t
        - (2.515517 + 0.802853 * t + 0.010328 * t * t)
            / (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
    refine(x0, lower_tail, q)
}

/// `scipy.special.ndtri(p)`: -inf at 0, +inf at 1, NaN outside [0, 1].
pub fn ndtri(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let d = p - 0.5;
    if d.abs() <= 0.25 {
        // Solve 0.5·erf(x/√2) = p - 0.5 (both sides computed without cancellation).
        let centre = |x: f64| {
            let e = 0.5 * erf_series((x / SQRT_2).abs());
            if x < 0.0 {
                -e
            } else {
                e
            }
        };
        return refine(d * (2.0 * PI).sqrt(), centre, d);
    }
    if p < 0.5 {
        tail_quantile(p)
    } else {
        -tail_quantile(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::ndtri;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-13 * b.abs().max(1e-300)
    }

    #[test]
    fn matches_scipy_ndtri() {
        // Values from scipy.special.ndtri.
        for (p, want) in [
            (0.5, 0.0),
            (0.975, 1.959963984540054),
            (0.025, -1.9599639845400545),
            (0.6, 0.2533471031357997),
            (0.1, -1.2815515655446004),
            (1e-7, -5.1993375821928165),
            (1e-300, -37.0470962993612),
            (0.5000001, 2.506628273311648e-7),
        ] {
            assert!(
                close(ndtri(p), want),
                "ndtri({p}) = {} not {want}",
                ndtri(p)
            );
        }
        assert_eq!(ndtri(0.0), f64::NEG_INFINITY);
        assert_eq!(ndtri(1.0), f64::INFINITY);
        assert!(ndtri(f64::NAN).is_nan());
    }
}
