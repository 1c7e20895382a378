import { createHash } from 'node:crypto';
import type { OpenApiDocument } from './openapi.types.js';

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem; color: #1d2430; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d6dbe3; text-transform: capitalize; }
code, pre { font: 13px/1.4 ui-monospace, monospace; } pre { background: #f4f6f9; padding: 0.6rem; overflow: auto; }
details.op { border: 1px solid #d6dbe3; border-radius: 6px; margin: 0.4rem 0; }
details.op > summary { cursor: pointer; padding: 0.4rem 0.6rem; list-style: none; }
details.op > div { padding: 0 0.8rem 0.6rem; }
.method { display: inline-block; width: 4.2rem; font-weight: 700; text-transform: uppercase; }
.get { color: #1d6fb8; } .post { color: #1f8a4c; } .delete { color: #b8321d; } .put, .patch { color: #a86b00; }
.path { font-family: ui-monospace, monospace; font-weight: 600; } .muted { color: #5b6676; }
.lock { font-size: 12px; margin-left: 0.5rem; padding: 0 0.4rem; border-radius: 4px; background: #eef1f5; }
table { border-collapse: collapse; margin: 0.3rem 0; } td, th { border: 1px solid #d6dbe3; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
`;

/** Renders the embedded document with DOM calls only (textContent, never innerHTML). */
const SCRIPT = `
(function () {
  var doc = JSON.parse(document.getElementById('openapi').textContent);
  var root = document.getElementById('root');
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function text(tag, value, cls) { var n = el(tag, cls ? { class: cls } : {}); n.textContent = value; return n; }
  function schemaName(s) {
    if (!s) return '';
    if (s.$ref) return s.$ref.split('/').pop();
    if (s.type === 'array' && s.items) return schemaName(s.items) + '[]';
    return Array.isArray(s.type) ? s.type.join(' | ') : s.type || 'object';
  }
  function resolve(r, kind) { return r && r.$ref ? doc.components[kind][r.$ref.split('/').pop()] : r; }
  function contentRows(content) {
    return Object.keys(content || {}).map(function (type) {
      return type + ' \\u2192 ' + schemaName(content[type].schema);
    }).join('; ');
  }
  root.append(text('h1', doc.info.title + ' ' + doc.info.version));
  root.append(text('p', doc.info.description, 'muted'));
  var raw = el('a', { href: '/openapi.json' }); raw.textContent = 'openapi.json'; root.append(el('p', {}, ['Raw document: ', raw]));
  var byTag = {};
  Object.keys(doc.paths).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({ path: path, method: method, op: op });
    });
  });
  (doc.tags || []).forEach(function (tag) {
    root.append(text('h2', tag.name));
    if (tag.description) root.append(text('p', tag.description, 'muted'));
    (byTag[tag.name] || []).forEach(function (entry) {
      var op = entry.op;
      var open = op.security && op.security.length === 0 ? 'public' : 'bearer';
      var body = el('div');
      if (op.description) body.append(text('p', op.description));
      var params = (op.parameters || []).map(function (p) { return resolve(p, 'parameters'); });
      if (params.length) {
        var table = el('table', {}, [el('tr', {}, [text('th', 'parameter'), text('th', 'in'), text('th', 'type'), text('th', 'notes')])]);
        params.forEach(function (p) {
          table.append(el('tr', {}, [text('td', p.name + (p.required ? ' *' : '')), text('td', p.in),
            text('td', schemaName(p.schema)), text('td', p.description || '')]));
        });
        body.append(table);
      }
      if (op.requestBody) body.append(el('p', {}, ['Body: ', text('code', contentRows(op.requestBody.content))]));
      var responses = el('table', {}, [el('tr', {}, [text('th', 'status'), text('th', 'meaning'), text('th', 'content')])]);
      Object.keys(op.responses).forEach(function (status) {
        var r = resolve(op.responses[status], 'responses');
        responses.append(el('tr', {}, [text('td', status), text('td', r.description), text('td', contentRows(r.content))]));
      });
      body.append(responses);
      var summary = el('summary', {}, [text('span', entry.method, 'method ' + entry.method), text('span', entry.path, 'path'),
        text('span', ' ' + op.summary, 'muted'), text('span', open, 'lock')]);
      root.append(el('details', { class: 'op', id: op.operationId }, [summary, body]));
    });
  });
  root.append(text('h2', 'schemas'));
  Object.keys(doc.components.schemas).forEach(function (name) {
    root.append(el('details', { class: 'op', id: 'schema-' + name }, [
      el('summary', {}, [text('span', name, 'path')]),
      el('div', {}, [text('pre', JSON.stringify(doc.components.schemas[name], null, 2))]),
    ]));
  });
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Only the page's own inline script and style may run; nothing may be fetched from anywhere. */
export const DOCS_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'none'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `/docs`: one self-contained HTML page. The document travels inside it as a JSON data block (not
 * fetched), rendered by the inline script; `<` is escaped so no string in it can close the block.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const data = JSON.stringify(doc).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${doc.info.title.replace(/[<>&"]/g, '')} API</title>
<style>${STYLE}</style>
</head>
<body>
<main id="root"><noscript>This page lists the operations of <a href="/openapi.json">/openapi.json</a> with JavaScript.</noscript></main>
<script type="application/json" id="openapi">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
