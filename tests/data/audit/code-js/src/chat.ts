// Chat endpoints on the OpenAI SDK.
// negative: LLM001, LLM003
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const openai = new OpenAI();
const patient = new OpenAI({ timeout: 30 * 1000 });
const claude = new Anthropic({ maxRetries: 0, timeout: 45_000 }); // expect: LLM002

export async function reply(text: string) {
  const res = await openai.chat.completions.create({ // expect: LLM001
    model: "gpt-4o-2024-08-06",
    max_tokens: 400,
    messages: [{ role: "user", content: text }],
  });
  return res.choices[0].message.content;
}

export async function replyWithDeadline(text: string) {
  const res = await openai.chat.completions.create(
    { model: "gpt-4o-2024-08-06", max_tokens: 400, messages: [{ role: "user", content: text }] },
    { timeout: 20_000 },
  );
  return res.choices[0].message.content;
}

export async function tag(text: string) {
  const res = await patient.chat.completions.create({ // expect: LLM003
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: text }],
  });
  return res.choices[0].message.content;
}

export async function spread(text: string, opts: Record<string, unknown>) {
  return patient.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: text }], ...opts });
}

export async function legal(text: string) {
  const res = await claude.messages.create({
    model: "claude-3-5-sonnet-latest", // expect: LLM004
    max_tokens: 800,
    messages: [{ role: "user", content: text }],
  });
  return res.content;
}
