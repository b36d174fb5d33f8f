"""Tests may use floating aliases and fake keys; they are not production code.
negative: LLM001, LLM003, LLM004, LLM006
"""
from openai import OpenAI

client = OpenAI(api_key="sk-test-not-a-real-key")


def test_smoke():
    r = client.chat.completions.create(model="chatgpt-4o-latest", messages=[{"role": "user", "content": "hi"}])
    assert r
