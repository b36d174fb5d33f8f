"""A RAG server's LLM factory: with guardrails on, the LangChain client is pointed at the
guardrails server through openai_api_base (ChatOpenAI's legacy alias of base_url), passed in a
dict spread into the constructor. That server is a gateway in front of the model, so "every
call goes straight to OpenAI" would be wrong.
negative: LLM005
"""
import os

from langchain_openai import ChatOpenAI


def get_llm(model: str, guardrails_url: str, timeout: float = 60.0) -> ChatOpenAI:
    openai_kwargs = {
        "model_name": model,
        "openai_api_base": f"{guardrails_url}/v1/guardrail",
        "openai_api_key": os.environ["GUARDRAILS_KEY"],
        "max_tokens": 1024,
        "timeout": timeout,
    }
    if os.environ.get("LLM_TEMPERATURE"):
        openai_kwargs["temperature"] = float(os.environ["LLM_TEMPERATURE"])
    return ChatOpenAI(**openai_kwargs)


def answer(question: str) -> str:
    llm = get_llm("meta/llama-3.1-8b-instruct", os.environ["GUARDRAILS_URL"])
    return llm.invoke(question).content
