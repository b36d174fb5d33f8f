"""Batch summarizer: SDK retries switched off and nothing else retries."""
from anthropic import Anthropic

client = Anthropic(timeout=120.0, max_retries=0)  # expect: LLM002


def summarize_all(docs):
    out = []
    for d in docs:
        r = client.messages.create(model="claude-3-5-haiku-20241022", max_tokens=256,
                                   messages=[{"role": "user", "content": d}])
        out.append(r.content[0].text)
    return out
