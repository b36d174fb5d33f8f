# A real handler whose prompt holds HTML and an f-string: angle brackets in text are no
# placeholder, so the call is judged.
from fastapi import FastAPI
from openai import OpenAI

app = FastAPI()
client = OpenAI()


@app.post("/render")
def render(name: str):
    reply = client.chat.completions.create(  # expect: LLM001, LLM003
        model="gpt-4o-mini-2024-07-18",
        messages=[
            {"role": "system", "content": "<p>Answer in one HTML paragraph.</p>"},
            {"role": "user", "content": f"<b>{name}</b>"},
        ],
    )
    return {"html": reply.choices[0].message.content}
