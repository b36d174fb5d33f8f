"""OpenAI chat helpers used by the web app.
negative: LLM001, LLM003, LLM004
"""
import os

from openai import OpenAI

client = OpenAI()
fast = OpenAI(timeout=20.0)
MODEL = "gpt-4o-2024-08-06"
CHEAP_MODEL = "chatgpt-4o-latest"  # expect: LLM004


def summarize(text: str) -> str:
    resp = client.chat.completions.create(  # expect: LLM001
        model=MODEL,
        max_tokens=300,
        messages=[{"role": "user", "content": f"Summarize:\n{text}"}],
    )
    return resp.choices[0].message.content


def classify(text: str) -> str:
    resp = fast.chat.completions.create(  # expect: LLM003
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": text}],
    )
    return resp.choices[0].message.content


def rewrite(text: str) -> str:
    resp = client.with_options(timeout=10.0).chat.completions.create(
        model="gpt-4o-2024-08-06",
        max_completion_tokens=500,
        messages=[{"role": "user", "content": text}],
    )
    return resp.choices[0].message.content


def draft(text: str, **params) -> str:
    resp = fast.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}], **params)
    return resp.choices[0].message.content


def respond(text: str) -> str:
    resp = fast.responses.create(model="gpt-4o-latest", input=text, max_output_tokens=400)  # expect: LLM004
    return resp.output_text


def explain(text: str) -> str:
    request = {"model": "gpt-4o", "max_tokens": 200, "messages": [{"role": "user", "content": text}]}
    resp = fast.chat.completions.create(**request)
    return resp.choices[0].message.content
