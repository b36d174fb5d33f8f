"""Clients bound to the same name in different functions: each call is judged against the
binding of its own function (or the module's), never another function's. A client handed an
HTTP client built elsewhere carries that client's timeout, which this file cannot show. The
Assistants API's threads, messages and runs generate nothing under max_tokens.
negative: LLM001, LLM003
"""
import os

import requests
from anthropic import Anthropic
from fastapi import FastAPI
from openai import OpenAI

from app.http import shared_http_client

app = FastAPI()


def ask_openai(prompt: str) -> str:
    client = OpenAI(timeout=30)
    r = client.chat.completions.create(
        model="gpt-4o-2024-08-06", max_tokens=300, messages=[{"role": "user", "content": prompt}]
    )
    return r.choices[0].message.content


def ask_with(client, prompt: str) -> str:
    # A parameter: the caller's client, not one of the functions' locals above.
    r = client.chat.completions.create(
        model="gpt-4o-2024-08-06", max_tokens=300, messages=[{"role": "user", "content": prompt}]
    )
    return r.choices[0].message.content


def ask_proxied(prompt: str) -> str:
    client = OpenAI(http_client=shared_http_client())
    r = client.chat.completions.create(
        model="gpt-4o-2024-08-06", max_tokens=300, messages=[{"role": "user", "content": prompt}]
    )
    return r.choices[0].message.content


def ask_claude(prompt: str) -> str:
    client = Anthropic(timeout=60)
    r = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=500, messages=[{"role": "user", "content": prompt}]
    )
    return r.content[0].text


def post_to_thread(thread_id: str, prompt: str) -> None:
    client = OpenAI(timeout=10)
    client.beta.threads.messages.create(thread_id, role="user", content=prompt)
    requests.post(  # expect: LLM002
        f"https://api.openai.com/v1/threads/{thread_id}/runs",
        json={"assistant_id": os.environ["ASSISTANT_ID"]},
        headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
        timeout=10,
    )


def ask_azure(prompt: str) -> str:
    client = OpenAI(base_url=os.environ["AZURE_OPENAI_BASE"])
    r = client.chat.completions.create(  # expect: LLM001
        model="gpt-4o-2024-08-06", max_tokens=300, messages=[{"role": "user", "content": prompt}]
    )
    return r.choices[0].message.content
