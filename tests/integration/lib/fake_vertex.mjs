// A local Vertex AI endpoint for the gateway tests, written from the Vertex AI REST reference
// (projects.locations.publishers.models.generateContent / streamGenerateContent) and
// Anthropic's "Claude on Vertex AI" page (rawPredict / streamRawPredict):
//   POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
//        ... :streamGenerateContent?alt=sse            (Gemini bodies: lib/fake_gemini.mjs)
//   POST /v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict
//        ... :streamRawPredict                          (Anthropic Messages bodies, with
//        anthropic_version "vertex-2023-10-16" in the body and no model field)
// Every call needs `Authorization: Bearer <token>` with a token the fake OAuth endpoint issued
// and that has not expired (`valid`), else Google's 401 UNAUTHENTICATED. Errors in Google's
// shape ({"error":{"code","message","status"}}). Models: *throttled* -> 429
// RESOURCE_EXHAUSTED; *cut* -> the stream stops after two events.
// Claude answers deterministically: a tool_use of the first tool {"city":"Paris"} when tools are
// given and the last turn is not a tool_result, else "Claude heard: <last user text>", after a
// thinking block when thinking is enabled; usage: input_tokens = words in (less 2 read from
// cache when the system prompt says "cache"), output_tokens = words out (+4 with thinking).
import http from 'node:http';
import { answerGemini, googleError } from './fake_gemini.mjs';

const words = (s) => s.split(/\s+/).filter(Boolean).length;
const textOf = (content) => (typeof content === 'string' ? content : (content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join(' '));

function sse(res, type, data) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

async function answerClaude(res, { model, stream, body }) {
  if (body.anthropic_version !== 'vertex-2023-10-16') return googleError(res, 400, 'INVALID_ARGUMENT', `anthropic_version: expected vertex-2023-10-16, found ${body.anthropic_version}`);
  if (body.model !== undefined) return googleError(res, 400, 'INVALID_ARGUMENT', 'model: Extra inputs are not permitted');
  if (!Array.isArray(body.messages) || !body.max_tokens) return googleError(res, 400, 'INVALID_ARGUMENT', 'messages and max_tokens are required');
  if (model.includes('throttled')) return googleError(res, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: anthropic-claude.');
  const last = body.messages[body.messages.length - 1];
  const answeredTool = Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result');
  const system = typeof body.system === 'string' ? body.system : textOf(body.system);
  const thinking = body.thinking?.type === 'enabled';
  const blocks = [];
  if (thinking) blocks.push({ type: 'thinking', thinking: 'Let me think.', signature: 'sig-fake' });
  const tool = body.tools?.[0];
  if (tool && !answeredTool) blocks.push({ type: 'tool_use', id: 'toolu_vrtx_01', name: tool.name, input: { city: 'Paris' } });
  else blocks.push({ type: 'text', text: `Claude heard: ${textOf(last.content) || 'a tool result'}` });
  const inWords = body.messages.reduce((n, m) => n + words(textOf(m.content)), 0) + words(system);
  const cached = system.includes('cache') ? 2 : 0;
  const usage = {
    input_tokens: inWords - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached,
    output_tokens: words(blocks.filter((b) => b.type === 'text').map((b) => b.text).join(' ')) + (thinking ? 4 : 0) + (blocks.some((b) => b.type === 'tool_use') ? 3 : 0),
  };
  const stopReason = blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const message = { id: 'msg_vrtx_01', type: 'message', role: 'assistant', model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(message));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
  sse(res, 'message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  let events = 1;
  for (const [index, b] of blocks.entries()) {
    if (b.type === 'text') {
      sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of b.text.match(/(\S+\s*){1,2}/g)) {
        sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
        if (model.includes('cut') && ++events === 3) { await new Promise((r) => setTimeout(r, 20)); return res.socket.destroy(); }
      }
    } else if (b.type === 'thinking') {
      sse(res, 'content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      sse(res, 'content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } });
      sse(res, 'content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } });
    } else {
      sse(res, 'content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
      sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
    }
    sse(res, 'content_block_stop', { index });
  }
  sse(res, 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  sse(res, 'message_stop', {});
  res.end();
}

// `valid(token)`: whether a bearer token is good now (the fake OAuth endpoint's).
export async function startFakeVertex({ valid }) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url, 'http://placeholder');
      const m = url.pathname.match(/^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict)$/);
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const record = { path: req.url, headers: req.headers, token, project: m?.[1], location: m?.[2], publisher: m?.[3], model: m && decodeURIComponent(m[4]), method: m?.[5], body: null };
      requests.push(record);
      if (!m) return googleError(res, 404, 'NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
      if (!token || !valid(token)) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return googleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
      record.body = body;
      const publisherMethods = { google: ['generateContent', 'streamGenerateContent'], anthropic: ['rawPredict', 'streamRawPredict'] };
      if (!publisherMethods[record.publisher].includes(record.method)) return googleError(res, 400, 'FAILED_PRECONDITION', `${record.method} is not supported for ${record.publisher} models`);
      if (record.publisher === 'google') return answerGemini(res, { model: record.model, method: record.method, alt: url.searchParams.get('alt'), body });
      return answerClaude(res, { model: record.model, stream: record.method === 'streamRawPredict', body });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
