// Local AWS credential endpoints for the Bedrock tests, written from the AWS SDK reference
// ("Container credential provider", "IMDS credential provider") and the EC2 user guide
// ("Use IMDSv2"):
// - EC2 IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds -> a session
//   token; GET /latest/meta-data/iam/security-credentials/ -> the role name; GET .../{role} ->
//   {Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration}. GETs without a
//   valid session token are 401 (IMDSv2 only, as hardened instances are configured).
// - The ECS/EKS container endpoint: GET /v2/credentials/{id} (any path) with an Authorization
//   header equal to `authorization` when one is set -> {AccessKeyId, SecretAccessKey, Token,
//   Expiration, RoleArn}.
// Every fetch hands out a new key pair that lives `lifetimeS` seconds, registered in
// `credentials` (akid -> secret, "akid:token" -> session token: lib/fake_bedrock.mjs's table)
// and removed from it when it expires, so the fake Bedrock refuses a request signed with a
// stale pair.
import http from 'node:http';
import crypto from 'node:crypto';

export async function startFakeAwsMetadata({ credentials, lifetimeS = 3600, role = 'bedrock-invoker', authorization = '' }) {
  const requests = [];
  const sessions = new Set();
  let n = 0;
  const mint = () => {
    const akid = `ASIAFAKE${String(++n).padStart(8, '0')}`;
    const secret = crypto.randomBytes(20).toString('base64');
    const token = `session-${n}-${crypto.randomBytes(8).toString('hex')}`;
    credentials[akid] = secret;
    credentials[`${akid}:token`] = token;
    setTimeout(() => { delete credentials[akid]; delete credentials[`${akid}:token`]; }, lifetimeS * 1000).unref();
    return { AccessKeyId: akid, SecretAccessKey: secret, Token: token, Expiration: new Date(Date.now() + lifetimeS * 1000).toISOString().replace(/\.\d+Z$/, 'Z') };
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url, 'http://placeholder').pathname;
    const record = { method: req.method, path, headers: req.headers };
    requests.push(record);
    const send = (status, body, type = 'text/plain') => { res.writeHead(status, { 'content-type': type }); res.end(body); };
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT') return send(405, '');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21600)) return send(400, '');
      const t = crypto.randomBytes(16).toString('base64');
      sessions.add(t);
      return send(200, t);
    }
    if (path.startsWith('/latest/meta-data/')) {
      if (!sessions.has(req.headers['x-aws-ec2-metadata-token'])) return send(401, '');
      if (path === '/latest/meta-data/iam/security-credentials/') return send(200, role);
      if (path === `/latest/meta-data/iam/security-credentials/${role}`) {
        record.minted = true;
        return send(200, JSON.stringify({ Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', ...mint() }), 'application/json');
      }
      return send(404, '');
    }
    if (path.startsWith('/v2/credentials/')) {
      if (authorization && req.headers.authorization !== authorization) return send(403, JSON.stringify({ code: 'AccessDeniedException', message: 'Unable to authenticate request' }), 'application/json');
      record.minted = true;
      return send(200, JSON.stringify({ RoleArn: `arn:aws:iam::123456789012:role/${role}`, ...mint() }), 'application/json');
    }
    send(404, '');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    minted: () => requests.filter((r) => r.minted).length,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
