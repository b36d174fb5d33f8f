// Bedrock with credentials fetched at run time, the end of the AWS SDKs' chain: two gateways with
// no static keys, one in an "EC2 instance" (IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT), one
// in an "ECS task" (AWS_CONTAINER_CREDENTIALS_FULL_URI with an authorization token), against
// local fakes (lib/fake_aws_metadata.mjs) and the SigV4-verifying fake Bedrock
// (lib/fake_bedrock.mjs, AWS's own signer). Keys live 3 s and are withdrawn when they expire:
// a burst of concurrent requests shares one fetch, the next burst after the refresh point
// fetches exactly one new pair, and every request verifies. A wrong container token is an error
// naming the endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from './lib/processes.mjs';
import { startFakeBedrock } from './lib/fake_bedrock.mjs';
import { startFakeAwsMetadata } from './lib/fake_aws_metadata.mjs';
import { startPlatformGateway } from './lib/platform_gateway.mjs';

const credentials = {};
let bedrock;
let imds;
let ecs;
let onEc2;
let onEcs;
let wrongToken;

const models = (url) => `
  - name: haiku
    max_attempts: 1
    deployments:
      - provider: bedrock
        base_url: ${url}
        region: us-east-1
        model: anthropic.claude-3-5-haiku-20241022-v1:0
        price: none`;
// No static keys anywhere: an empty shared-credentials path.
const noStatic = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', HOME: '/nonexistent' };

before(async () => {
  bedrock = await startFakeBedrock({ credentials });
  imds = await startFakeAwsMetadata({ credentials, lifetimeS: 3 });
  ecs = await startFakeAwsMetadata({ credentials, lifetimeS: 3, authorization: 'Bearer ecs-task-token' });
  onEc2 = await startPlatformGateway({
    prefix: 'imds', workers: 2, models: models(bedrock.url),
    env: { ...noStatic, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url },
  });
  onEcs = await startPlatformGateway({
    prefix: 'ecs', models: models(bedrock.url),
    env: { ...noStatic, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/v2/credentials/task-1`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer ecs-task-token' },
  });
  wrongToken = await startPlatformGateway({
    prefix: 'ecs-bad', models: models(bedrock.url),
    env: { ...noStatic, AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/v2/credentials/task-2`, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer stale' },
  });
});

after(async () => {
  await stopAll(5000);
  for (const s of [bedrock, imds, ecs]) await s?.close();
  onEc2?.cleanup();
  onEcs?.cleanup();
  wrongToken?.cleanup();
});

const ask = (g, i) => g.openai.chat.completions.create({ model: 'haiku', max_tokens: 20, messages: [{ role: 'user', content: `hello ${i}` }] });

test('IMDSv2: token PUT, role, credentials; concurrent requests share a fetch; one refresh after the refresh point', async () => {
  const first = await Promise.all(Array.from({ length: 6 }, (_, i) => ask(onEc2, i)));
  assert.equal(first.length, 6);
  assert.equal(imds.minted(), 1);
  const seq = imds.requests.slice(0, 3).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(seq, ['PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/', 'GET /latest/meta-data/iam/security-credentials/bedrock-invoker']);
  const signedWith = (r) => r.headers.authorization.match(/Credential=([^/]+)/)[1];
  const firstKeys = new Set(bedrock.requests.slice(-6).map(signedWith));
  assert.deepEqual([...firstKeys], ['ASIAFAKE00000001']);
  assert.ok(bedrock.requests.slice(-6).every((r) => !r.rejected && r.headers['x-amz-security-token']));
  await new Promise((r) => setTimeout(r, 1700));
  const second = await Promise.all(Array.from({ length: 6 }, (_, i) => ask(onEc2, i + 6)));
  assert.equal(second.length, 6);
  assert.equal(imds.minted(), 2, 'exactly one refresh');
  assert.ok(bedrock.requests.slice(-6).every((r) => !r.rejected && signedWith(r) === 'ASIAFAKE00000002'));
});

test('ECS container endpoint: the authorization token is sent; the answer signs the request', async () => {
  const r = await ask(onEcs, 0);
  assert.match(r.choices[0].message.content, /hello 0/);
  const fetches = ecs.requests.filter((x) => x.path === '/v2/credentials/task-1');
  assert.equal(fetches.length, 1);
  assert.equal(fetches[0].headers.authorization, 'Bearer ecs-task-token');
  assert.ok(!bedrock.requests[bedrock.requests.length - 1].rejected);
});

test('a container endpoint that refuses is a 502 naming it, and Bedrock is never called', async () => {
  const before = bedrock.requests.length;
  await assert.rejects(ask(wrongToken, 0), (e) => {
    assert.equal(e.status, 502);
    assert.match(e.message, /container credential endpoint http:\/\/127\.0\.0\.1:\d+\/v2\/credentials\/task-2: answered HTTP 403/);
    return true;
  });
  assert.equal(bedrock.requests.length, before);
});
