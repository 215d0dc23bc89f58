// node-redis smoke test: connect with HELLO 3, SET/GET, a 100-command pipeline, clean close.
// Usage: node node_redis_test.js PORT   (exit 0 on success; prints one FAIL line otherwise)
'use strict';

const assert = require('node:assert/strict');
const { createClient } = require('redis');
const { helloProto } = require('./smoke_util');

const port = Number(process.argv[2]);
// Keys carry the pid so reruns against the same server start from missing keys.
const p = `node-redis:${process.pid}`;

async function main() {
  const client = createClient({
    socket: { host: '127.0.0.1', port, reconnectStrategy: false, connectTimeout: 10000 },
    RESP: 3,
  });
  const errors = [];
  client.on('error', (err) => errors.push(err));
  await client.connect();

  assert.equal(helloProto(await client.sendCommand(['HELLO'])), 3, 'connection is not RESP3');

  assert.equal(await client.set(`${p}:k`, 'hello'), 'OK');
  assert.equal(await client.get(`${p}:k`), 'hello');
  assert.equal(await client.get(`${p}:missing`), null);
  assert.equal(await client.incr(`${p}:counter`), 1);

  // execAsPipeline sends the batch in one write without MULTI/EXEC.
  const batch = client.multi();
  for (let i = 0; i < 100; i += 2) {
    batch.set(`${p}:p:${i}`, `v${i}`);
    batch.get(`${p}:p:${i}`);
  }
  const results = await batch.execAsPipeline();
  assert.equal(results.length, 100);
  for (let i = 0; i < 100; i += 2) {
    assert.equal(results[i], 'OK');
    assert.equal(results[i + 1], `v${i}`);
  }

  // close() waits for pending replies, then ends the connection.
  await client.close();
  assert.equal(client.isOpen, false);
  assert.deepEqual(errors, []);
}

const timer = setTimeout(() => {
  console.log('FAIL node-redis: timed out');
  process.exit(1);
}, 30000);

main().then(
  () => {
    clearTimeout(timer);
    console.log('PASS node-redis');
  },
  (err) => {
    console.log(`FAIL node-redis: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
