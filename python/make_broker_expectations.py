"""scikit-learn's own answers for the requests the broker tests send beyond the samples.

tests/broker_worker.rs sends every request of outputs/best_model.sample.jsonl, one batch request holding all
their rows, and the first sample with two features set to null (NaN). The samples' answers are in
outputs/best_model.expected.jsonl (python/train.py); this script writes the other two to
tests/fixtures/shipped/broker_expectations.jsonl, computed by scikit-learn itself on the shipped model, so the
broker test compares with scikit-learn and not with our own offline `predict`.

Run with the pinned stack (python/requirements.txt): python3 python/make_broker_expectations.py
"""

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "shipped" / "broker_expectations.jsonl"
# The nulls the broker test puts in the first sample (keep in step with tests/broker_worker.rs).
NULLED = ["mean_radius", "worst_area"]


def plain(v):
    return v.item() if hasattr(v, "item") else v


def main():
    model = joblib.load(ROOT / "outputs" / "best_model.pkl")
    samples = [json.loads(l) for l in (ROOT / "outputs" / "best_model.sample.jsonl").read_text().splitlines() if l]
    columns = list(model.feature_names_in_)
    classes = [plain(c) for c in model.classes_]

    def frame(rows):
        df = pd.DataFrame([{c: (np.nan if r[c] is None else r[c]) for c in columns} for r in rows], columns=columns)
        return df

    rows = [s["features"] for s in samples]
    batch = frame(rows)
    gaps_row = dict(rows[0], **{c: None for c in NULLED})
    gaps = frame([gaps_row])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w") as out:
        out.write(json.dumps({
            "id": "batch",
            "predictions": [plain(p) for p in model.predict(batch)],
            "probabilities": model.predict_proba(batch).tolist(),
            "classes": classes,
        }) + "\n")
        out.write(json.dumps({
            "id": 77,
            "nulled": NULLED,
            "prediction": plain(model.predict(gaps)[0]),
            "probabilities": model.predict_proba(gaps)[0].tolist(),
            "classes": classes,
        }) + "\n")
    print(f"scikit-learn {sklearn.__version__}: wrote {OUT}")


if __name__ == "__main__":
    main()
