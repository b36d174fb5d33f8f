# negative: LLM001
# A smoke test of the local vLLM server: module-level statements, no __main__ guard. A person
# runs it and watches the answer come back from localhost; a stall is in plain sight.
from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")
resp = client.chat.completions.create(
    model="Qwen/Qwen2.5-1.5B-Instruct",
    messages=[{"role": "user", "content": "Hello!"}],
    max_tokens=64,
)
print(resp.choices[0].message.content)
