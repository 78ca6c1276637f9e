"""The Flask app: its factory (ivr.web.app), the webhooks, simulator, operator, health and metrics pages, logging.

It may import every layer below it: ivr.core, ivr.content, ivr.storage and ivr.telephony, and ivr.config.
"""
