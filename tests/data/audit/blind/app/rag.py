"""Retrieval-augmented answers, streamed."""
import os

from openai import AsyncOpenAI

client = AsyncOpenAI(api_key=os.environ["OPENAI_API_KEY"], max_retries=5)


async def answer(question: str, context: str):
    stream = await client.chat.completions.create(  # expect: LLM001, LLM003
        model="gpt-4o-2024-11-20",
        stream=True,
        messages=[
            {"role": "system", "content": "Answer from the context only."},
            {"role": "user", "content": f"{context}\n\nQ: {question}"},
        ],
    )
    async for chunk in stream:
        yield chunk.choices[0].delta.content or ""
