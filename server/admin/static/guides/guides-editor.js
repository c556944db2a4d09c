// Shirube admin — the guide editor. It builds the form from the definition in
// <script type="application/json" id="guide-data">, keeps the whole definition in memory,
// and posts it as JSON (field "definition", header X-CSRF-Token) to the page's URL, where the
// same model as the REST API validates it. Problems come back with guide-file paths
// (steps[2].target) and are shown next to the matching control. Autosave writes the draft
// only, a few seconds after the last change; leaving with unsaved changes asks first.
(function () {
  'use strict';

  var dataNode = document.getElementById('guide-data');
  var rootNode = document.getElementById('editor-root');
  if (!dataNode || !rootNode) return;
  var DATA = JSON.parse(dataNode.textContent);
  var TEXTS = JSON.parse(document.getElementById('guide-texts').textContent);
  var OPT = DATA.options;
  var READONLY = !!DATA.readonly;
  var form = document.getElementById('guide-form');
  var statusLine = document.getElementById('save-status');
  var summary = document.getElementById('problem-summary');
  var AUTOSAVE_MS = 2500;
  var SURVEY_KINDS = ['nps', 'ces', 'csat'];
  var LANGS = ['en', 'ja', 'ko', 'zh', 'fr', 'de', 'es', 'pt', 'it'];

  function t(text, values) {
    var out = TEXTS[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.replace('%(' + k + ')s', values[k]); });
    return out;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? '' : attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  function clone(v) { return v == null ? v : JSON.parse(JSON.stringify(v)); }
  var fieldCounter = 0;

  /** A labelled control: {wrap, control}. kind: text | number | textarea | select | checkbox. */
  function field(label, kind, value, path, opts) {
    opts = opts || {};
    var id = 'g-' + (++fieldCounter);
    var wrap = el('div', {'class': 'field' + (kind === 'checkbox' ? ' check' : '')});
    var control;
    if (kind === 'select') {
      control = el('select', {id: id});
      (opts.options || []).forEach(function (o) {
        var pair = Array.isArray(o) ? o : [o, o];
        var option = el('option', {value: pair[0]}, pair[1]);
        if (String(pair[0]) === String(value == null ? '' : value)) option.selected = true;
        control.appendChild(option);
      });
    } else if (kind === 'textarea') {
      control = el('textarea', {id: id, rows: opts.rows || 2});
      control.value = value == null ? '' : value;
    } else {
      control = el('input', {id: id, type: kind});
      if (kind === 'checkbox') control.checked = !!value;
      else control.value = value == null ? '' : value;
    }
    if (path) control.setAttribute('data-path', path);
    if (opts.placeholder) control.setAttribute('placeholder', opts.placeholder);
    if (opts.testid) control.setAttribute('data-testid', opts.testid);
    if (opts.cls) control.className = opts.cls;
    if (opts.min != null) control.min = opts.min;
    if (opts.max != null) control.max = opts.max;
    var labelNode = el('label', {'for': id}, label);
    if (kind === 'checkbox') { wrap.appendChild(control); wrap.appendChild(labelNode); }
    else { wrap.appendChild(labelNode); wrap.appendChild(control); }
    if (opts.help) {
      var help = el('p', {'class': 'help', id: id + '-help'}, opts.help);
      control.setAttribute('aria-describedby', id + '-help');
      wrap.appendChild(help);
    }
    if (READONLY) control.disabled = true;
    return {wrap: wrap, control: control};
  }
  function card(title, testid) {
    var id = 'sec-' + (++fieldCounter);
    var section = el('section', {'class': 'card editor-card', 'aria-labelledby': id, 'data-testid': testid});
    section.appendChild(el('h2', {id: id}, title));
    return section;
  }
  function num(text) { return text === '' ? undefined : (isNaN(Number(text)) ? text : Number(text)); }
  function setOrDelete(obj, key, value) {
    if (value === undefined || value === '' || value === null) delete obj[key]; else obj[key] = value;
  }

  // -- state -----------------------------------------------------------------------------
  var initial = DATA.definition || {};
  var def = clone(initial);
  var trIn = def.translations || {};
  delete def.steps; delete def.translations;
  var langs = Object.keys(trIn);
  var trMeta = {};
  langs.forEach(function (l) { trMeta[l] = clone(trIn[l]); delete trMeta[l].steps; });
  var steps = [];
  var uidCounter = 0;
  var dirty = false, saving = false, timer = null, version = 0, inflight = null;

  function changed() {
    if (READONLY) return;
    dirty = true;
    version++;
    setStatus(t('Unsaved changes'));
    clearTimeout(timer);
    timer = setTimeout(function () { save(true); }, AUTOSAVE_MS);
  }
  function setStatus(text) { if (statusLine) statusLine.textContent = text; }

  // -- basics ----------------------------------------------------------------------------
  function basicsCard() {
    var c = card(t('Basics'), 'basics');
    var grid = el('div', {'class': 'grid-2'});
    var name = field(t('Name'), 'text', def.name, 'name');
    name.control.addEventListener('input', function () { def.name = name.control.value; changed(); });
    var type = field(t('Type'), 'select', def.type, 'type', {options: OPT.types});
    type.control.addEventListener('change', function () { def.type = type.control.value; steps.forEach(function (s) { s.refresh(); }); changed(); });
    var priority = field(t('Priority'), 'number', def.priority, 'priority', {help: t('Higher shows first when several guides qualify.')});
    priority.control.addEventListener('input', function () { setOrDelete(def, 'priority', num(priority.control.value)); changed(); });
    var tags = field(t('Tags'), 'text', (def.tags || []).join(', '), 'tags', {help: t('Comma-separated.')});
    tags.control.addEventListener('input', function () {
      var list = tags.control.value.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
      setOrDelete(def, 'tags', list.length ? list : undefined); changed();
    });
    var locale = field(t('Language of the texts'), 'select', def.locale || 'en', 'locale', {options: LANGS});
    locale.control.addEventListener('change', function () { def.locale = locale.control.value; changed(); renderLangs(); });
    var backdrop = field(t('Dim the page behind the guide (backdrop)'), 'checkbox', def.backdrop, 'backdrop');
    backdrop.control.addEventListener('change', function () { setOrDelete(def, 'backdrop', backdrop.control.checked || undefined); changed(); });
    [name, type, priority, tags, locale].forEach(function (f) { grid.appendChild(f.wrap); });
    c.appendChild(grid);
    c.appendChild(backdrop.wrap);
    return c;
  }

  // -- steps -----------------------------------------------------------------------------
  var stepList = el('ol', {'class': 'step-list plain', 'aria-label': t('Steps')});
  var live = el('p', {'class': 'sr-only', 'aria-live': 'polite'});

  function allowedKinds() { return OPT.allowed_kinds[def.type] || OPT.kinds; }

  function makeStep(data, index) {
    var s = {uid: ++uidCounter, data: data, tr: {}, trCols: {}};
    langs.forEach(function (l) { s.tr[l] = clone(((trIn[l] || {}).steps || [])[index] || {}); });
    var li = el('li', {'class': 'step-card card', 'data-testid': 'step'});
    s.card = li;
    var head = el('div', {'class': 'step-head'});
    var handle = el('span', {'class': 'drag-handle', draggable: READONLY ? null : 'true', title: t('Drag to reorder'), 'aria-hidden': 'true'}, '⠿');
    var heading = el('h3', {'class': 'step-title'});
    var kind = field(t('Kind'), 'select', data.kind, null, {options: []});
    kind.control.setAttribute('data-step-path', 'kind');
    kind.wrap.classList.add('field-inline');
    var up = el('button', {type: 'button', 'class': 'btn btn-small', 'data-action': 'up'}, '↑');
    var down = el('button', {type: 'button', 'class': 'btn btn-small', 'data-action': 'down'}, '↓');
    var del = el('button', {type: 'button', 'class': 'btn btn-small btn-danger', 'data-action': 'delete'}, t('Delete'));
    [up, down, del].forEach(function (b) { b.disabled = READONLY; });
    head.appendChild(handle); head.appendChild(heading); head.appendChild(kind.wrap);
    var tools = el('div', {'class': 'step-tools'});
    tools.appendChild(up); tools.appendChild(down); tools.appendChild(del);
    head.appendChild(tools);
    li.appendChild(head);

    // Texts: the default language and each translation, side by side.
    var texts = el('div', {'class': 'step-texts'});
    var main = el('div', {'class': 'lang-col'});
    main.appendChild(el('p', {'class': 'lang-name'}, (def.locale || 'en').toUpperCase()));
    var title = field(t('Title'), 'text', data.title, null, {testid: 'step-title'});
    title.control.setAttribute('data-step-path', 'title');
    title.control.addEventListener('input', function () { data.title = title.control.value; refreshMarkers(); changed(); });
    var body = window.shirubeRichText.create({
      html: DATA.bodies['steps[' + index + '].body'] || '', label: t('Body'), readonly: READONLY, t: t,
      testid: 'step-body', onChange: function (md) { data.body = md; refreshMarkers(); changed(); }
    });
    body.box.setAttribute('data-step-path', 'body');
    main.appendChild(title.wrap); main.appendChild(body.element);
    texts.appendChild(main);
    li.appendChild(texts);
    s.texts = texts;

    function trColumn(lang) {
      var col = el('div', {'class': 'lang-col lang-tr'});
      var tr = s.tr[lang] || (s.tr[lang] = {});
      var headRow = el('p', {'class': 'lang-name'}, lang.toUpperCase() + ' ');
      var marker = el('span', {'class': 'badge badge-warn missing', 'data-testid': 'missing-' + lang}, t('Missing translation'));
      headRow.appendChild(marker);
      col.appendChild(headRow);
      var trTitle = field(t('Title') + ' (' + lang + ')', 'text', tr.title, null);
      trTitle.control.setAttribute('data-step-path', 'tr:' + lang + ':title');
      trTitle.control.addEventListener('input', function () { setOrDelete(tr, 'title', trTitle.control.value); refreshMarkers(); changed(); });
      var trBody = window.shirubeRichText.create({
        html: DATA.bodies['translations.' + lang + '.steps[' + index + '].body'] || '',
        label: t('Body') + ' (' + lang + ')', readonly: READONLY, t: t,
        onChange: function (md) { setOrDelete(tr, 'body', md); refreshMarkers(); changed(); }
      });
      trBody.box.setAttribute('data-step-path', 'tr:' + lang + ':body');
      col.appendChild(trTitle.wrap); col.appendChild(trBody.element);
      col.marker = marker;
      return col;
    }
    s.showLangs = function () {
      Object.keys(s.trCols).forEach(function (l) { s.trCols[l].hidden = langs.indexOf(l) < 0; });
      langs.forEach(function (l) {
        if (!s.trCols[l]) { s.trCols[l] = trColumn(l); texts.appendChild(s.trCols[l]); }
        s.trCols[l].hidden = false;
      });
      texts.classList.toggle('has-tr', langs.length > 0);
    };
    s.markers = function () {
      var missing = 0;
      langs.forEach(function (l) {
        var tr = s.tr[l] || {};
        var need = (data.title && !tr.title) || (data.body && !tr.body);
        s.trCols[l].marker.hidden = !need;
        if (need) missing++;
      });
      return missing;
    };

    // Behaviour and placement.
    var details = el('div', {'class': 'grid-3 step-details'});
    var placement = field(t('Placement'), 'select', data.placement || 'bottom', null, {options: OPT.placements});
    placement.control.setAttribute('data-step-path', 'placement');
    placement.control.addEventListener('change', function () { data.placement = placement.control.value; changed(); });
    var advance = field(t('Next step when'), 'select', data.advance || 'next_button', null, {options: [
      ['next_button', t('the Next button is pressed')], ['target_click', t('the target is clicked')], ['event', t('an event is tracked')]]});
    advance.control.setAttribute('data-step-path', 'advance');
    var advanceEvent = field(t('Event that advances'), 'text', data.advance_event, null);
    advanceEvent.control.setAttribute('data-step-path', 'advance_event');
    advance.control.addEventListener('change', function () { data.advance = advance.control.value; s.refresh(); changed(); });
    advanceEvent.control.addEventListener('input', function () { setOrDelete(data, 'advance_event', advanceEvent.control.value.trim()); changed(); });
    var position = field(t('Banner edge'), 'select', data.position || 'top', null, {options: [['top', t('Top')], ['bottom', t('Bottom')]]});
    position.control.setAttribute('data-step-path', 'position');
    position.control.addEventListener('change', function () { data.position = position.control.value; changed(); });
    var complete = field(t('Event that ticks it off'), 'text', data.complete_event, null);
    complete.control.setAttribute('data-step-path', 'complete_event');
    complete.control.addEventListener('input', function () { setOrDelete(data, 'complete_event', complete.control.value.trim()); changed(); });
    var choices = field(t('Choices, one per line'), 'textarea', (data.choices || []).join('\n'), null, {rows: 3});
    choices.control.setAttribute('data-step-path', 'choices');
    choices.control.addEventListener('input', function () {
      var list = choices.control.value.split('\n').map(function (x) { return x.trim(); }).filter(Boolean);
      setOrDelete(data, 'choices', list.length ? list : undefined); changed();
    });
    [placement, advance, advanceEvent, position, complete, choices].forEach(function (f) { details.appendChild(f.wrap); });
    li.appendChild(details);

    // Target: ordered candidate selectors, text, strictness (+ the visual picker's slot).
    var target = typeof data.target === 'string' ? {selectors: [data.target]} : (data.target || null);
    var tBox = el('fieldset', {'class': 'target-box', 'data-step-path': 'target'});
    tBox.appendChild(el('legend', {}, t('Target element')));
    var selectors = field(t('CSS selectors, one per line (tried in order)'), 'textarea', target ? target.selectors.join('\n') : '', null,
      {rows: 2, cls: 'mono', testid: 'step-selectors', placeholder: '[data-tour=new-report]'});
    selectors.control.setAttribute('data-step-path', 'target.selectors');
    var tText = field(t('Element text (optional)'), 'text', target && target.text, null);
    tText.control.setAttribute('data-step-path', 'target.text');
    var strict = field(t('Strictness'), 'select', (target && target.strictness) || 'normal', null, {options: [
      ['strict', t('Strict: the first selector must match')], ['normal', t('Normal')], ['loose', t('Loose: accept a text match')]]});
    strict.control.setAttribute('data-step-path', 'target.strictness');
    function syncTarget() {
      var list = selectors.control.value.split('\n').map(function (x) { return x.trim(); }).filter(Boolean);
      if (!list.length) { delete data.target; changed(); return; }
      var tg = {selectors: list};
      if (tText.control.value.trim()) tg.text = tText.control.value.trim();
      if (strict.control.value !== 'normal') tg.strictness = strict.control.value;
      data.target = tg;
      changed();
    }
    selectors.control.addEventListener('input', syncTarget);
    tText.control.addEventListener('input', syncTarget);
    strict.control.addEventListener('change', syncTarget);
    var tGrid = el('div', {'class': 'grid-3'});
    [selectors, tText, strict].forEach(function (f) { tGrid.appendChild(f.wrap); });
    tBox.appendChild(tGrid);
    var slot = document.getElementById('target-picker-slot');
    if (slot && slot.content && !READONLY) {
      var picker = slot.content.cloneNode(true);
      tBox.appendChild(picker);
    }
    // The visual picker (added by another module) fires this with the chosen target.
    tBox.addEventListener('shirube-guides:set-target', function (e) {
      var tg = e.detail || {};
      selectors.control.value = (tg.selectors || []).join('\n');
      tText.control.value = tg.text || '';
      strict.control.value = tg.strictness || 'normal';
      syncTarget();
    });
    tBox.addEventListener('click', function (e) {
      var button = e.target.closest('[data-pick-target]');
      if (!button) return;
      var pick = function () {
        tBox.dispatchEvent(new CustomEvent('shirube-guides:pick-target', {bubbles: true,
          detail: {step: steps.indexOf(s), target: data.target || null, guide: def.key}}));
      };
      // The picker works on the saved draft: save unsaved changes first (a new step would
      // not be there yet); if they cannot be saved, the problems are shown instead.
      if (!dirty || READONLY) return pick();
      save(true).then(function (ok) { if (ok) pick(); });
    });
    li.appendChild(tBox);

    s.refresh = function () {
      var kinds = allowedKinds().slice();
      if (kinds.indexOf(data.kind) < 0) kinds.push(data.kind);
      kind.control.replaceChildren();
      kinds.forEach(function (k) { var o = el('option', {value: k}, k); o.selected = k === data.kind; kind.control.appendChild(o); });
      var k = data.kind;
      placement.wrap.hidden = !(k === 'tooltip' || k === 'hotspot');
      advanceEvent.wrap.hidden = data.advance !== 'event';
      position.wrap.hidden = k !== 'banner';
      complete.wrap.hidden = k !== 'checklist_item';
      choices.wrap.hidden = k !== 'single_choice';
      tBox.hidden = !(k === 'tooltip' || k === 'hotspot' || data.advance === 'target_click');
    };
    kind.control.addEventListener('change', function () { data.kind = kind.control.value; s.refresh(); changed(); });

    s.number = function (i, count) {
      heading.textContent = t('Step %(n)s', {n: i + 1});
      up.setAttribute('aria-label', t('Move step %(n)s up', {n: i + 1}));
      down.setAttribute('aria-label', t('Move step %(n)s down', {n: i + 1}));
      del.setAttribute('aria-label', t('Delete step %(n)s', {n: i + 1}));
      up.disabled = READONLY || i === 0;
      down.disabled = READONLY || i === count - 1;
      li.setAttribute('data-index', i);
    };
    up.addEventListener('click', function () { move(steps.indexOf(s), steps.indexOf(s) - 1, 'up'); });
    down.addEventListener('click', function () { move(steps.indexOf(s), steps.indexOf(s) + 1, 'down'); });
    del.addEventListener('click', function () {
      var i = steps.indexOf(s);
      if (!window.confirm(t('Delete step %(n)s?', {n: i + 1}))) return;
      steps.splice(i, 1);
      li.remove();
      renumber();
      changed();
      live.textContent = t('Step %(n)s deleted.', {n: i + 1});
      var next = steps[Math.min(i, steps.length - 1)];
      (next ? next.card.querySelector('[data-action=delete]') : addButton).focus();
    });
    // Drag and drop (the move buttons do the same from the keyboard).
    handle.addEventListener('dragstart', function (e) {
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(steps.indexOf(s)));
      e.dataTransfer.setDragImage(li, 20, 20);
      li.classList.add('dragging');
    });
    handle.addEventListener('dragend', function () { li.classList.remove('dragging'); });
    li.addEventListener('dragover', function (e) { e.preventDefault(); li.classList.add('drop-target'); });
    li.addEventListener('dragleave', function () { li.classList.remove('drop-target'); });
    li.addEventListener('drop', function (e) {
      e.preventDefault();
      li.classList.remove('drop-target');
      var from = parseInt(e.dataTransfer.getData('text/plain'), 10);
      if (!isNaN(from)) move(from, steps.indexOf(s));
    });
    s.refresh();
    s.showLangs();
    return s;
  }

  function move(from, to, focusAction) {
    if (to < 0 || to >= steps.length || from === to) return;
    var s = steps.splice(from, 1)[0];
    steps.splice(to, 0, s);
    stepList.replaceChildren.apply(stepList, steps.map(function (x) { return x.card; }));
    renumber();
    changed();
    live.textContent = t('Step moved to position %(n)s.', {n: to + 1});
    if (focusAction) {
      var b = s.card.querySelector('[data-action=' + focusAction + ']');
      if (b.disabled) b = s.card.querySelector('[data-action=' + (focusAction === 'up' ? 'down' : 'up') + ']');
      b.focus();
    }
  }

  function renumber() {
    steps.forEach(function (s, i) {
      s.number(i, steps.length);
      s.card.querySelectorAll('[data-step-path]').forEach(function (c) {
        var sub = c.getAttribute('data-step-path');
        var m = /^tr:([^:]+):(.*)$/.exec(sub);
        c.setAttribute('data-path', m ? 'translations.' + m[1] + '.steps[' + i + '].' + m[2] : 'steps[' + i + '].' + sub);
      });
      s.card.setAttribute('data-path', 'steps[' + i + ']');
    });
  }

  var addButton = el('button', {type: 'button', 'class': 'btn', 'data-testid': 'add-step'}, '+ ' + t('Add step'));
  addButton.disabled = READONLY;
  addButton.addEventListener('click', function () {
    var kinds = allowedKinds();
    var kindName = kinds.indexOf('tooltip') >= 0 ? 'tooltip' : kinds[0];
    var s = makeStep({kind: kindName, title: '', body: ''}, -1);
    steps.push(s);
    stepList.appendChild(s.card);
    renumber();
    refreshMarkers();
    changed();
    live.textContent = t('Step %(n)s added.', {n: steps.length});
    s.card.querySelector('input[data-step-path=title]').focus();
  });

  function stepsCard() {
    var c = card(t('Steps'), 'steps');
    c.setAttribute('data-path', 'steps');
    (Array.isArray(initial.steps) ? initial.steps : []).forEach(function (data, i) {
      var s = makeStep(clone(data), i);
      steps.push(s);
      stepList.appendChild(s.card);
    });
    renumber();
    c.appendChild(el('p', {'class': 'help'}, t('Reorder by dragging a step by its handle, or with its ↑ and ↓ buttons.')));
    c.appendChild(stepList);
    c.appendChild(addButton);
    c.appendChild(live);
    return c;
  }

  // -- audience, when, translations ------------------------------------------------------
  var audience;
  function audienceCard() {
    var c = card(t('Audience'), 'audience');
    c.appendChild(el('p', {'class': 'help'}, t('Who may see the guide, checked on the server. Traits offered are the ones seen in this environment.')));
    audience = window.shirubeAudience.create({
      rule: clone(def.audience), traits: DATA.traits, t: t, readonly: READONLY,
      attrOps: OPT.attr_ops, eventOps: OPT.event_ops, onChange: changed
    });
    c.appendChild(audience.element);
    return c;
  }

  function whenCard() {
    var c = card(t('When it shows'), 'when');
    var trig = def.trigger = def.trigger || {};
    var grid = el('div', {'class': 'grid-3'});
    var on = field(t('Show on'), 'select', trig.on || 'page_load', 'trigger.on', {options: [
      ['page_load', t('page load')], ['element_visible', t('an element becomes visible')],
      ['element_click', t('an element is clicked')], ['event', t('a tracked event')], ['manual', t('only when called from code')]]});
    var url = trig.url || {};
    var match = field(t('Page URL match'), 'select', url.match || 'glob', 'trigger.url.match', {options: [
      ['exact', t('exactly')], ['prefix', t('starts with')], ['glob', t('glob pattern')], ['regex', t('regular expression')]]});
    var urlValue = field(t('Page URL'), 'text', url.value, 'trigger.url.value', {placeholder: '/app/*', help: t('Path, query and hash; empty = every page.')});
    var selector = field(t('Element selector'), 'text', trig.selector, 'trigger.selector', {cls: 'mono'});
    var event = field(t('Event name'), 'text', trig.event, 'trigger.event');
    var delay = field(t('Delay (ms)'), 'number', trig.delay_ms, 'trigger.delay_ms', {min: 0});
    function syncTrigger() {
      trig.on = on.control.value;
      setOrDelete(trig, 'selector', /^element_/.test(trig.on) ? selector.control.value.trim() : undefined);
      setOrDelete(trig, 'event', trig.on === 'event' ? event.control.value.trim() : undefined);
      setOrDelete(trig, 'delay_ms', num(delay.control.value));
      var v = urlValue.control.value.trim();
      setOrDelete(trig, 'url', v ? {match: match.control.value, value: v} : undefined);
      selector.wrap.hidden = !/^element_/.test(trig.on);
      event.wrap.hidden = trig.on !== 'event';
    }
    [on, match].forEach(function (f) { f.control.addEventListener('change', function () { syncTrigger(); changed(); }); });
    [urlValue, selector, event, delay].forEach(function (f) { f.control.addEventListener('input', function () { syncTrigger(); changed(); }); });
    [on, match, urlValue, selector, event, delay].forEach(function (f) { grid.appendChild(f.wrap); });
    syncTrigger();
    c.appendChild(el('h3', {}, t('Trigger')));
    c.appendChild(grid);

    var freq = typeof def.frequency === 'string' ? {mode: def.frequency} : (def.frequency || {mode: 'once'});
    var fGrid = el('div', {'class': 'grid-3'});
    var mode = field(t('How often'), 'select', freq.mode, 'frequency.mode', {options: [
      ['once', t('once')], ['until_completed', t('until completed')], ['every_days', t('every N days')], ['max_times', t('at most N times')]]});
    var days = field(t('Days'), 'number', freq.days, 'frequency.days', {min: 1});
    var times = field(t('Times'), 'number', freq.times, 'frequency.times', {min: 1});
    function syncFreq() {
      var f = {mode: mode.control.value};
      if (f.mode === 'every_days') f.days = num(days.control.value);
      if (f.mode === 'max_times') f.times = num(times.control.value);
      def.frequency = f;
      days.wrap.hidden = f.mode !== 'every_days';
      times.wrap.hidden = f.mode !== 'max_times';
    }
    mode.control.addEventListener('change', function () { syncFreq(); changed(); });
    [days, times].forEach(function (f) { f.control.addEventListener('input', function () { syncFreq(); changed(); }); });
    [mode, days, times].forEach(function (f) { fGrid.appendChild(f.wrap); });
    syncFreq();
    c.appendChild(el('h3', {}, t('Frequency')));
    c.appendChild(fGrid);

    var sched = def.schedule || {};
    var sGrid = el('div', {'class': 'grid-3'});
    var start = field(t('Live from'), 'text', sched.start, 'schedule.start', {placeholder: '2026-12-01'});
    var end = field(t('Live until'), 'text', sched.end, 'schedule.end', {placeholder: '2027-01-31'});
    var holdout = field(t('Holdout (%)'), 'number', def.holdout_percent, 'holdout_percent', {min: 0, max: 50,
      help: t('A stable share of the audience that never sees the guide, to measure lift.')});
    function syncSched() {
      var sc = {};
      setOrDelete(sc, 'start', start.control.value.trim());
      setOrDelete(sc, 'end', end.control.value.trim());
      setOrDelete(def, 'schedule', Object.keys(sc).length ? sc : undefined);
      setOrDelete(def, 'holdout_percent', num(holdout.control.value));
    }
    [start, end, holdout].forEach(function (f) { f.control.addEventListener('input', function () { syncSched(); changed(); }); sGrid.appendChild(f.wrap); });
    c.appendChild(el('h3', {}, t('Schedule and holdout')));
    c.appendChild(sGrid);

    var goal = def.goal || {};
    var gGrid = el('div', {'class': 'grid-3'});
    var gEvent = field(t('Goal event'), 'text', goal.event, 'goal.event', {help: t('The tracked event the guide should lead to.')});
    var gDays = field(t('Within days'), 'number', goal.within_days, 'goal.within_days', {min: 1});
    function syncGoal() {
      var ev = gEvent.control.value.trim();
      if (!ev) { delete def.goal; return; }
      var g = {event: ev};
      setOrDelete(g, 'within_days', num(gDays.control.value));
      def.goal = g;
    }
    [gEvent, gDays].forEach(function (f) { f.control.addEventListener('input', function () { syncGoal(); changed(); }); gGrid.appendChild(f.wrap); });
    c.appendChild(el('h3', {}, t('Goal')));
    c.appendChild(gGrid);
    return c;
  }

  var langBox = el('div', {'class': 'lang-list'});
  function refreshMarkers() {
    var total = 0;
    steps.forEach(function (s) { total += s.markers(); });
    langs.forEach(function (l) {
      var m = document.querySelector('[data-name-missing="' + l + '"]');
      if (m) m.hidden = !!(trMeta[l] || {}).name;
    });
    var counter = document.getElementById('missing-count');
    if (counter) counter.textContent = total ? t('%(n)s step texts lack a translation.', {n: total}) : '';
  }
  function renderLangs() {
    langBox.replaceChildren();
    langs.forEach(function (l) {
      var meta = trMeta[l] = trMeta[l] || {};
      var row = el('div', {'class': 'row lang-row'});
      var name = field(t('Guide name in %(lang)s', {lang: l}), 'text', meta.name, 'translations.' + l + '.name');
      name.control.addEventListener('input', function () { setOrDelete(meta, 'name', name.control.value); refreshMarkers(); changed(); });
      row.appendChild(name.wrap);
      var miss = el('span', {'class': 'badge badge-warn', 'data-name-missing': l}, t('Missing translation'));
      row.appendChild(miss);
      var rm = el('button', {type: 'button', 'class': 'btn btn-small btn-danger'}, t('Remove %(lang)s', {lang: l}));
      rm.disabled = READONLY;
      rm.addEventListener('click', function () {
        if (!window.confirm(t('Remove the %(lang)s translation?', {lang: l}))) return;
        langs.splice(langs.indexOf(l), 1);
        steps.forEach(function (s) { s.showLangs(); });
        renderLangs(); changed();
      });
      row.appendChild(rm);
      langBox.appendChild(row);
    });
    var addRow = el('div', {'class': 'row'});
    var choices = LANGS.filter(function (l) { return langs.indexOf(l) < 0 && l !== (def.locale || 'en'); });
    if (choices.length && !READONLY) {
      var pick = field(t('Add a language'), 'select', choices[0], null, {options: choices});
      var add = el('button', {type: 'button', 'class': 'btn btn-small'}, t('Add translation'));
      add.addEventListener('click', function () {
        langs.push(pick.control.value);
        steps.forEach(function (s) { s.showLangs(); });
        renumber(); renderLangs(); refreshMarkers(); changed();
      });
      addRow.appendChild(pick.wrap);
      addRow.appendChild(add);
    }
    langBox.appendChild(addRow);
    refreshMarkers();
  }
  function translationsCard() {
    var c = card(t('Translations'), 'translations');
    c.appendChild(el('p', {'class': 'help'}, t('Translated titles and bodies sit next to the original in each step. Empty fields fall back to the original.')));
    c.appendChild(el('p', {id: 'missing-count', 'class': 'muted', 'aria-live': 'polite'}));
    c.appendChild(langBox);
    return c;
  }

  // -- building, saving, errors ----------------------------------------------------------
  function cleanStep(s) {
    var d = clone(s.data);
    var k = d.kind;
    if (d.advance !== 'event') delete d.advance_event;
    if (k !== 'checklist_item') delete d.complete_event;
    if (k !== 'banner') delete d.position;
    if (k !== 'ces') delete d.scale;
    if (SURVEY_KINDS.indexOf(k) < 0) { delete d.low_label; delete d.high_label; }
    if (k !== 'nps') delete d.followup;
    if (k !== 'single_choice') delete d.choices;
    return d;
  }
  function build() {
    var out = clone(def);
    var rule = audience.rule();
    setOrDelete(out, 'audience', rule ? clone(rule) : undefined);
    if (out.trigger && !Object.keys(out.trigger).length) delete out.trigger;
    out.steps = steps.map(cleanStep);
    var translations = {};
    langs.forEach(function (l) {
      var tr = clone(trMeta[l] || {});
      var list = steps.map(function (s) {
        var x = clone(s.tr[l] || {});
        Object.keys(x).forEach(function (key) { if (x[key] === '' || x[key] == null) delete x[key]; });
        return x;
      });
      while (list.length && !Object.keys(list[list.length - 1]).length) list.pop();
      if (list.length) tr.steps = list;
      if (!tr.name) delete tr.name;
      translations[l] = tr;
    });
    if (Object.keys(translations).length) out.translations = translations;
    return out;
  }

  function clearProblems() {
    document.querySelectorAll('.editor-error').forEach(function (n) { n.remove(); });
    document.querySelectorAll('[aria-invalid=true]').forEach(function (n) {
      n.removeAttribute('aria-invalid');
      var ids = (n.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x.indexOf('err-') !== 0; });
      if (ids.length) n.setAttribute('aria-describedby', ids.join(' ')); else n.removeAttribute('aria-describedby');
    });
    summary.hidden = true;
    summary.querySelector('ul').replaceChildren();
  }
  function findControl(path) {
    var p = path;
    while (p) {
      var found = rootNode.querySelector('[data-path="' + p.replace(/"/g, '\\"') + '"]');
      if (found) return found;
      var next = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
      if (next === p) break;
      p = next;
    }
    return null;
  }
  var errorCounter = 0;
  function showProblems(problems) {
    clearProblems();
    if (!problems.length) return;
    var list = summary.querySelector('ul');
    problems.forEach(function (p) {
      var control = findControl(p.path);
      var id = 'err-' + (++errorCounter);
      var text = (p.path ? p.path + ': ' : '') + p.message;
      var li = el('li');
      if (control) {
        var msg = el('p', {'class': 'error editor-error', id: id, 'data-testid': 'field-error'}, p.message);
        var anchor = control.closest('.field, .richtext, fieldset, .rule-item, .card') || control;
        if (anchor === control || anchor.classList.contains('card')) control.insertAdjacentElement('afterend', msg);
        else anchor.appendChild(msg);
        if (/^(INPUT|SELECT|TEXTAREA)$/.test(control.nodeName) || control.getAttribute('role') === 'textbox') {
          control.setAttribute('aria-invalid', 'true');
          control.setAttribute('aria-describedby', ((control.getAttribute('aria-describedby') || '') + ' ' + id).trim());
        }
        var link = el('a', {href: '#' + id}, text);
        link.addEventListener('click', function (e) {
          e.preventDefault();
          (control.focus ? control : msg).focus();
          control.scrollIntoView({block: 'center'});
        });
        li.appendChild(link);
      } else {
        li.textContent = text;
      }
      list.appendChild(li);
    });
    summary.hidden = false;
  }

  function save(auto) {
    if (READONLY) return Promise.resolve(false);
    // A save is on its way: this one follows it (it carries the changes made since).
    if (saving) return inflight.then(function () { return save(auto); });
    clearTimeout(timer);
    saving = true;
    var sentVersion = version;
    var definition = build();
    var saved = false;
    var raw = document.getElementById('f-definition');
    if (raw) raw.value = JSON.stringify(definition, null, 2);
    setStatus(auto ? t('Saving draft…') : t('Saving…'));
    inflight = window.shirubeAdmin.fetch(DATA.save_url, {
      method: 'POST', headers: {Accept: 'application/json'},
      body: new URLSearchParams({definition: JSON.stringify(definition), mode: auto ? 'autosave' : 'save'})
    }).then(function (r) {
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      saving = false;
      if (res.body.ok) {
        saved = true;
        clearProblems();
        if (version === sentVersion) dirty = false;
        var when = new Date().toLocaleTimeString(document.documentElement.lang, {hour: '2-digit', minute: '2-digit'});
        setStatus((auto ? t('Draft saved automatically at %(time)s.') : t('Draft saved at %(time)s.')).replace('%(time)s', when));
        if (dirty) timer = setTimeout(function () { save(true); }, AUTOSAVE_MS);
      } else {
        showProblems(res.body.problems || []);
        setStatus(t('Not saved: fix the marked fields.'));
        if (!auto) summary.focus();
      }
      return saved;
    }).catch(function () {
      saving = false;
      setStatus(t('Not saved: the server could not be reached. Your changes are still here.'));
      return false;
    });
    return inflight;
  }

  // -- start -----------------------------------------------------------------------------
  var fallback = document.getElementById('json-fallback');
  if (fallback) fallback.hidden = true;
  rootNode.appendChild(basicsCard());
  rootNode.appendChild(stepsCard());
  rootNode.appendChild(audienceCard());
  rootNode.appendChild(whenCard());
  rootNode.appendChild(translationsCard());
  renderLangs();
  steps.forEach(function (s) { s.showLangs(); });
  renumber();
  refreshMarkers();
  if (DATA.problems && DATA.problems.length) showProblems(DATA.problems);

  if (form) {
    form.addEventListener('submit', function (e) { e.preventDefault(); save(false); });
  }
  window.addEventListener('beforeunload', function (e) {
    if (dirty && !READONLY) { e.preventDefault(); e.returnValue = ''; }
  });
  document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === 's' && !READONLY) { e.preventDefault(); save(false); }
  });
  window.shirubeGuideEditor = {build: build, save: save, isDirty: function () { return dirty; }};
})();
