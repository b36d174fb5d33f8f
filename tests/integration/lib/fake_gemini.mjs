// A local Gemini API (generativelanguage v1beta) for the gateway tests, written from the Gemini
// API REST reference: POST /v1beta/models/{model}:generateContent and
// :streamGenerateContent?alt=sse (SSE with CRLF line ends, one GenerateContentResponse per
// event, finishReason and the final usageMetadata in the last), the x-goog-api-key header,
// Google's error body ({"error":{"code","message","status"}}; an invalid key is a 400
// INVALID_ARGUMENT), RESOURCE_EXHAUSTED 429s.
// Answers deterministically: with functionDeclarations and no functionResponse in the last
// turn, a functionCall of the first function with args {"city":"Paris"}; else text
// "Gemini heard: <last user text>", after a thought part when thinkingConfig.includeThoughts.
// usageMetadata: promptTokenCount = words in, cachedContentTokenCount 2 when the system
// instruction says "cache", thoughtsTokenCount 4 with thoughts. Models: *throttled* -> 429;
// *cut* -> the stream stops after two chunks.
import http from 'node:http';

const words = (s) => s.split(/\s+/).filter(Boolean).length;
const textOf = (parts) => parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join(' ');

export function googleError(res, code, status, message) {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code, message, status } }));
}

function validate(b) {
  if (!Array.isArray(b.contents) || b.contents.length === 0) return 'contents is not specified';
  for (const [i, c] of b.contents.entries()) {
    if (!['user', 'model'].includes(c.role)) return `contents[${i}].role: Please use a valid role: user, model.`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `contents[${i}].parts: must not be empty`;
  }
  for (const t of b.tools ?? []) for (const f of t.functionDeclarations ?? []) if (f.parameters && f.parametersJsonSchema) return 'parameters and parametersJsonSchema are mutually exclusive';
  if (b.model !== undefined || b.messages !== undefined) return 'Invalid JSON payload received. Unknown name "messages"';
  return null;
}

// Answers one generateContent / streamGenerateContent request (shared with the Vertex fake,
// whose Gemini models speak the same bodies). `body`: the parsed request.
export async function answerGemini(res, { model, method, alt, body }) {
  const bad = validate(body);
  if (bad) return googleError(res, 400, 'INVALID_ARGUMENT', bad);
  if (model.includes('throttled')) return googleError(res, 429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).');
  const last = body.contents[body.contents.length - 1];
  const fn = body.tools?.[0]?.functionDeclarations?.[0];
  const answered = last.parts.some((p) => p.functionResponse);
  const thoughts = body.generationConfig?.thinkingConfig?.includeThoughts === true;
  const parts = [];
  if (thoughts) parts.push({ text: 'Let me think.', thought: true });
  if (fn && !answered) parts.push({ functionCall: { name: fn.name, args: { city: 'Paris' } } });
  else parts.push({ text: `Gemini heard: ${textOf(last.parts) || 'a function response'}` });
  const usage = {
    promptTokenCount: body.contents.reduce((n, c) => n + words(textOf(c.parts)), 0) + words(textOf(body.systemInstruction?.parts ?? [])),
    candidatesTokenCount: words(textOf(parts.filter((p) => !p.thought))) + (parts.some((p) => p.functionCall) ? 3 : 0),
  };
  if (textOf(body.systemInstruction?.parts ?? []).includes('cache')) usage.cachedContentTokenCount = 2;
  if (thoughts) usage.thoughtsTokenCount = 4;
  usage.totalTokenCount = usage.promptTokenCount + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0);
  const base = { modelVersion: model, responseId: 'resp-fake' };
  if (method === 'generateContent') {
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    return res.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...base }));
  }
  if (alt !== 'sse') return googleError(res, 400, 'INVALID_ARGUMENT', 'this fake streams with alt=sse only');
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  // Text in pieces of two words; calls whole; the last chunk has finishReason and usage.
  const pieces = [];
  for (const p of parts) {
    if (p.text !== undefined) for (const w of p.text.match(/(\S+\s*){1,2}/g)) pieces.push({ ...p, text: w });
    else pieces.push(p);
  }
  for (const [i, p] of pieces.entries()) {
    const lastOne = i === pieces.length - 1;
    const chunk = { candidates: [{ content: { role: 'model', parts: [p] }, index: 0, ...(lastOne ? { finishReason: 'STOP' } : {}) }],
      usageMetadata: lastOne ? usage : { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount }, ...base };
    res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    if (model.includes('cut') && i === 1) { await new Promise((r) => setTimeout(r, 20)); return res.socket.destroy(); }
  }
  res.end();
}

export async function startFakeGemini({ apiKey }) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url, 'http://placeholder');
      const m = url.pathname.match(/^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/);
      const record = { path: req.url, headers: req.headers, model: m?.[1], body: null };
      requests.push(record);
      if (!m) return googleError(res, 404, 'NOT_FOUND', `Method not found: ${url.pathname}`);
      if (!req.headers['x-goog-api-key']) return googleError(res, 403, 'PERMISSION_DENIED', 'Method doesn\'t allow unregistered callers. Please use API Key or other form of API consumer identity to call this API.');
      if (req.headers['x-goog-api-key'] !== apiKey) return googleError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
      record.body = body;
      return answerGemini(res, { model: m[1], method: m[2], alt: url.searchParams.get('alt'), body });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
