"""Anthropic REST with httpx (default 5 s timeout, raised explicitly) and tenacity backoff.
negative: LLM001, LLM002, LLM003
"""
import os

import httpx
from tenacity import retry, stop_after_attempt, wait_exponential


@retry(stop=stop_after_attempt(4), wait=wait_exponential(multiplier=1, max=20))
def complete(prompt: str) -> str:
    r = httpx.post(
        "https://api.anthropic.com/v1/messages",
        headers={"x-api-key": os.environ["ANTHROPIC_API_KEY"], "anthropic-version": "2023-06-01"},
        json={"model": "claude-3-5-haiku-20241022", "max_tokens": 512,
              "messages": [{"role": "user", "content": prompt}]},
        timeout=60.0,
    )
    r.raise_for_status()
    return r.json()["content"][0]["text"]
