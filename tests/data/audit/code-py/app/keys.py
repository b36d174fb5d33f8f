"""Configuration. Keys belong in the environment; two leaked in here.
negative: LLM006
"""
import os

from openai import OpenAI

OPENAI_KEY = "sk-proj-T3BlbkFJ9xQ2mZ7vR4nW8kL1pY6cH0dS5gA2fE9jU3iO7tB4"  # expect: LLM006
GEMINI_KEY = "AIzaSyD4rT6yU8iO0pA2sD4fG6hJ8kL0zX2cV4b"  # expect: LLM006
EXAMPLE_KEY = "sk-your-openai-key-here"
PLACEHOLDER = "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
HF_HELPER = "hf_hub_download_with_retries_and_local_cache"

client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", ""), timeout=30)
