// A local Amazon Bedrock runtime for the gateway tests, written from the public Bedrock runtime
// API reference (Converse, ConverseStream, the ConverseStreamOutput events, the error types)
// and checked with AWS's own JavaScript packages rather than llmctl's code:
//   - every request's SigV4 signature is recomputed with @smithy/signature-v4 (the AWS SDK's
//     signer) from the headers the request names in SignedHeaders, and must match; the
//     payload hash, the session token, the region, the service and the clock skew are checked;
//   - stream events are encoded with @smithy/eventstream-codec (the AWS SDK's codec).
// It answers Converse requests deterministically from the request:
//   - tools and no toolResult in the last message -> a toolUse of the first tool, input
//     {"city":"Paris"}; otherwise text "Bedrock heard: <last user text>";
//   - usage: inputTokens = words of the request's text, outputTokens = words answered,
//     cacheReadInputTokens 3 and cacheWriteInputTokens 2 when the request has a cachePoint.
// Model ids pick failures: *throttled* -> 429 ThrottlingException; *cut* -> the stream stops
// (socket destroyed) after two text deltas; *stream-throttled* -> a throttlingException event
// after the first delta. Every request is recorded in `requests` for the tests to inspect.
import http from 'node:http';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.LLMCTL_SOURCE_DIR, 'package.json'));
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');
const { EventStreamCodec } = require('@smithy/eventstream-codec');
const { toUtf8, fromUtf8 } = require('@smithy/util-utf8');

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function awsError(res, status, type, message) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(JSON.stringify({ message }));
}

// Recomputes the signature with the AWS SDK's signer; returns an error message or null.
async function checkSignature(req, body, { credentials, region }) {
  const auth = req.headers.authorization ?? '';
  const m = auth.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/);
  if (!m) return ['IncompleteSignatureException', `Authorization header malformed: ${auth}`];
  const [, akid, date, reg, service, signedHeaders, signature] = m;
  const secret = credentials[akid];
  if (!secret) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  if (reg !== region || service !== 'bedrock') return ['InvalidSignatureException', `Credential should be scoped to a valid region (${region}) and service bedrock`];
  const amzDate = req.headers['x-amz-date'] ?? '';
  const when = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Number.isNaN(when.getTime()) || amzDate.slice(0, 8) !== date) return ['InvalidSignatureException', 'x-amz-date is missing or does not match the credential scope'];
  if (Math.abs(Date.now() - when.getTime()) > 5 * 60 * 1000) return ['InvalidSignatureException', 'Signature expired'];
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date']) if (!names.includes(required)) return ['InvalidSignatureException', `${required} must be signed`];
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  if (req.headers['x-amz-content-sha256'] && req.headers['x-amz-content-sha256'] !== sha) return ['InvalidSignatureException', 'x-amz-content-sha256 does not match the body'];
  const token = credentials[`${akid}:token`];
  if (token && req.headers['x-amz-security-token'] !== token) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const headers = {};
  for (const n of names) headers[n] = req.headers[n] ?? '';
  const url = new URL(req.url, 'http://placeholder');
  const signer = new SignatureV4({
    service: 'bedrock', region, sha256: Sha256, applyChecksum: false, uriEscapePath: true,
    credentials: { accessKeyId: akid, secretAccessKey: secret, sessionToken: token },
  });
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = await signer.sign({
    method: req.method, protocol: 'http:', hostname: headers.host, path: url.pathname, query, headers, body,
  }, { signingDate: when });
  const expected = signed.headers.authorization.match(/Signature=([0-9a-f]{64})/)[1];
  if (expected !== signature) return ['InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.'];
  return null;
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;
const textOf = (content) => content.filter((b) => typeof b.text === 'string').map((b) => b.text).join(' ');

// Checks the Converse request as the API reference describes it; returns a message or null.
function validate(body) {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: must be a non-empty list';
  if (body.messages[0].role !== 'user') return 'A conversation must start with a user message.';
  for (const [i, m] of body.messages.entries()) {
    if (i > 0 && m.role === body.messages[i - 1].role) return 'A conversation must alternate between user and assistant roles.';
    if (!Array.isArray(m.content) || m.content.length === 0) return `messages.${i}.content: must not be empty`;
    for (const b of m.content) {
      const keys = Object.keys(b);
      if (keys.length !== 1 || !['text', 'image', 'toolUse', 'toolResult', 'reasoningContent', 'cachePoint', 'document'].includes(keys[0])) return `messages.${i}: unknown content block ${JSON.stringify(b)}`;
      if (b.image && (!['png', 'jpeg', 'gif', 'webp'].includes(b.image.format) || typeof b.image.source?.bytes !== 'string')) return 'image: format and source.bytes are required';
    }
  }
  if (body.toolConfig && !(body.toolConfig.tools?.length > 0)) return 'toolConfig.tools: must not be empty';
  if (body.model !== undefined) return 'model: the model id goes in the path, not the body';
  return null;
}

