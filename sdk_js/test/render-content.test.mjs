import test from 'node:test';
import assert from 'node:assert/strict';
import { copy, safeUrl } from '../src/render/content.js';

// A minimal inert tree (what DOMParser gives the browser) and an output document that
// records what the renderer creates, serialised back to HTML for flat asserts.
function el(tag, attrs, ...kids) {
  const n = { nodeType: 1, localName: tag, getAttribute: (k) => (k in (attrs || {}) ? attrs[k] : null) };
  link(n, kids.map((k) => (typeof k === 'string' ? { nodeType: 3, data: k } : k)));
  return n;
}
function link(parent, kids) {
  parent.firstChild = kids[0] || null;
  kids.forEach((k, i) => { k.nextSibling = kids[i + 1] || null; });
}
const comment = (data) => ({ nodeType: 8, data });
const created = [];
const out = {
  createElement(tag) {
    created.push(tag);
    return { tag, attrs: [], kids: [], setAttribute(k, v) { this.attrs.push([k, v]); }, append };
  },
};
// ParentNode.append: a string becomes a text node.
function append(c) { this.kids.push(typeof c == 'string' ? { text: c } : c); }
const html = (n) => (n.text !== undefined ? n.text.replace(/</g, '&lt;')
  : n.tag ? `<${n.tag}${n.attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}>${n.kids.map(html).join('')}</${n.tag}>`
    : n.kids.map(html).join(''));
const render = (...kids) => {
  const root = { kids: [], append };
  copy(el('body', {}, ...kids), root, out);
  return html(root);
};

test('safeUrl keeps absolute https and mailto links only', () => {
  assert.equal(safeUrl('https://example.com/a?b=1'), 'https://example.com/a?b=1');
  assert.equal(safeUrl(' https://example.com '), 'https://example.com/');
  assert.equal(safeUrl('mailto:a@b.jp'), 'mailto:a@b.jp');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', ' javascript:x',
    'data:text/html,<script>1</script>', 'http://example.com', '/relative', '//example.com/x', 'vbscript:x', '', null]) {
    assert.equal(safeUrl(bad), null, String(bad));
  }
});

test('safeUrl for images allows https only, not mailto', () => {
  assert.equal(safeUrl('https://cdn.example/x.png', true), 'https://cdn.example/x.png');
  assert.equal(safeUrl('mailto:a@b.jp', true), null);
  assert.equal(safeUrl('data:image/png;base64,AAAA', true), null);
});

test('allowed elements are re-created with text, attributes dropped', () => {
  assert.equal(
    render(el('p', { onclick: 'x()', style: 'color:red', class: 'c', id: 'i' }, 'Hi ', el('strong', {}, 'there'), el('br'))),
    '<p>Hi <strong>there</strong><br></br></p>',
  );
});

test('links keep https/mailto href with rel and target; others lose the href but keep text', () => {
  assert.equal(render(el('a', { href: 'https://x.example/d', onclick: 'x' }, 'Docs')),
    '<a href="https://x.example/d" target="_blank" rel="noopener noreferrer">Docs</a>');
  assert.equal(render(el('a', { href: 'javascript:alert(1)' }, 'js')), '<a>js</a>');
});

test('images need an https src; alt is kept, everything else dropped', () => {
  assert.equal(render(el('img', { src: 'https://c.example/i.png', alt: 'Logo', onerror: 'x()' })),
    '<img src="https://c.example/i.png" alt="Logo"></img>');
  assert.equal(render(el('img', { src: 'x', onerror: 'x()' })), '');
  assert.equal(render(el('img', { src: 'data:image/png;base64,AA' })), '');
});

test('script, style, iframe, svg, template... are dropped with their content', () => {
  for (const tag of ['script', 'style', 'iframe', 'object', 'svg', 'math', 'template', 'noscript', 'textarea', 'select', 'title']) {
    assert.equal(render(el(tag, {}, 'payload'), 'ok'), 'ok', tag);
  }
});

test('unknown elements are unwrapped: their allowed children and text stay', () => {
  assert.equal(render(el('div', { onclick: 'x' }, 'a', el('em', {}, 'b'), el('x-widget', {}, 'c'))), 'a<em>b</em>c');
  assert.equal(render(el('details', {}, el('summary', {}, 's'), 'd')), 'sd');
});

test('only allowed tag names ever reach createElement (no page custom elements)', () => {
  created.length = 0;
  render(el('x-evil', {}, el('my-widget', {}, 'a')), el('form', {}, el('input')), el('ul', {}, el('li', {}, 'x')));
  assert.deepEqual(created, ['ul', 'li']);
});

test('comments are dropped and text is text, never markup', () => {
  assert.equal(render(comment('<b>c</b>'), '<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)>');
});
