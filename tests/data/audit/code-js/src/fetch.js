// Raw fetch to the Messages API. Regex literals with quotes must not confuse the scanner.
// negative: LLM001
const QUOTES = /['"`]/g;
const clean = (s) => s.replace(QUOTES, "").replace(/\/\*.*?\*\//g, "");

export async function ask(prompt) {
  const res = await fetch("https://api.anthropic.com/v1/messages", { // expect: LLM001, LLM002, LLM003
    method: "POST",
    headers: { "x-api-key": process.env.ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-3-5-haiku-20241022", messages: [{ role: "user", content: clean(prompt) }] }),
  });
  return (await res.json()).content[0].text;
}

export async function askWithDeadline(prompt) {
  const res = await fetch("https://api.anthropic.com/v1/messages", { // expect: LLM002
    method: "POST",
    signal: AbortSignal.timeout(30000),
    headers: { "x-api-key": process.env.ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-3-5-haiku-20241022", max_tokens: 300, messages: [{ role: "user", content: prompt }] }),
  });
  return (await res.json()).content[0].text;
}
