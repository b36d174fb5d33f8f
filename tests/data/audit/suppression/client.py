"""Suppressed in code: the batch job runs under a job-level deadline.
negative: LLM001
"""
from openai import OpenAI

client = OpenAI()


def batch(q: str) -> str:
    # llmctl-ignore: LLM001 the Kubernetes Job's activeDeadlineSeconds bounds the call
    r = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", max_tokens=50,  # expect: LLM005
                                       messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content


def other(q: str) -> str:
    r = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", max_tokens=50,  # expect: LLM001
                                       messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
