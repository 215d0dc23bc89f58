// Helpers shared by the Node.js smoke tests.
'use strict';

// The "proto" field of a HELLO reply, whichever way the client maps a RESP3 map: a Map, a
// plain object, or a flat [key, value, ...] array.
function helloProto(reply) {
  if (reply instanceof Map) return Number(reply.get('proto'));
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      if (String(reply[i]) === 'proto') return Number(reply[i + 1]);
    }
    return undefined;
  }
  if (reply && typeof reply === 'object') return Number(reply.proto);
  return undefined;
}

module.exports = { helloProto };
