"""Same calls, but through the team's gateway (base_url), which owns fallbacks.
negative: LLM005"""
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["LLM_GATEWAY_URL"], timeout=30.0)


def rewrite(q: str) -> str:
    r = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", max_tokens=100,
                                       messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
