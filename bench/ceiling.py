"""The ceiling of the stack: a bare Flask app answering every webhook with one constant TwiML document."""

from flask import Flask, Response

app = Flask(__name__)

# The same shape as a hotline reply: a spoken prompt inside a Gather, and a Redirect for silence.
TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather action="/voice/step?seq=1" finishOnKey="#" '
    'timeout="10"><Say language="cmn-CN" voice="Polly.Zhiyu">prompt</Say></Gather>'
    '<Redirect>/voice/step?seq=1&amp;event=silence</Redirect></Response>'
)


@app.post("/voice")
@app.post("/voice/step")
def webhook():
    return Response(TWIML, mimetype="text/xml")


@app.post("/voice/status")
def status():
    return Response(status=204)


@app.get("/metrics")
def metrics():
    return Response("", mimetype="text/plain")
