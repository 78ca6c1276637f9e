"""One step of a call: Twilio's request parameters to engine events, engine replies to TwiML.

Signatures, the TwiML rendering (twilio's VoiceResponse) and the answers given when a backend is down. It may import
ivr.core, ivr.content and ivr.storage.
"""
