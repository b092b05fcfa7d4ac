"""Minimal Python counterpart of `predict-worker worker`, for the image-size comparison only:
consume predict.requests, predict with the shipped scikit-learn model, reply to reply_to."""
import json
import os

import joblib
import pandas as pd
import pika

model = joblib.load(os.environ.get("MODEL_PATH", "outputs/best_model.pkl"))
params = pika.URLParameters(os.environ.get("AMQP_URL", "amqp://guest:guest@rabbitmq:5672/%2f"))
channel = pika.BlockingConnection(params).channel()
channel.queue_declare("predict.requests", durable=True, passive=True)
channel.basic_qos(prefetch_count=64)


def on_request(ch, method, props, body):
    req = json.loads(body)
    frame = pd.DataFrame([req["features"]])
    reply = {"id": req.get("id"), "prediction": str(model.predict(frame)[0])}
    if props.reply_to:
        ch.basic_publish(
            "",
            props.reply_to,
            json.dumps(reply),
            pika.BasicProperties(correlation_id=props.correlation_id, content_type="application/json"),
        )
    ch.basic_ack(method.delivery_tag)


channel.basic_consume("predict.requests", on_request)
channel.start_consuming()
