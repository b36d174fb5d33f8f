"""Settings of an OpenAI-compatible backend. The key-shaped values in the schema's examples,
description and help text document the setting; only the default is a key the code would send.
negative: LLM006
"""
import argparse

from pydantic import BaseModel, Field, SecretStr


class BackendSettings(BaseModel):
    api_key: SecretStr | None = Field(
        default=None,
        description="Bearer token for the server, e.g. sk-proj-Q8wX3mZ7pL2vN9rT4kB6yH1cF5dJ0sA7",
        examples=["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"],
    )
    fallback_key: str = Field(
        default="sk-proj-Z4nR8tY2uI6oP0aS3dF7gH1jK5lQ9wE2rT6yU0iO",  # expect: LLM006
        json_schema_extra={"example": "sk-proj-M3nB7vC1xZ5aS9dF2gH6jK0lQ4wE8rT1yU5iO9p"},
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--api-key", help="key such as sk-proj-J2kL6mN0bV4cX8zA1sD5fG9hQ3wE7rT0")
    return p
