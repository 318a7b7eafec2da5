// Preloaded (`node --require`) into every local function. It may open connections to the loopback interface
// only, where the local stand-ins listen. Anything else (a real AWS endpoint, a JWKS on the internet)
// fails at once with an error naming the host, instead of hanging or reaching out.
'use strict';
const Module = require('node:module');
const net = require('node:net');
const path = require('node:path');

// Module resolution as in /var/task: the function's code finds node_modules inside its code directory and on
// NODE_PATH (the layers, the runtime's SDK) only, never in a directory above the code (this checkout's).
const taskRoot = process.env.LAMBDA_TASK_ROOT + path.sep;
const nodeModulePaths = Module._nodeModulePaths;
Module._nodeModulePaths = (from) => {
  const paths = nodeModulePaths(from);
  return (from + path.sep).startsWith(taskRoot) ? paths.filter((p) => p.startsWith(taskRoot)) : paths;
};

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
