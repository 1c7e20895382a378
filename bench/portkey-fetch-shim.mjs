// Preloaded into the Portkey process only (`node --import`). Portkey 1.15.2 appends its x-portkey-*
// headers to the upstream's fetch Response, whose headers are immutable under the @hono/node-server it
// installs: every streamed chat completion fails with `TypeError: immutable` (Portkey-AI/gateway#1389,
// #1550). Re-wrapping the upstream answer in a Response with a mutable copy of its headers is the fix
// those threads propose; it costs Portkey one Headers copy per upstream call.
const upstreamFetch = globalThis.fetch;
const NativeResponse = globalThis.Response;
globalThis.fetch = async (...args) => {
  const res = await upstreamFetch(...args);
  return new NativeResponse(res.body, { status: res.status, statusText: res.statusText, headers: new Headers(res.headers) });
};
