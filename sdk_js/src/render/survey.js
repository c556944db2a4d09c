// Survey guides (type "survey"): a scored question — nps 0–10, ces 1–5/1–7, csat 1–5 —
// with its follow-up, then text / single_choice questions and a thank-you screen, in a
// small corner widget. Built into the lazy chunk shirube-survey.js (survey-chunk.js),
// loaded by survey-lazy.js only when a survey is due; the card builders come from the
// main bundle (`k`), so both look and behave alike. Wire format: docs/sdk-contract.md.
//
// DOM (in the shadow root, besides the card's own ids, see index.js):
//   shirube-guide[data-kind=survey]   the card (data-step = the step index)
//   shirube-survey-scale              role=radiogroup; options shirube-survey-option
//                                     (role=radio, data-value, aria-checked, aria-label "7 — likely")
//   shirube-survey-ends               the low/high captions under the scale
//   shirube-survey-choices            single_choice options (role=radiogroup, same option ids)
//   shirube-survey-comment            the follow-up / text answer (textarea)
//   shirube-survey-send, -skip        its buttons; shirube-later (ask me later), shirube-done
import { createDisposer } from '../disposer.js';
import { followupFor, optionLabel, scaleKey, scaleOf } from './survey-model.js';
import { activeEl, focus } from './ui.js';

var T = {
  en: { send: 'Send', skip: 'Skip', hint: 'Your answer (optional)' },
  ja: { send: '送信', skip: 'スキップ', hint: 'ご回答（任意）' },
};
var CSS =
  '[data-kind=survey]{top:auto;left:auto;right:16px;bottom:16px;width:380px}' +
  '[role=radiogroup]{display:flex;gap:3px;margin:8px 0 4px}' +
  '[role=radio]{flex:1;min-width:0;padding:8px 0;text-align:center}' +
  '[data-choices]{flex-direction:column}[data-choices] [role=radio]{text-align:left;padding:8px 12px}' +
  '[aria-checked=true]{background:var(--p,#4f46e5);color:#fff}' +
  '[data-testid=shirube-survey-ends]{display:flex;justify-content:space-between;gap:8px;font-size:12px;opacity:.8}' +
  'label{display:block;margin:8px 0 4px;font-weight:600}' +
  'textarea{display:block;width:100%;min-height:72px;padding:6px 8px;font:inherit;color:inherit;background:0;border:1px solid #0006;border-radius:6px;resize:vertical}' +
  '@media (max-width:480px){[data-kind=survey]{right:8px;left:8px;bottom:8px;width:auto;max-width:none;padding:12px}}';
var sheet;

/** The survey stylesheet, added to the renderer's shadow root once. */
function style(root, nonce) {
  if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    if (root.adoptedStyleSheets.indexOf(sheet) < 0) root.adoptedStyleSheets = root.adoptedStyleSheets.concat(sheet);
  } else if (!root.querySelector('style[data-s]')) {
    var el = document.createElement('style');
    el.setAttribute('data-s', '');
    if (nonce) el.setAttribute('nonce', nonce);
    el.textContent = CSS;
    root.append(el);
  }
}

/**
 * Show survey guide `g` in `host` (the renderer's shadow-root host). `o` are the core's
 * show options (README "Renderer interface") plus `lang` (the guide's language), `base`
 * (the guide before translation: single_choice answers are sent as authored) and `nonce`;
 * `k` the card kit of the main bundle: {h, btn, card, keys}.
 * @returns {{destroy: () => void, step: () => number}}
 */
