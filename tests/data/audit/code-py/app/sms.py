"""Twilio SMS: client.messages.create here is not an LLM call.
negative: LLM001, LLM003
"""
from twilio.rest import Client

client = Client()


def notify(to: str, body: str) -> None:
    client.messages.create(body=body, from_="+15550100", to=to)
