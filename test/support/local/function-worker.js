// The execution environment of one local Lambda function: a child process started in the function's code
// directory with exactly the environment the template renders (plus the runtime's own variables), loading the
// handler the template names (`file.export`) and answering invocations received over IPC, as the Lambda Node.js
// runtime does: `{ id, result }`, or `{ id, error: { errorType, errorMessage } }` for a thrown error or a timeout.
// Invocation errors of the init phase (a bundle that fails to load) are answered to every invocation.
'use strict';
const path = require('node:path');

const [handlerSpec, timeoutSeconds] = [process.env._HANDLER, Number(process.env.LOCAL_FUNCTION_TIMEOUT)];
let handler;
let initError;
try {
  const dot = handlerSpec.lastIndexOf('.');
  const file = path.resolve(process.env.LAMBDA_TASK_ROOT, handlerSpec.slice(0, dot));
  const exported = require(file)[handlerSpec.slice(dot + 1)];
  if (typeof exported !== 'function') throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  handler = exported;
} catch (e) {
  initError = { errorType: e.name === 'Error' ? 'Runtime.ImportModuleError' : e.name, errorMessage: e.message };
}

let sequence = 0;
process.on('message', ({ id, event }) => {
  if (initError) return process.send({ id, error: initError });
  const deadline = Date.now() + timeoutSeconds * 1000;
  sequence += 1;
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.LOCAL_FUNCTION_ARN,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: `${process.pid.toString(16)}-${sequence.toString(16).padStart(8, '0')}`,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let settled = false;
  const finish = (message) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    process.send({ id, ...message });
  };
  const timer = setTimeout(() => finish({ error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` } }), timeoutSeconds * 1000);
  const fail = (e) => finish({ error: { errorType: (e && e.name) || 'Error', errorMessage: (e && e.message) || String(e) } });
  try {
    const out = handler(event, context, (err, result) => (err ? fail(err) : finish({ result })));
    if (out && typeof out.then === 'function') out.then((result) => finish({ result }), fail);
  } catch (e) {
    fail(e);
  }
});
process.send({ ready: true });
