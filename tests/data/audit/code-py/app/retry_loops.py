"""Retry loops around one completion: the first returns as soon as the call succeeds and goes
round again only when it raises; the second stops once its doubling delay passes a ceiling.
Neither is an agent loop, whatever the model answers.
negative: LLM008
"""
import time

from openai import APIError, OpenAI

client = OpenAI(timeout=30, max_retries=0)
RETRY_TIMEOUT = 60


def ask_until_it_answers(messages):
    while True:
        try:
            r = client.chat.completions.create(
                model="gpt-4o-2024-08-06", messages=messages, max_tokens=256
            )
            return r.choices[0].message.content
        except APIError:
            time.sleep(2)
            continue


def ask_with_backoff(messages, retryable):
    retry_delay = 0.125
    while True:
        r = client.chat.completions.create(
            model="gpt-4o-2024-08-06", messages=messages, max_tokens=256
        )
        if r.choices:
            return r.choices[0].message.content
        should_retry = retryable(r)
        if should_retry:
            retry_delay *= 2
            if retry_delay > RETRY_TIMEOUT:
                should_retry = False
        if not should_retry:
            return None
        time.sleep(retry_delay)
