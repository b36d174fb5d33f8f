"""LiteLLM calls: module-level timeout is not set, so the per-call one matters.
negative: LLM001
"""
import litellm


def fast_answer(q: str) -> str:
    r = litellm.completion(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": q}],  # expect: LLM001, LLM003
                           num_retries=2)
    return r.choices[0].message.content


def careful_answer(q: str) -> str:
    r = litellm.completion(model="anthropic/claude-sonnet-4-5-20250929", timeout=45, max_tokens=800,
                           messages=[{"role": "user", "content": q}], num_retries=3)
    return r.choices[0].message.content
