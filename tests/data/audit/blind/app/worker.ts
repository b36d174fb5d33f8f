// Background worker: OpenAI with retries off, and a raw Groq call through axios.
import OpenAI from "openai";
import axios from "axios";

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, timeout: 60_000, maxRetries: 0 }); // expect: LLM002

export async function label(text: string): Promise<string> {
  const r = await client.chat.completions.create({
    model: "o3-mini-2025-01-31",
    max_completion_tokens: 2000,
    messages: [{ role: "user", content: text }],
  });
  return r.choices[0].message.content ?? "";
}

export async function fastLabel(text: string): Promise<string> {
  const r = await axios.post("https://api.groq.com/openai/v1/chat/completions", { // expect: LLM001, LLM002, LLM003
    model: "llama-3.1-8b-instant",
    messages: [{ role: "user", content: text }],
  }, { headers: { Authorization: `Bearer ${process.env.GROQ_API_KEY}` } });
  return r.data.choices[0].message.content;
}
