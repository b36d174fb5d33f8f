// A local Azure OpenAI data-plane endpoint for the gateway tests, written from Azure's REST
// reference ("Azure OpenAI REST API reference", data plane inference): POST
// /openai/deployments/{deployment-id}/chat/completions?api-version=..., the api-key header or an
// Entra ID bearer token,
// Azure's error bodies ({"error":{"code","message",...}}), the content-filter refusal (400,
// code content_filter, innererror ResponsibleAIPolicyViolation), throttling (429 with
// retry-after and retry-after-ms), the x-ratelimit-remaining-* headers, and the fields Azure
// adds to OpenAI's answers (prompt_filter_results, content_filter_results; a first stream chunk
// with no choices).
// Deployments: `gpt-4o-prod` answers; `filtered` refuses with content_filter; `throttled`
// answers 429; `cut` stops its stream after two chunks. The prompt "forbidden" is refused by
// every deployment's content filter. Requests are recorded in `requests`.
import http from 'node:http';
import crypto from 'node:crypto';

const filterOk = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } };

function azureError(res, status, code, message, extra = {}, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'apim-request-id': crypto.randomUUID(), ...headers });
  res.end(JSON.stringify({ error: { code, message, ...extra } }));
}

// `acceptBearer(token)`: whether an Entra ID bearer token is good (lib/fake_oauth.mjs's `valid`);
// without it only api-key authenticates.
export async function startFakeAzure({ apiKey, apiVersion = '2024-10-21', acceptBearer = () => false }) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url, 'http://placeholder');
      const m = url.pathname.match(/^\/openai\/deployments\/([^/]+)\/chat\/completions$/);
      const record = { path: req.url, headers: req.headers, deployment: m?.[1], body: null };
      requests.push(record);
      if (url.searchParams.get('api-version') !== apiVersion || !m) return azureError(res, 404, '404', 'Resource not found');
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (bearer && req.headers['api-key']) return azureError(res, 400, 'BadRequest', 'give api-key or Authorization, not both');
      if (bearer && !acceptBearer(bearer)) return azureError(res, 401, 'PermissionDenied', 'Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.');
      if (!bearer && req.headers['api-key'] !== apiKey) return azureError(res, 401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      record.body = body;
      const deployment = m[1];
      const rl = { 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-remaining-tokens': '9000' };
      if (deployment === 'throttled') {
        return azureError(res, 429, '429', `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version ${apiVersion} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds.`, {}, { 'retry-after': '2', 'retry-after-ms': '1500', ...rl, 'x-ratelimit-remaining-requests': '0' });
      }
      const prompt = body.messages.map((x) => (typeof x.content === 'string' ? x.content : '')).join(' ');
      if (deployment === 'filtered' || prompt.includes('forbidden')) {
        return azureError(res, 400, 'content_filter', "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.", {
          param: 'prompt', status: 400,
          innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { ...filterOk, violence: { filtered: true, severity: 'high' } } },
        });
      }
      const text = `Azure heard: ${prompt}`;
      const usage = { prompt_tokens: prompt.split(/\s+/).filter(Boolean).length, completion_tokens: text.split(/\s+/).length };
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
      usage.prompt_tokens_details = { cached_tokens: 0 };
      const base = { id: `chatcmpl-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000), model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_azure' };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json', ...rl });
        return res.end(JSON.stringify({
          ...base, object: 'chat.completion',
          prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterOk }],
          choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content: text }, content_filter_results: filterOk }],
          usage,
        }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', ...rl });
      const send = (o) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      // Azure's first chunk: no choices, the prompt's filter results.
      send({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterOk }] });
      const words = text.split(/(?<= )/);
      for (const [i, w] of words.entries()) {
        send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: w } : { content: w }, finish_reason: null, logprobs: null, content_filter_results: filterOk }] });
        if (deployment === 'cut' && i === 1) { await new Promise((r) => setTimeout(r, 20)); return res.socket.destroy(); }
      }
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null, content_filter_results: {} }] });
      if (body.stream_options?.include_usage) send({ ...base, object: 'chat.completion.chunk', choices: [], usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
