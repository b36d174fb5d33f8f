# The same shape against a provider's host: no watched local server, so LLM001 still judges it.
from openai import OpenAI

client = OpenAI()
resp = client.chat.completions.create(  # expect: LLM001
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Hello!"}],
    max_tokens=64,
)
print(resp.choices[0].message.content)
