// Child process that runs the BUILT JWT authorizer bundle for the chat e2e test (it needs NODE_EXTRA_CA_CERTS at
// start-up to trust the local HTTPS JWKS server). Receives events over IPC, answers { ok } or { err }.
const { handler } = require(process.env.AUTHORIZER_BUNDLE);
process.on('message', async ({ id, event }) => {
  try {
    process.send({ id, ok: await handler(event) });
  } catch (e) {
    process.send({ id, err: e.message });
  }
});
process.send({ ready: true });
