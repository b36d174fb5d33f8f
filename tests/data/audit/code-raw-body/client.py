"""Raw HTTP calls to an OpenAI-compatible server: the body is read where the file builds it."""
# negative: LLM003
import json

import requests

URL = "http://localhost:8000/v1/chat/completions"


def capped(messages, max_tokens=256):
    # The cap is in the dict this function builds and sends as data=json.dumps(body).
    body = {"model": "Qwen/Qwen2.5-7B-Instruct", "messages": messages, "max_tokens": max_tokens}
    r = requests.post(URL, data=json.dumps(body), timeout=30)
    return r.json()


def uncapped(messages):
    payload = {"model": "Qwen/Qwen2.5-7B-Instruct", "messages": messages}
    payload["temperature"] = 0.2
    r = requests.post(URL, data=json.dumps(payload), timeout=30)  # expect: LLM003
    return r.json()


def forwarded(request_body):
    # The body is the caller's: whoever builds it decides the cap.
    r = requests.post(URL, json=request_body, timeout=30)
    return r.json()
