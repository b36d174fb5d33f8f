# A teaching fragment (round 18): the request's content is a placeholder token, so the file does
# not run as written and the code rules do not judge its calls.
# negative: LLM001, LLM003
import os
from openai import OpenAI

client = OpenAI(
    api_key=os.getenv("OPENAI_API_KEY")
)

chat_completion = client.chat.completions.create(
    model="gpt-4",
    messages="<messages>"
)

response = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "<your question>"}],
)