export function runSurvey(host, g, o, k) {
  var h = k.h;
  var steps = g.steps || [];
  var n = steps.length;
  var base = (o.base && o.base.steps) || steps;
  var lang = String(o.lang || 'en').toLowerCase().split(/[-_]/)[0];
  var S = Object.assign({}, o.strings, T[lang] || T.en);
  var d = createDisposer();
  var prev = activeEl();
  var cur = -1;
  var sd; // the current step's disposer
  var box; // the current card (keyboard: Esc)
  var asked; // when this showing started: every answer of it carries it (asked_at)
  var scored; // the score was sent: "ask me later" is no longer offered
  var pacing = g.pacing || {};
  var emit = (type, i, props) => o.emit(type, { step: i, properties: props || {} });
  var answer = (i, props) =>
    emit('survey_answered', i, Object.assign({ kind: steps[i].kind, asked_at: asked, locale: o.lang || null, url: location.href }, props));
  var stop = (reason) => {
    if (d.disposed) return;
    d.dispose();
    var a = document.activeElement;
    if (prev && prev.isConnected && (!a || a == document.body || a == host.el)) focus(prev);
    o.onEnd(reason);
  };
  var end = (type, reason, props) => {
    if (!d.disposed) emit(type, cur, props);
    stop(reason);
  };
  var next = () => {
    if (d.disposed) return;
    emit('step_completed', cur);
    cur < n - 1 ? go(cur + 1) : end('guide_completed', 'completed');
  };
  var snooze = () => {
    var days = pacing.snooze_days || 7;
    // days: the server holds the survey back that long; until: the core's local state agrees.
    end('guide_snoozed', 'snoozed', { days: days, until: new Date(Date.now() + days * 864e5).toISOString() });
  };

  /** A row of buttons at the bottom of the card. */
  var footer = (s, list) => {
    var f = h('div', { 'data-f': '' });
    f.append(h('span'));
    list.forEach((b) => b && f.append(k.btn(s, b[0], b[1], b[2])));
    return f;
  };

  /**
   * A radiogroup of `labels` (roving tabindex); `pick(index)` on click, Enter/Space, or a
   * digit when `min` (the value of option 0) is given.
   */
  function radios(s, id, labels, texts, min, pick, labelledby) {
    var g2 = h('div', { t: id, role: 'radiogroup', 'aria-labelledby': labelledby, 'data-choices': min == null ? '' : null });
    var opts = texts.map((text, i) => {
      var b = h('button', { type: 'button', role: 'radio', t: 'survey-option', 'data-value': min == null ? i : min + i,
        'aria-checked': 'false', 'aria-label': labels[i], tabindex: i ? -1 : 0 }, text);
      s.listen(b, 'click', () => choose(i));
      g2.append(b);
      return b;
    });
    var moveTo = (i) => {
      opts.forEach((b, j) => b.setAttribute('tabindex', i == j ? 0 : -1));
      focus(opts[i]);
    };
    var chosen;
    var choose = (i) => {
      // Once: a key's late click (Space activates on keyup) must not answer twice.
      if (s.disposed || chosen) return;
      chosen = 1;
      opts.forEach((b, j) => b.setAttribute('aria-checked', i == j));
      moveTo(i);
      pick(i);
    };
    s.listen(g2, 'keydown', (e) => {
      if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
      var r = scaleKey(e.key, Math.max(0, opts.indexOf(activeEl())), opts.length, min);
      if (!r) return;
      e.preventDefault();
      e.stopPropagation(); // consumed: the host page's own shortcuts do not see it
      r.move != null ? moveTo(r.move) : choose(r.pick);
    });
    g2.first = opts[0];
    return g2;
  }

  /** A text answer: label + textarea + [Skip] [Send]; `send(text)` with a non-empty answer. */
  function textAnswer(s, body, question, send) {
    var id = 'sq' + cur;
    var ta = h('textarea', { id: id, t: 'survey-comment', rows: 3, maxlength: 2000, placeholder: S.hint });
    if (question) body.append(h('label', { for: id }, question));
    else ta.setAttribute('aria-label', S.hint);
    body.append(ta, footer(s, [
      ['survey-skip', S.skip, next],
      ['survey-send', S.send, () => {
        var v = ta.value.trim();
        if (v) send(v);
        next();
      }],
    ]));
    return ta;
  }

  function go(i) {
    var st = steps[i];
    if (d.disposed || !st) return;
    if (sd) sd.dispose();
    var s = (sd = createDisposer());
    d.add(s.dispose);
    cur = i;
    var kind = st.kind;
    var sc = scaleOf(st);
    var b = k.card(s, g, 'survey', { i: i, S: S, title: st.title_html, body: st.body_html || null, close: () => end('guide_dismissed', 'dismissed') });
    var body = h('div');
    var first; // what takes focus
    var tid = b.getAttribute('aria-labelledby');
    b.append(body);
    if (sc) {
      var vals = [];
      for (var v = sc.min; v <= sc.max; v++) vals.push(v);
      var group = radios(s, 'survey-scale', vals.map((x) => optionLabel(st, x, sc, lang)), vals, sc.min, (j) => {
        var score = vals[j];
        var q = followupFor(st, score);
        var props = { score: score, scale: sc.max };
        scored = 1;
        answer(i, props); // the score first: a widget closed now still counts
        if (!q) return next();
        // The follow-up replaces the scale, in the same card and step (its answer is the comment).
        body.textContent = '';
        focus(textAnswer(s, body, q, (c) => answer(i, Object.assign({ comment: c }, props))));
      }, tid);
      var ends = h('div', { t: 'survey-ends', 'aria-hidden': 'true' });
      ends.append(h('span', null, st.low_label || ''), h('span', null, st.high_label || ''));
      body.append(group, ends, footer(s, [!scored && g.snooze !== false && ['later', S.later, snooze]]));
      first = group.first;
    } else if (kind == 'single_choice') {
      var ch = st.choices || [];
      var authored = (base[i] && base[i].choices) || ch;
      var list = radios(s, 'survey-choices', ch, ch, null, (j) => {
        answer(i, { answer: authored[j] == null ? ch[j] : authored[j] });
        next();
      }, tid);
      body.append(list, footer(s, [['survey-skip', S.skip, next]]));
      first = list.first;
    } else if (kind == 'text') {
      first = textAnswer(s, body, null, (v) => answer(i, { answer: v }));
    } else {
      // thank_you (last: Done completes), or a modal intro (Next; ask me later before answering).
      var last = i == n - 1;
      body.append(footer(s, [
        !last && !scored && g.snooze !== false && ['later', S.later, snooze],
        last ? ['done', S.done, next] : ['next', S.next, next],
      ]));
      first = body.querySelector('button:last-child');
    }
    s.add(() => b.remove());
    host.root.append(b);
    box = b;
    focus(first || b);
    if (!asked) {
      asked = new Date().toISOString();
      emit('guide_seen', i);
    }
    emit('step_seen', i);
  }

  style(host.root, o.nonce);
  k.keys(d, () => box, () => false);
  go(o.startStep > 0 && o.startStep < n ? o.startStep : 0);
  return {
    destroy: () => stop(),
    step: () => cur,
  };
}
