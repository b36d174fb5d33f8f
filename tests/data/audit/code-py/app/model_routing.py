"""A router that picks a strong or a weak model per prompt (round 9). The strong and weak model
names of the scoring classes are ids looked up in recorded battle data and in a trained
checkpoint's model list: no request names them, so a retired name there is not a call that
fails. A name the file hands to a call's model field is one, parameter default or not.
negative: LLM004
"""
from openai import OpenAI

client = OpenAI(timeout=30.0)


class EloScorer:
    def __init__(
        self,
        battles,
        # The model pair for scoring; it may differ from the pair the controller routes to.
        strong_model="gpt-4-1106-preview",
        weak_model="mixtral-8x7b-instruct-v0.1",
    ):
        self.strong_model = strong_model
        self.weak_model = weak_model
        self.ratings = {m: battles.rating(m) for m in (strong_model, weak_model)}

    def strong_win_rate(self, prompt):
        return self.ratings[self.strong_model] / (1 + self.ratings[self.weak_model])


SCORER_ARGS = dict(strong_model="gpt-4-0314")


class Controller:
    def __init__(self, strong="gpt-4o-2024-08-06", scorer=None):
        self.strong = strong
        self.scorer = scorer

    def answer(self, prompt, fallback_model="gpt-4-0613"):  # expect: LLM004
        model = self.strong if self.scorer.strong_win_rate(prompt) > 0.5 else fallback_model
        r = client.chat.completions.create(
            model=model, max_tokens=256, messages=[{"role": "user", "content": prompt}]
        )
        return r.choices[0].message.content


def summarize(text, summary_model="gpt-4-0125-preview"):  # expect: LLM004
    r = client.chat.completions.create(
        model=summary_model, max_tokens=256, messages=[{"role": "user", "content": text}]
    )
    return r.choices[0].message.content
