// ioredis smoke test: connect with HELLO 3, SET/GET, a 100-command pipeline, QUIT.
// Usage: node ioredis_test.js PORT   (exit 0 on success; prints one FAIL line otherwise)
'use strict';

const assert = require('node:assert/strict');
const Redis = require('ioredis');
const { helloProto } = require('./smoke_util');

const port = Number(process.argv[2]);
// Keys carry the pid so reruns against the same server start from missing keys.
const p = `ioredis:${process.pid}`;

async function main() {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 3,
    lazyConnect: true,
    // A smoke test must fail, not retry forever, if the server misbehaves.
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 10000,
  });
  await client.connect();

  // ioredis silently falls back to RESP2 if HELLO 3 is refused; HELLO without arguments reports
  // the protocol actually in use.
  assert.equal(helloProto(await client.call('HELLO')), 3, 'connection is not RESP3');

  assert.equal(await client.set(`${p}:k`, 'hello'), 'OK');
  assert.equal(await client.get(`${p}:k`), 'hello');
  assert.equal(await client.get(`${p}:missing`), null);
  assert.equal(await client.incr(`${p}:counter`), 1);

  const pipeline = client.pipeline();
  for (let i = 0; i < 100; i += 2) {
    pipeline.set(`${p}:p:${i}`, `v${i}`);
    pipeline.get(`${p}:p:${i}`);
  }
  const results = await pipeline.exec();
  assert.equal(results.length, 100);
  for (let i = 0; i < 100; i += 2) {
    assert.deepEqual(results[i], [null, 'OK']);
    assert.deepEqual(results[i + 1], [null, `v${i}`]);
  }

  assert.equal(await client.quit(), 'OK');
}

const timer = setTimeout(() => {
  console.log('FAIL ioredis: timed out');
  process.exit(1);
}, 30000);

main().then(
  () => {
    clearTimeout(timer);
    console.log('PASS ioredis');
  },
  (err) => {
    console.log(`FAIL ioredis: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
