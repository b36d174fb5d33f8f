"""A LangChain factory whose endpoint is added to the kwargs with .update() just before the
spread (round 13's held-out Langchain-Chatchat): every call goes to the configured platform.
negative: LLM005"""
from langchain_openai import ChatOpenAI


def get_chat(model_name: str, platform: dict, **kwargs):
    params = dict(model_name=model_name, max_tokens=1024, timeout=60, **kwargs)
    params.update(
        openai_api_base=platform["api_base_url"],
        openai_api_key=platform["api_key"],
    )
    return ChatOpenAI(**params)
