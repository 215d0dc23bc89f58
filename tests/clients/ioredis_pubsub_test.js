// ioredis pub/sub test, in RESP2 and in RESP3 (push frames): SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE with
// 'message'/'pmessage'/'smessage' events, per-publisher order, keyspace notifications, and (RESP3
// only) ordinary commands on a subscribed connection.
// Usage: node ioredis_pubsub_test.js PORT   (prints PASS, or one FAIL line and exits 1)
'use strict';

const assert = require('node:assert/strict');
const Redis = require('ioredis');
const { helloProto } = require('./smoke_util');

const port = Number(process.argv[2]);
const p = `ioredis-pubsub:${process.pid}`;

function connect(protocol) {
  return new Redis({
    host: '127.0.0.1',
    port,
    protocol,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 10000,
  });
}

// Resolves with the next `n` events `name` emitted by `client` (as argument arrays).
function collect(client, name, n) {
  return new Promise((resolve) => {
    const got = [];
    const on = (...args) => {
      got.push(args.map(String));
      if (got.length === n) {
        client.off(name, on);
        resolve(got);
      }
    };
    client.on(name, on);
  });
}

async function run(protocol) {
  const tag = `${p}:${protocol}`;
  const pub = connect(protocol);
  const sub = connect(protocol);
  const psub = connect(protocol);
  for (const c of [pub, sub, psub]) await c.connect();
  assert.equal(helloProto(await pub.call('HELLO')), protocol, `connection is not RESP${protocol}`);

  assert.equal(await sub.subscribe(`${tag}:news`, `${tag}:other`), 2);
  assert.equal(await psub.psubscribe(`${tag}:n*`), 1);

  let messages = collect(sub, 'message', 1);
  let pmessages = collect(psub, 'pmessage', 1);
  assert.equal(await pub.publish(`${tag}:news`, 'hello'), 2);
  assert.deepEqual(await messages, [[`${tag}:news`, 'hello']]);
  assert.deepEqual(await pmessages, [[`${tag}:n*`, `${tag}:news`, 'hello']]);

  // One publisher's messages arrive in order.
  messages = collect(sub, 'message', 100);
  for (let i = 0; i < 100; ++i) pub.publish(`${tag}:other`, String(i));
  const ordered = await messages;
  ordered.forEach((m, i) => assert.deepEqual(m, [`${tag}:other`, String(i)]));

  const smessages = collect(sub, 'smessage', 1);
  await sub.ssubscribe(`${tag}:shard`);
  assert.equal(await pub.spublish(`${tag}:shard`, 'sm'), 1);
  assert.deepEqual(await smessages, [[`${tag}:shard`, 'sm']]);

  if (protocol === 3) {
    // RESP3 subscribers may run any command.
    assert.equal(await sub.set(`${tag}:k`, 'v'), 'OK');
    assert.equal(await sub.get(`${tag}:k`), 'v');
  } else {
    // ioredis refuses it itself in RESP2 subscriber mode, before the server could.
    await assert.rejects(sub.call('GET', `${tag}:k`), /subscriber mode|only \(P\|S\)SUBSCRIBE/);
  }

  // Keyspace notifications.
  const old = (await pub.config('GET', 'notify-keyspace-events'))[1];
  await pub.config('SET', 'notify-keyspace-events', 'KEA');
  try {
    const events = connect(protocol);
    await events.connect();
    await events.psubscribe(`__keyevent@0__:*`);
    const got = collect(events, 'pmessage', 3);
    await pub.set(`${tag}:ev`, '1');
    await pub.incr(`${tag}:ev`);
    await pub.del(`${tag}:ev`);
    assert.deepEqual((await got).map((m) => [m[1], m[2]]), [
      ['__keyevent@0__:set', `${tag}:ev`],
      ['__keyevent@0__:incrby', `${tag}:ev`],
      ['__keyevent@0__:del', `${tag}:ev`],
    ]);
    events.disconnect();
  } finally {
    await pub.config('SET', 'notify-keyspace-events', old);
  }

  await sub.unsubscribe();
  await sub.sunsubscribe();
  await psub.punsubscribe();
  assert.equal(await pub.publish(`${tag}:news`, 'nobody'), 0);
  for (const c of [pub, sub, psub]) c.disconnect();
}

const timer = setTimeout(() => {
  console.log('FAIL ioredis pubsub: timed out');
  process.exit(1);
}, 30000);

(async () => {
  for (const protocol of [2, 3]) await run(protocol);
})().then(
  () => {
    clearTimeout(timer);
    console.log('PASS ioredis pubsub (RESP2 and RESP3)');
  },
  (err) => {
    console.log(`FAIL ioredis pubsub: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
