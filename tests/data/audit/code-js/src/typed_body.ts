// Request bodies built first and passed with a TypeScript assertion (`body as T`): the
// assertion is the variable, so its keys are read.
// negative: LLM003
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";

const openai = new OpenAI({ timeout: 30_000 });

export async function summarize(text: string) {
  const body = {
    model: "gpt-4o-2024-08-06",
    max_tokens: 300,
    messages: [{ role: "user" as const, content: text }],
  };
  const res = await openai.chat.completions.create(body as ChatCompletionCreateParamsNonStreaming);
  return res.choices[0].message.content;
}

export async function rewrite(text: string) {
  const request = {
    model: "gpt-4o-2024-08-06",
    messages: [{ role: "user" as const, content: text }],
  };
  const res = await openai.chat.completions.create( // expect: LLM003
    request as ChatCompletionCreateParamsNonStreaming,
  );
  return res.choices[0].message.content;
}