function answer(body) {
  const last = body.messages[body.messages.length - 1];
  const hasResult = last.content.some((b) => b.toolResult);
  const inputWords = body.messages.reduce((n, m) => n + words(textOf(m.content)), 0) + words(textOf(body.system ?? []));
  const cached = JSON.stringify(body).includes('"cachePoint"');
  const usage = { inputTokens: inputWords, outputTokens: 0, totalTokens: 0 };
  if (cached) Object.assign(usage, { cacheReadInputTokens: 3, cacheWriteInputTokens: 2 });
  let content;
  let stopReason;
  const tool = body.toolConfig?.tools?.[0]?.toolSpec;
  if (tool && !hasResult) {
    content = [{ toolUse: { toolUseId: 'tooluse_fake1', name: tool.name, input: { city: 'Paris' } } }];
    stopReason = 'tool_use';
    usage.outputTokens = 5;
  } else {
    const text = `Bedrock heard: ${textOf(last.content) || 'a tool result'}`;
    content = [{ text }];
    stopReason = 'end_turn';
    usage.outputTokens = words(text);
  }
  usage.totalTokens = usage.inputTokens + usage.outputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  return { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 12 } };
}

const frame = (type, payload) => Buffer.from(codec.encode({
  headers: {
    ':event-type': { type: 'string', value: type },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' },
  },
  // Bedrock pads each event with a "p" field of variable length.
  body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghij'.slice(0, 1 + (JSON.stringify(payload).length % 10)) })),
}));
const exceptionFrame = (type, message) => Buffer.from(codec.encode({
  headers: {
    ':exception-type': { type: 'string', value: type },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'exception' },
  },
  body: fromUtf8(JSON.stringify({ message })),
}));

// The ConverseStream events of an answer: text in pieces of 3 words, tool input in 2 halves.
function* events(a) {
  yield frame('messageStart', { role: 'assistant' });
  for (const [index, block] of a.output.message.content.entries()) {
    if (block.text !== undefined) {
      const parts = block.text.match(/(\S+\s*){1,3}/g) ?? [''];
      for (const text of parts) yield frame('contentBlockDelta', { contentBlockIndex: index, delta: { text } });
    } else if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      yield frame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId, name } } });
      const json = JSON.stringify(input);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) yield frame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: part } } });
    }
    yield frame('contentBlockStop', { contentBlockIndex: index });
  }
  yield frame('messageStop', { stopReason: a.stopReason });
  yield frame('metadata', { usage: a.usage, metrics: a.metrics });
}

export async function startFakeBedrock({ credentials, region = 'us-east-1' }) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const m = req.url.match(/^\/model\/([^/?]+)\/(converse|converse-stream)$/);
      const record = { path: req.url, headers: req.headers, modelId: m ? decodeURIComponent(m[1]) : null, body: null };
      requests.push(record);
      if (req.method !== 'POST' || !m) return awsError(res, 404, 'UnknownOperationException', `No operation for ${req.method} ${req.url}`);
      const bad = await checkSignature(req, raw, { credentials, region });
      if (bad) { record.rejected = bad[0]; return awsError(res, 403, bad[0], bad[1]); }
      let body;
      try { body = JSON.parse(raw); } catch { return awsError(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.'); }
      record.body = body;
      const invalid = validate(body);
      if (invalid) return awsError(res, 400, 'ValidationException', invalid);
      const modelId = record.modelId;
      if (modelId.includes('throttled') && !modelId.includes('stream-throttled')) return awsError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
      const a = answer(body);
      if (m[2] === 'converse') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': crypto.randomUUID() });
        return res.end(JSON.stringify(a));
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() });
      let n = 0;
      for (const f of events(a)) {
        // Frames split across writes, as TCP may deliver them.
        res.write(f.subarray(0, 7));
        res.write(f.subarray(7));
        n++;
        if (modelId.includes('cut') && n === 3) { await new Promise((r) => setTimeout(r, 20)); return res.socket.destroy(); }
        if (modelId.includes('stream-throttled') && n === 2) {
          res.write(exceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.'));
          return res.end();
        }
      }
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
