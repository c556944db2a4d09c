// Harness for dev/render.html: a few guides of every type, events recorded on window.
import { uiStrings } from '../src/i18n.js';
import { createRenderer } from '../src/render/index.js';

var q = new URLSearchParams(location.search);
if (q.get('hostile')) {
  var l = document.createElement('link');
  l.rel = 'stylesheet';
  l.href = 'hostile.css';
  document.head.append(l);
}
window.violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
});

var XSS = '<p>Hi <strong>there</strong> <em>you</em>. <a href="https://example.com/docs" onclick="window.pwned=1">Docs</a>' +
  ' <a href="javascript:window.pwned=2">js link</a> <a href="mailto:a@b.jp">mail</a></p>' +
  '<img src=x onerror="window.pwned=3"><img src="data:image/png;base64,AAAA" alt="data">' +
  '<script>window.pwned=4<\/script><svg onload="window.pwned=5"><circle r=5></circle></svg>' +
  '<iframe srcdoc="<script>parent.pwned=6<\/script>"></iframe><style>*{display:none!important}</style>' +
  '<div onclick="window.pwned=7">div text kept</div><ul><li>one</li><li>two</li></ul><form><input value=x></form>' +
  '<pre><code>code()</code></pre><details open><summary>sum</summary>detail</details>';

var T = function (kind, title, body, extra) {
  return Object.assign({ kind: kind, title_html: title, body_html: body, target: null, placement: 'bottom', advance: 'next_button', advance_event: null, url: null, position: null, complete_event: null }, extra);
};
var tgt = function (sels, text, strictness) { return { selectors: sels, text: text || null, strictness: strictness || 'normal' }; };

var GUIDES = {
  modal: { key: 'welcome', name: 'Welcome', type: 'modal', backdrop: true, steps: [T('modal', 'Welcome to <em>Acme</em>', XSS)] },
  tour: {
    key: 'tour', name: 'Tour', type: 'tour', backdrop: true, steps: [
      T('modal', 'Start', '<p>Four steps.</p>'),
      T('tooltip', 'New report', '<p>Create a report here.</p>', { target: tgt(['#nope', '[data-tour=new-report]'], 'New report') }),
      T('tooltip', 'Settings', '<p>Placed right, must flip.</p>', { target: tgt(['#right-edge']), placement: 'right' }),
      T('tooltip', 'Far away', '<p>Scrolled into view.</p>', { target: '#far', placement: 'top' }),
    ],
  },
  plain: {
    key: 'plain', name: 'Plain tour', type: 'tour', backdrop: false, steps: [
      T('tooltip', 'One', '<p>No backdrop.</p>', { target: '#share', placement: 'right' }),
      T('tooltip', 'Two', '<p>Click the search box.</p>', { target: '#search', advance: 'target_click' }),
      T('tooltip', 'Three', '<p>Waits for an event.</p>', { target: '#link', advance: 'event', advance_event: 'done_it' }),
    ],
  },
  tooltip: { key: 'tip', name: 'Tip', type: 'tooltip', steps: [T('tooltip', 'Share', '<p>Share it.</p>', { target: '#share', placement: 'top' })] },
  missing: { key: 'missing', name: 'Missing', type: 'tooltip', steps: [T('tooltip', 'Gone', '', { target: tgt(['#gone', '!!bad selector'], null) })] },
  strict: { key: 'strict', name: 'Strict', type: 'tour', steps: [
    T('tooltip', 'Dup', '', { target: tgt(['.dup'], null, 'strict') }),
    T('tooltip', 'Share', '<p>skipped to here</p>', { target: '#share' }),
  ] },
  late: { key: 'late', name: 'Late', type: 'tooltip', steps: [T('tooltip', 'Late', '<p>Appeared later.</p>', { target: '#late-el' })] },
  pause: { key: 'pause', name: 'Pause', type: 'tour', steps: [
    T('modal', 'Here', ''),
    T('tooltip', 'Elsewhere', '', { target: '#x', url: { match: 'prefix', value: '/elsewhere' } }),
  ] },
  hotspot: { key: 'hot', name: 'Hotspot', type: 'hotspot', steps: [T('hotspot', 'New: sharing', '<p>Share with your team.</p>', { target: '#share', placement: 'bottom' })] },
  banner: { key: 'ban', name: 'Banner', type: 'banner', steps: [T('banner', 'Maintenance', '<p>Sunday 02:00–04:00 JST. <a href="https://example.com">Details</a></p>', { position: q.get('pos') || 'top' })] },
  checklist: { key: 'check', name: 'Get started', type: 'checklist', steps: [
    T('checklist_item', 'Create a report', '<p>Use New report.</p>', { complete_event: 'report_created' }),
    T('checklist_item', 'Invite a teammate', '', { complete_event: 'invited' }),
    T('checklist_item', 'Read the docs', ''),
  ] },
  survey: { key: 'nps', name: 'NPS', type: 'survey', steps: [T('nps', 'How likely…', '<p>Survey widgets later.</p>')] },
};

window.events = [];
window.ends = [];
var R = createRenderer({ theme: { primary: q.get('primary') || '#0a7d5a' }, log: Object.assign(console.log.bind(console), { error: console.error.bind(console) }) });
window.harness = {
  R: R,
  GUIDES: GUIDES,
  show: function (name, o) {
    o = o || {};
    return (window.ctrl = R.show(GUIDES[name], {
      startStep: o.startStep || 0,
      targetWaitMs: o.targetWaitMs == null ? 1500 : o.targetWaitMs,
      strings: uiStrings(o.ja ? 'ja' : 'en'),
      emit: function (type, data) { window.events.push([type, data.step, data.properties]); },
      onEnd: function (r) { window.ends.push(r); },
    }));
  },
  addLate: function () {
    var b = document.createElement('button');
    b.id = 'late-el';
    b.textContent = 'Late';
    document.querySelector('main').prepend(b);
  },
};
if (q.get('g')) window.harness.show(q.get('g'), { startStep: +q.get('step') || 0 });
