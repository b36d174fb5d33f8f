"""Calls the OpenAI REST API directly (no SDK): no timeout, no retries, no output cap."""
import os

import requests

API_URL = "https://api.openai.com/v1/chat/completions"


def complete(prompt: str) -> str:
    payload = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}
    r = requests.post(  # expect: LLM001, LLM002, LLM003
        API_URL,
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
        json=payload,
    )
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]
