"""What operators run behind the `ivr` command: scenarios (`ivr test`), the callers' effort on the main paths
(`ivr effort`) and the Twilio number set-up.

It may import every layer below it, up to ivr.web (scenarios play calls against the app).
"""
