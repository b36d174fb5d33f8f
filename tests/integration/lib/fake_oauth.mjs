// A local OAuth 2.0 token endpoint for the platform tests, two grants on one server:
// - Google's (OAuth 2.0 for Server to Server Applications): POST /token, form body
//   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>. The assertion is
//   VERIFIED with jose (an independent JWT library): RS256 signature against the registered
//   service account's public key, iss = its client_email, aud = this endpoint's URL, a scope
//   that includes cloud-platform, iat/exp present and at most an hour apart. Errors as Google
//   answers them: 400 {"error":"invalid_grant","error_description":...}.
// - Microsoft Entra ID's client credentials: POST /{tenant}/oauth2/v2.0/token with
//   grant_type=client_credentials, client_id, client_secret, scope (AADSTS errors otherwise).
// Tokens it issues are valid for the account's expires_in; `valid(token)` says whether one is
// still good (the fake platforms call it). `requests` records every token request.
import http from 'node:http';
import * as jose from 'jose';

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export async function startFakeOAuth() {
  const accounts = new Map();  // client_email -> { publicKey, expiresIn }
  const apps = new Map();  // `${tenant}/${clientId}` -> { secret, scope, expiresIn }
  const tokens = new Map();  // token -> { expiresAtMs, subject }
  const requests = [];
  let n = 0;
  const issue = (res, subject, expiresIn) => {
    const token = `tok-${++n}-${subject.replace(/[^a-z0-9]/gi, '')}`;
    tokens.set(token, { expiresAtMs: Date.now() + expiresIn * 1000, subject });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }));
  };
  const oauthError = (res, status, error, description) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error, error_description: description }));
  };
  let url;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const path = new URL(req.url, 'http://placeholder').pathname;
      const record = { path, headers: req.headers, form: Object.fromEntries(form), at: Date.now() };
      requests.push(record);
      if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
        return oauthError(res, 400, 'invalid_request', 'POST an application/x-www-form-urlencoded body');
      if (path === '/token') {
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return oauthError(res, 400, 'unsupported_grant_type', 'Invalid grant_type');
        const assertion = form.get('assertion') ?? '';
        let claims;
        try {
          const unverified = jose.decodeJwt(assertion);
          record.subject = unverified.iss;
          const account = accounts.get(unverified.iss);
          if (!account) return oauthError(res, 400, 'invalid_grant', 'Invalid grant: account not found');
          ({ payload: claims } = await jose.jwtVerify(assertion, account.publicKey, {
            algorithms: ['RS256'], issuer: unverified.iss, audience: `${url}/token`, requiredClaims: ['iat', 'exp', 'scope'],
          }));
          if (claims.exp - claims.iat > 3600) return oauthError(res, 400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes)');
          if (!String(claims.scope).split(' ').includes(CLOUD_PLATFORM)) return oauthError(res, 400, 'invalid_scope', 'Invalid OAuth scope');
          record.claims = claims;
          return issue(res, claims.iss, account.expiresIn);
        } catch (e) {
          return oauthError(res, 400, 'invalid_grant', e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'Invalid JWT Signature.' : `Invalid JWT: ${e.message}`);
        }
      }
      const m = path.match(/^\/([^/]+)\/oauth2\/v2\.0\/token$/);
      if (m) {
        if (form.get('grant_type') !== 'client_credentials') return oauthError(res, 400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
        record.subject = `${m[1]}/${form.get('client_id')}`;
        const app = apps.get(record.subject);
        if (!app) return oauthError(res, 400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${m[1]}'.`);
        if (form.get('client_secret') !== app.secret) return oauthError(res, 401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
        if (form.get('scope') !== app.scope) return oauthError(res, 400, 'invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid.`);
        return issue(res, `${m[1]}/${form.get('client_id')}`, app.expiresIn);
      }
      oauthError(res, 404, 'not_found', `no route ${path}`);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    // A service account whose JWTs this endpoint accepts (`publicKey`: a KeyObject).
    addServiceAccount: (clientEmail, publicKey, expiresIn = 3600) => accounts.set(clientEmail, { publicKey, expiresIn }),
    addEntraApp: ({ tenant, clientId, secret, scope = 'https://cognitiveservices.azure.com/.default', expiresIn = 3600 }) => apps.set(`${tenant}/${clientId}`, { secret, scope, expiresIn }),
    valid: (token) => (tokens.get(token)?.expiresAtMs ?? 0) > Date.now(),
    // Token requests for one service account (client_email) or Entra app ("tenant/client_id").
    tokenRequests: (subject) => requests.filter((r) => r.subject === subject),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
