// negative: LLM001, LLM003
// A class that is handed its client and its request by the caller (dependency injection): this
// file builds neither, so neither is judged here. A request this file writes as an object
// literal, on a client it constructs, is judged (the last function).
import OpenAI from "openai";

export class Summarizer {
  constructor(
    private client: OpenAI,
    private params: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
  ) {}

  async run() {
    return this.client.chat.completions.create(this.params);
  }
}

function buildRequest(text: string): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return { model: "gpt-4o-mini", messages: [{ role: "user", content: text }], max_tokens: 512 };
}

const local = new OpenAI({ baseURL: "http://llm-gateway.internal:4000/v1", timeout: 30_000 });

export async function built(text: string) {
  const request = buildRequest(text);
  return local.chat.completions.create(request);
}

export async function literal(text: string) {
  const request = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: text }] };
  return local.chat.completions.create(request); // expect: LLM003
}
