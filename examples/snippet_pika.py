# One request, one reply, with pika. Run from the repository root while a worker runs:
#   python3 examples/snippet_pika.py [QUEUE]
import json, sys, uuid
import pika

queue = sys.argv[1] if len(sys.argv) > 1 else "predict.requests"
with open("outputs/best_model.sample.jsonl") as f:
    request = json.loads(f.readline())  # {"id": "sample-1", "features": {"mean_radius": 11.41, ...}}

conn = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@localhost:5672/%2f"))
ch = conn.channel()
ch.confirm_delivery()  # basic_publish now waits for the broker's confirm
reply_to = ch.queue_declare("", exclusive=True).method.queue  # private reply queue
cid = str(uuid.uuid4())
ch.basic_publish(
    "", queue, json.dumps(request),
    pika.BasicProperties(reply_to=reply_to, correlation_id=cid,
                         content_type="application/json", delivery_mode=2),
    mandatory=True,  # no such queue: raises pika.exceptions.UnroutableError instead of losing it
)
for method, props, body in ch.consume(reply_to, auto_ack=True, inactivity_timeout=30):
    if method is None:
        sys.exit("no reply within 30 s: is a worker consuming " + queue + "?")
    if props.correlation_id == cid:
        print(json.loads(body))  # {'id': 'sample-1', 'prediction': 'benign', ...}
        break
conn.close()
