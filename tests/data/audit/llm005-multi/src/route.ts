// Two providers with an application-level fallback.
// negative: LLM005
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const openai = new OpenAI({ timeout: 30_000 });
const anthropic = new Anthropic({ timeout: 30_000 });

export async function answer(q: string): Promise<string> {
  try {
    const r = await openai.chat.completions.create({ model: "gpt-4o-2024-08-06", max_tokens: 300, messages: [{ role: "user", content: q }] });
    return r.choices[0].message.content ?? "";
  } catch {
    const r = await anthropic.messages.create({ model: "claude-sonnet-4-5-20250929", max_tokens: 300, messages: [{ role: "user", content: q }] });
    return JSON.stringify(r.content);
  }
}
