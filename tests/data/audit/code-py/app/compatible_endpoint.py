"""A pipeline that calls a configured OpenAI-compatible endpoint with raw requests: no timeout
and no output cap. Retries are not judged on a configured host (it may be a gateway that
retries); the server's own route below is not a request.
negative: LLM001, LLM002
"""
import os

import requests
from fastapi import FastAPI

app = FastAPI()
BASE_URL = os.getenv("OPENAI_API_BASE_URL", "https://api.openai.com/v1")


def call_tools(messages: list) -> dict:
    r = requests.post(  # expect: LLM001, LLM003
        url=f"{BASE_URL}/chat/completions",
        json={"model": os.environ["MODEL"], "messages": messages, "tools": []},
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
    )
    r.raise_for_status()
    return r.json()


@app.post("/v1/chat/completions")
def proxy(body: dict) -> dict:
    return call_tools(body["messages"])
