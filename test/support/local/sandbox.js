// Preloaded (`node --require`) into every local function: the function may open connections to the loopback
// interface only, where the local stand-ins listen. Anything else (a real AWS endpoint, a JWKS on the internet)
// fails at once with an error naming the host, instead of hanging or reaching out.
'use strict';
const net = require('node:net');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
const original = net.Socket.prototype.connect;

net.Socket.prototype.connect = function connect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = first !== null && typeof first === 'object' ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined) {
    const host = options.host ?? 'localhost';
    if (!LOOPBACK.has(host) && !/^127\./.test(host)) {
      const error = Object.assign(new Error(`local sandbox: ${host}:${options.port} is not a local stand-in (functions reach only 127.0.0.1)`), { code: 'ECONNREFUSED', syscall: 'connect', host });
      process.nextTick(() => this.destroy(error));
      return this;
    }
  }
  return original.apply(this, args);
};
