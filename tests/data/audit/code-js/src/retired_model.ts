// A dated snapshot the provider has shut down (OpenAI: gpt-4-1106-preview on 2026-03-26): pinned,
// but pinned to a model whose calls now fail. A current dated snapshot is not flagged.
// negative: LLM004
import OpenAI from "openai";

const openai = new OpenAI({ timeout: 30_000 });

export async function summarise(text: string) {
  return openai.chat.completions.create({
    model: "gpt-4-1106-preview", // expect: LLM004
    max_tokens: 200,
    messages: [{ role: "user", content: text }],
  });
}

export async function classify(text: string) {
  return openai.chat.completions.create({
    model: "gpt-4o-2024-08-06",
    max_tokens: 20,
    messages: [{ role: "user", content: text }],
  });
}
