"""Our own retry policy wraps the calls, so the SDK's is off on purpose.
negative: LLM002
"""
import backoff
import openai
from openai import OpenAI

client = OpenAI(timeout=30.0, max_retries=0)


@backoff.on_exception(backoff.expo, (openai.RateLimitError, openai.APIConnectionError), max_tries=5)
def ask(q: str) -> str:
    r = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", max_tokens=200,
                                       messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
