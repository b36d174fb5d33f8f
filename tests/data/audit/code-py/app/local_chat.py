"""`mytool chat`: starts a model server on this machine and chats with it at the terminal.
The REPL's user watches every call against a server the same command started (an f-string URL
whose host is literal), so a missing timeout is not a finding; the cap is set.
negative: LLM001, LLM008
"""
import subprocess

import openai


def chat(model: str, port: int = 3000) -> None:
    server = subprocess.Popen(["vllm", "serve", model, "--port", str(port)])
    client = openai.OpenAI(base_url=f"http://localhost:{port}/v1", api_key="local")
    messages = []
    try:
        while True:
            line = input("user: ")
            messages.append({"role": "user", "content": line})
            r = client.chat.completions.create(model=model, messages=messages, max_tokens=1024)
            print(r.choices[0].message.content)
            messages.append({"role": "assistant", "content": r.choices[0].message.content})
    except KeyboardInterrupt:
        server.terminate()
