// Acme Reports: a tiny hash-routed SPA standing in for a customer's product.
// It only talks to Shirube through the public snippet API: shirube('track', …).
(function () {
  'use strict';
  var acme = window.acme;
  var main = document.getElementById('main');
  var toastEl = document.getElementById('toast');
  var toastTimer = 0;

  function track(name, props) {
    if (typeof window.shirube === 'function') window.shirube('track', name, props || {});
  }

  function toast(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastEl.hidden = true; }, 2500);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  // ---- sample data -------------------------------------------------------------
  var OWNERS = ['Dana Ito', 'Sam Carter', '佐藤 由紀', 'Priya Nair', 'Luis Ortega', 'Mei Chen'];
  var TOPICS = ['Revenue', 'Churn', 'Signups', 'Support tickets', 'Inventory', 'Ad spend', 'NPS',
    'Shipping times', 'Refunds', 'Trial conversions'];
  var PERIODS = ['weekly', 'monthly', 'Q3', 'by region', 'by plan', 'year over year'];
  var STATUSES = ['Shared', 'Draft', 'Scheduled'];
  var reports = [];
  for (var i = 0; i < 30; i++) {
    reports.push({
      name: TOPICS[i % TOPICS.length] + ' ' + PERIODS[(i * 7) % PERIODS.length],
      owner: OWNERS[(i * 5) % OWNERS.length],
      rows: 120 + ((i * 7919) % 9800),
      updated: new Date(Date.now() - (i * 37 % 60) * 864e5 - i * 3600e3).toISOString().slice(0, 10),
      status: STATUSES[(i * 3) % STATUSES.length],
    });
  }
  var sort = { key: 'updated', dir: -1 };
  var members = ['dana@acme.example', 'sam@acme.example'];

  var ACTIVITY = [
    'Revenue weekly was shared with Finance', 'Priya commented on Churn by plan',
    'Signups monthly refreshed (3,204 rows)', 'Scheduled export “Ad spend Q3” ran',
    'Luis created Inventory by region', 'Mei changed the owner of NPS weekly',
    'Refunds monthly was exported to CSV', 'Trial conversions Q3 refreshed',
    'Sam archived Shipping times (old)', 'Support tickets by plan shared with Support',
    'Dana invited jo@northwind.example', 'Data source “Postgres (prod)” synced',
    'Churn year over year refreshed', 'Priya pinned Revenue by region',
    'Mei created Signups by plan', 'Weekly digest sent to 14 people',
    'Ad spend monthly refreshed', 'Quarterly revenue review shared with you',
    'Luis renamed Inventory weekly', 'Data source “Stripe” synced',
    'Sam commented on Refunds Q3', 'NPS by region refreshed', 'Dana exported Churn monthly',
    'Support tickets weekly refreshed',
  ];

  // ---- views -------------------------------------------------------------------
  function bindCommon(root) {
    root.querySelectorAll('[data-bind=name]').forEach(function (n) { n.textContent = acme.user.traits.name; });
    root.querySelectorAll('[data-bind=report-count]').forEach(function (n) { n.textContent = String(reports.length); });
  }

  function newReport() {
    var n = reports.length + 1;
    var report = { name: 'Untitled report ' + n, owner: acme.user.traits.name, rows: 0,
      updated: new Date().toISOString().slice(0, 10), status: 'Draft' };
    reports.unshift(report);
    track('report_created', { rows: report.rows, source: location.hash.replace('#/', '') });
    toast('Report “' + report.name + '” created');
    if (location.hash === '#/reports') render();
    else bindCommon(main);
  }

  function renderDashboard(root) {
    var list = root.querySelector('#activity');
    ACTIVITY.forEach(function (text, i) {
      var item = el('li', {}, null);
      item.appendChild(el('span', { class: 'dot' }));
      item.appendChild(el('span', {}, text));
      item.appendChild(el('time', {}, (i + 1) * 7 + ' min ago'));
      if (i === 17) item.setAttribute('data-tour', 'panel-item');
      list.appendChild(item);
    });
  }

  function renderTable(root) {
    var body = root.querySelector('tbody');
    body.textContent = '';
    var rows = reports.slice().sort(function (a, b) {
      var x = a[sort.key], y = b[sort.key];
      return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
    });
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('td', {}, r.name));
      tr.appendChild(el('td', {}, r.owner));
      tr.appendChild(el('td', { class: 'num' }, r.rows.toLocaleString('en-US')));
      tr.appendChild(el('td', {}, r.updated));
      var status = el('td');
      status.appendChild(el('span', { class: 'pill pill-' + r.status.toLowerCase() }, r.status));
      tr.appendChild(status);
      body.appendChild(tr);
    });
    root.querySelectorAll('th').forEach(function (th) {
      var key = th.querySelector('button').getAttribute('data-sort');
      th.setAttribute('aria-sort', key === sort.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
  }

  function renderReports(root) {
    renderTable(root);
    root.querySelector('thead').addEventListener('click', function (e) {
      var button = e.target.closest('button[data-sort]');
      if (!button) return;
      var key = button.getAttribute('data-sort');
      sort = { key: key, dir: sort.key === key ? -sort.dir : 1 };
      renderTable(main);
    });
  }

  function showError(node, text) {
    node.textContent = text || '';
    node.hidden = !text;
  }

  function renderSettings(root) {
    var form = root.querySelector('#settings-form');
    var t = acme.user.traits;
    form.elements.name.value = t.name;
    form.elements.email.value = t.email;
    form.elements.language.value = t.locale === 'ja' ? 'ja' : 'en';
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var err = root.querySelector('#settings-error');
      var name = form.elements.name.value.trim();
      var email = form.elements.email.value.trim();
      if (!name || !/^[^@\s]+@[^@\s]+$/.test(email)) {
        return showError(err, 'Please enter your name and a valid email address.');
      }
      showError(err, '');
      acme.store.setItem('acme_name:' + acme.user.id, name);
      acme.store.setItem('acme_email:' + acme.user.id, email);
      var lang = form.elements.language.value;
      track('settings_saved', { language: lang, digest: form.elements.digest.checked });
      if (lang !== t.locale) {
        toast('Saved. Switching language…');
        // Give the SDK a moment to queue the event; it is flushed on pagehide anyway.
        setTimeout(function () { acme.setLanguage(lang); }, 300);
      } else {
        t.name = name;
        t.email = email;
        toast('Settings saved');
      }
    });
    var invite = root.querySelector('#invite-form');
    var list = root.querySelector('#members');
    function drawMembers() {
      list.textContent = '';
      members.forEach(function (m) { list.appendChild(el('li', {}, m)); });
    }
    drawMembers();
    invite.addEventListener('submit', function (e) {
      e.preventDefault();
      var err = root.querySelector('#invite-error');
      var email = invite.elements.invite.value.trim();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) return showError(err, 'Enter a valid email address.');
      showError(err, '');
      members.push(email);
      drawMembers();
      invite.reset();
      track('invite_sent', { domain: email.split('@')[1] });
      toast('Invitation sent to ' + email);
    });
  }

  var ROUTES = {
    dashboard: { title: 'Dashboard', render: renderDashboard },
    reports: { title: 'Reports', render: renderReports },
    settings: { title: 'Settings', render: renderSettings },
  };

  function currentRoute() {
    var name = (location.hash.match(/^#\/([\w-]+)/) || [])[1] || 'dashboard';
    return ROUTES[name] ? name : 'missing';
  }

  function render() {
    var name = currentRoute();
    var tpl = document.getElementById('view-' + name);
    var view = tpl.content.cloneNode(true);
    main.textContent = '';
    main.appendChild(view);
    bindCommon(main);
    if (ROUTES[name]) ROUTES[name].render(main);
    document.title = (ROUTES[name] ? ROUTES[name].title : 'Not found') + ' · Acme Reports';
    document.querySelectorAll('.sidebar a[data-route]').forEach(function (a) {
      if (a.getAttribute('data-route') === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
  }

  // ---- chrome ------------------------------------------------------------------
  main.addEventListener('click', function (e) {
    if (e.target.closest('[data-action=new-report]')) newReport();
  });

  var select = document.getElementById('user-select');
  acme.personas.forEach(function (p) { select.appendChild(el('option', { value: p.id }, p.label)); });
  if (!acme.personas.some(function (p) { return p.id === acme.user.id; })) {
    select.appendChild(el('option', { value: acme.user.id }, acme.user.label));
  }
  select.value = acme.user.id;
  select.addEventListener('change', function () { acme.switchUser(select.value); });
  document.getElementById('new-user').addEventListener('click', function () { acme.switchUser('new'); });

  var warning = document.getElementById('setup-warning');
  var text = warning.getAttribute('data-warning');
  if (text && text.indexOf('__SHIRUBE') !== 0) {
    warning.textContent = text;
    warning.hidden = false;
  }

  window.addEventListener('hashchange', render);
  render();
})();
