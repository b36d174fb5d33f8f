"""Query rewriting: every call in this project goes straight to OpenAI."""
from openai import OpenAI

client = OpenAI(timeout=30.0)


def rewrite(q: str) -> str:
    r = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", max_tokens=100,  # expect: LLM005
                                       messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
