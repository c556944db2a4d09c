// Shirube admin — HTML (a rich-text box) → the Markdown guide files store.
// The server renders Markdown to sanitised HTML (server/guides/markdown.py); this turns that
// HTML, as edited in a contenteditable box, back into Markdown. For the supported subset
// (paragraphs, bold, italic, links, images, lists, line breaks, headings, quotes, code)
// Markdown → HTML → Markdown gives back the same text. Anything else becomes plain text.
(function (root) {
  'use strict';

  var BLOCKS = {P: 1, DIV: 1, UL: 1, OL: 1, LI: 1, BLOCKQUOTE: 1, PRE: 1, H1: 1, H2: 1, H3: 1,
    H4: 1, H5: 1, H6: 1, TABLE: 1, SECTION: 1, ARTICLE: 1, HR: 1};

  function escapeText(text) {
    return text
      .replace(/\u00a0/g, ' ')
      .replace(/([\\`*_[\]<])/g, '\\$1')
      .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
  }

  // Characters that would start a block (list, heading, quote, setext line) at a line start.
  function escapeLineStarts(text) {
    return text.split('\n').map(function (line) {
      line = line.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
      return line
        .replace(/^([#>+=-])/, '\\$1')
        .replace(/^(\d+)([.)])/, '$1\\$2');
    }).join('\n');
  }

  function isBlock(node) { return node.nodeType === 1 && BLOCKS[node.nodeName] === 1; }

  function wrap(marker, inner) {
    var m = /^(\s*)([\s\S]*?)(\s*)$/.exec(inner);
    if (!m[2]) return inner;
    return m[1] + marker + m[2] + marker + m[3];
  }

  function safeUrl(url) {
    return String(url || '').trim().replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29')
      .replace(/</g, '%3C').replace(/>/g, '%3E');
  }

  function inline(nodes) {
    var out = '';
    for (var i = 0; i < nodes.length; i++) out += inlineNode(nodes[i]);
    return out;
  }

  function inlineNode(node) {
    if (node.nodeType === 3) return escapeText(node.nodeValue);
    if (node.nodeType !== 1) return '';
    var name = node.nodeName;
    var kids = node.childNodes;
    switch (name) {
      case 'STRONG': case 'B': return wrap('**', inline(kids));
      case 'EM': case 'I': return wrap('*', inline(kids));
      case 'BR': return '\\\n';
      case 'CODE': {
        var text = node.textContent;
        var runs = text.match(/`+/g) || [];
        var longest = runs.reduce(function (n, r) { return Math.max(n, r.length); }, 0);
        var fence = new Array(longest + 2).join('`');
        var pad = /^`|`$|^ .* $/.test(text) ? ' ' : '';
        return text ? fence + pad + text + pad + fence : '';
      }
      case 'A': {
        var href = node.getAttribute('href');
        var label = inline(kids);
        if (!href) return label;
        return '[' + (label || escapeText(href)) + '](' + safeUrl(href) + ')';
      }
      case 'IMG': {
        var src = node.getAttribute('src');
        if (!src) return '';
        var alt = (node.getAttribute('alt') || '').replace(/([\\[\]])/g, '\\$1');
        return '![' + alt + '](' + safeUrl(src) + ')';
      }
      case 'SCRIPT': case 'STYLE': case 'TEMPLATE': return '';
      default:
        if (isBlock(node)) return '\n' + inline(kids) + '\n';
        return inline(kids);
    }
  }

  function paragraph(nodes) {
    var text = inline(nodes).replace(/(\\\n)+$/, '').replace(/^\n+|\n+$/g, '');
    text = text.replace(/\n{2,}/g, '\n');
    return escapeLineStarts(text).trim();
  }

  function indent(text, pad) {
    return text.split('\n').map(function (line, i) {
      return i === 0 || line === '' ? line : pad + line;
    }).join('\n');
  }

  function list(node) {
    var ordered = node.nodeName === 'OL';
    var start = parseInt(node.getAttribute('start') || '1', 10) || 1;
    var items = [];
    var loose = false;
    Array.prototype.forEach.call(node.childNodes, function (li) {
      if (li.nodeType !== 1) return;
      var hasBlocks = Array.prototype.some.call(li.childNodes, isBlock);
      if (Array.prototype.some.call(li.childNodes, function (c) { return c.nodeName === 'P'; })) loose = true;
      var body = hasBlocks ? blocks(li.childNodes, '\n') : paragraph(li.childNodes);
      if (!body) return;
      var marker = ordered ? (start + items.length) + '. ' : '- ';
      items.push(marker + indent(body, new Array(marker.length + 1).join(' ')));
    });
    return items.join(loose ? '\n\n' : '\n');
  }

  function block(node) {
    var name = node.nodeName;
    if (name === 'UL' || name === 'OL') return list(node);
    if (/^H[1-6]$/.test(name)) {
      var level = Math.min(parseInt(name.charAt(1), 10), 4);
      var text = paragraph(node.childNodes).replace(/\\\n/g, ' ').replace(/\n/g, ' ');
      return text ? new Array(level + 1).join('#') + ' ' + text : '';
    }
    if (name === 'BLOCKQUOTE') {
      var inner = blocks(node.childNodes);
      return inner ? inner.split('\n').map(function (l) { return l ? '> ' + l : '>'; }).join('\n') : '';
    }
    if (name === 'PRE') {
      var code = node.textContent.replace(/\n$/, '');
      var runs = code.match(/`{3,}/g) || [];
      var n = runs.reduce(function (m, r) { return Math.max(m, r.length + 1); }, 3);
      var fence = new Array(n + 1).join('`');
      return fence + '\n' + code + '\n' + fence;
    }
    if (name === 'HR') return '';
    if (name === 'LI') return list({nodeName: 'UL', getAttribute: function () { return null; }, childNodes: [node]});
    // P, DIV and other containers: nested blocks inside are their own paragraphs.
    if (Array.prototype.some.call(node.childNodes, isBlock)) return blocks(node.childNodes);
    return paragraph(node.childNodes);
  }

  function blocks(nodes, joiner) {
    var parts = [];
    var run = [];
    var flush = function () {
      if (run.length) { var p = paragraph(run); if (p) parts.push(p); run = []; }
    };
    Array.prototype.forEach.call(nodes, function (node) {
      if (isBlock(node)) {
        flush();
        var b = block(node);
        if (b) parts.push(b);
      } else {
        run.push(node);
      }
    });
    flush();
    return parts.join(joiner || '\n\n');
  }

  /** Markdown of the content of `element` (a rich-text box or any element). */
  function toMarkdown(element) {
    return blocks(element.childNodes).replace(/\n{3,}/g, '\n\n').trim();
  }

  root.shirubeMarkdown = {toMarkdown: toMarkdown, escapeText: escapeText};
})(window);
