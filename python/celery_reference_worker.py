"""The reference to beat: a real Celery worker serving outputs/best_model.pkl the usual Python way
(``joblib.load`` once, a ``predict`` task calling scikit-learn, ``rpc://`` results). It takes the same
task contract as predict-worker (args=[ROW], kwargs features/instances, rows by name) and returns the
same result object. python/perf_table.py --celery starts it; by hand:

    cd python && OMP_NUM_THREADS=1 CELERY_QUEUE=bench.q \\
        celery -A celery_reference_worker worker --pool=solo -Q bench.q -l warning
    cd python && OMP_NUM_THREADS=1 CELERY_QUEUE=bench.q \\
        celery -A celery_reference_worker worker --pool=prefork -c 2 -Q bench.q -l warning
"""

import os
from pathlib import Path

import joblib
import pandas as pd
from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
MODEL = os.environ.get("MODEL", str(ROOT / "outputs" / "best_model.pkl"))

app = Celery("reference", broker=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"), backend="rpc://")
app.conf.task_default_queue = os.environ.get("CELERY_QUEUE", "celery")
app.conf.worker_enable_remote_control = False  # no celery.pidbox exchange left on a shared broker
model = joblib.load(MODEL)
names = list(model.feature_names_in_)
classes = [c.item() if hasattr(c, "item") else c for c in model.classes_]  # plain Python, not numpy scalars


def frame(rows):
    return pd.DataFrame([r if isinstance(r, dict) else dict(zip(names, r)) for r in rows], columns=names)


@app.task(name="predict")
def predict(row=None, features=None, instances=None):
    rows = instances if instances is not None else [row if row is not None else features]
    proba = model.predict_proba(frame(rows))
    labels = [classes[i] for i in proba.argmax(axis=1).tolist()]
    if instances is None:
        return {"prediction": labels[0], "probabilities": proba[0].tolist(), "classes": classes}
    return {"predictions": labels, "probabilities": proba.tolist(), "classes": classes}
