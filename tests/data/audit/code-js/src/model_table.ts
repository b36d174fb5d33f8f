// A table of model names with their prices, next to a request that names a model (round 9). The
// table's entries are data keys the file never sends; the request body is sent.
// negative: LLM004
import OpenAI from "openai";

const openai = new OpenAI({ timeout: 30_000 });

export const PRICE_TABLE = {
  legacy: { model: "gpt-4-0613", usdPerMtokIn: 30, usdPerMtokOut: 60 },
  current: { model: "gpt-4o-2024-08-06", usdPerMtokIn: 2.5, usdPerMtokOut: 10 },
};

export async function draft(text: string) {
  const body = {
    model: "gpt-4-0125-preview", // expect: LLM004
    max_tokens: 300,
    messages: [{ role: "user" as const, content: text }],
  };
  return openai.chat.completions.create(body);
}
