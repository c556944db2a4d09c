// Shirube admin — a small rich-text box of our own: a contenteditable area with a toolbar
// (bold, italic, link, lists, image by https URL, emoji). It reports Markdown (guides-markdown.js);
// it starts from the sanitised HTML the server rendered. Pasting keeps plain text only.
(function (root) {
  'use strict';

  var EMOJI = ['👋', '🎉', '✅', '🚀', '💡', '⭐', '👉', '📌', '🔔', '📊', '🙌', '😊', '❤️', '⚠️', '🔒', '✨'];
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  /** Put sanitised server HTML into `box` without running anything (DOMParser is inert). */
  function setHtml(box, html) {
    var doc = new DOMParser().parseFromString('<body>' + (html || '') + '</body>', 'text/html');
    box.replaceChildren.apply(box, Array.prototype.map.call(doc.body.childNodes, function (n) {
      return document.importNode(n, true);
    }));
    box.querySelectorAll('script, style, iframe, object, embed').forEach(function (n) { n.remove(); });
    box.querySelectorAll('*').forEach(function (n) {
      Array.prototype.slice.call(n.attributes).forEach(function (a) {
        if (/^on/i.test(a.name) || a.name === 'style') n.removeAttribute(a.name);
      });
    });
  }

  /**
   * A rich-text box. options: {html, label, readonly, onChange(markdown), t(text)}.
   * Returns {element, box, markdown(), focus()}.
   */
  function create(options) {
    var t = options.t || function (s) { return s; };
    var id = 'rt-' + (++counter);
    var wrapper = el('div', {'class': 'richtext'});
    var label = el('span', {'class': 'label', id: id + '-label'}, options.label);
    var toolbar = el('div', {role: 'toolbar', 'aria-label': t('Formatting'), 'aria-controls': id, 'class': 'rt-toolbar'});
    var box = el('div', {id: id, 'class': 'rt-box', role: 'textbox', 'aria-multiline': 'true',
      'aria-labelledby': id + '-label', contenteditable: options.readonly ? 'false' : 'true'});
    if (options.path) box.setAttribute('data-path', options.path);
    if (options.testid) box.setAttribute('data-testid', options.testid);
    setHtml(box, options.html);
    var saved = null;

    function changed() { if (options.onChange) options.onChange(root.shirubeMarkdown.toMarkdown(box)); }
    function remember() {
      var sel = window.getSelection();
      if (sel.rangeCount && box.contains(sel.getRangeAt(0).commonAncestorContainer)) saved = sel.getRangeAt(0).cloneRange();
    }
    function restore() {
      box.focus();
      if (saved) { var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(saved); }
    }
    function insertNode(node) {
      restore();
      var sel = window.getSelection();
      if (!sel.rangeCount) { box.appendChild(node); return; }
      var range = sel.getRangeAt(0);
      range.deleteContents();
      range.insertNode(node);
      range.setStartAfter(node);
      range.collapse(true);
      sel.removeAllRanges();
      sel.addRange(range);
    }
    function httpsUrl(text, allowMail) {
      var url = (text || '').trim();
      if (/^https:\/\/\S+$/i.test(url) || (allowMail && /^mailto:\S+$/i.test(url))) return url;
      return null;
    }

    var actions = {
      bold: function () { restore(); document.execCommand('bold'); },
      italic: function () { restore(); document.execCommand('italic'); },
      ul: function () { restore(); document.execCommand('insertUnorderedList'); },
      ol: function () { restore(); document.execCommand('insertOrderedList'); },
      link: function () {
        var url = httpsUrl(window.prompt(t('Link address (https:// or mailto:)'), 'https://'), true);
        if (!url) return;
        restore();
        var sel = window.getSelection();
        if (sel.rangeCount && !sel.getRangeAt(0).collapsed) {
          document.execCommand('createLink', false, url);
        } else {
          var a = el('a', {href: url}, url);
          insertNode(a);
        }
      },
      image: function () {
        var url = httpsUrl(window.prompt(t('Image address (https://)'), 'https://'), false);
        if (!url) return;
        var alt = window.prompt(t('Describe the image (alternative text)'), '') || '';
        insertNode(el('img', {src: url, alt: alt}));
      },
      emoji: function (button) {
        var open = picker.hidden;
        picker.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
        if (open) picker.querySelector('button').focus();
      }
    };
    var buttons = [
      ['bold', 'B', t('Bold')], ['italic', 'I', t('Italic')], ['link', '🔗', t('Link')],
      ['ul', '•', t('Bulleted list')], ['ol', '1.', t('Numbered list')],
      ['image', '🖼', t('Image')], ['emoji', '☺', t('Emoji')]
    ];
    buttons.forEach(function (b) {
      var button = el('button', {type: 'button', 'class': 'rt-btn rt-' + b[0], title: b[2]});
      button.appendChild(el('span', {'aria-hidden': 'true'}, b[1]));
      button.appendChild(el('span', {'class': 'sr-only'}, b[2]));
      if (b[0] === 'emoji') { button.setAttribute('aria-expanded', 'false'); button.setAttribute('aria-haspopup', 'true'); }
      if (options.readonly) button.disabled = true;
      button.addEventListener('mousedown', function (e) { e.preventDefault(); });
      button.addEventListener('click', function () { actions[b[0]](button); changed(); });
      toolbar.appendChild(button);
    });
    var picker = el('div', {'class': 'rt-emoji', role: 'group', 'aria-label': t('Emoji')});
    picker.hidden = true;
    EMOJI.forEach(function (emoji) {
      var b = el('button', {type: 'button', 'class': 'rt-emoji-btn', 'aria-label': emoji}, emoji);
      b.addEventListener('mousedown', function (e) { e.preventDefault(); });
      b.addEventListener('click', function () {
        restore();
        document.execCommand('insertText', false, emoji);
        picker.hidden = true;
        toolbar.querySelector('.rt-emoji').setAttribute('aria-expanded', 'false');
        remember();
        changed();
      });
      picker.appendChild(b);
    });
    picker.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { picker.hidden = true; toolbar.querySelector('.rt-emoji').focus(); }
    });

    box.addEventListener('input', changed);
    ['keyup', 'mouseup', 'focus', 'input'].forEach(function (type) { box.addEventListener(type, remember); });
    box.addEventListener('paste', function (e) {
      e.preventDefault();
      var text = (e.clipboardData || window.clipboardData).getData('text/plain');
      document.execCommand('insertText', false, text);
    });
    box.addEventListener('drop', function (e) { e.preventDefault(); });
    box.addEventListener('focus', function () { document.execCommand('defaultParagraphSeparator', false, 'p'); });

    wrapper.appendChild(label);
    wrapper.appendChild(toolbar);
    wrapper.appendChild(picker);
    wrapper.appendChild(box);
    return {
      element: wrapper, box: box,
      markdown: function () { return root.shirubeMarkdown.toMarkdown(box); },
      focus: function () { box.focus(); }
    };
  }

  root.shirubeRichText = {create: create, setHtml: setHtml};
})(window);
