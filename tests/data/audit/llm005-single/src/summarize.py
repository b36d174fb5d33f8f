from openai import AsyncOpenAI

client = AsyncOpenAI(timeout=60.0)


async def summarize(text: str) -> str:
    r = await client.chat.completions.create(model="gpt-4o-2024-08-06", max_tokens=300,
                                             messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content
