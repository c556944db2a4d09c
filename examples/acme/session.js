// Acme Reports demo: who is signed in, in which language, before the SDK snippet runs.
// Loaded synchronously by index.html so the snippet can identify the user right away.
// Demo personas match the users `shirube demo` seeds (see docs/demo.md).
(function () {
  'use strict';
  var DAY = 864e5;

  function isoDate(daysAgo) {
    return new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
  }

  function storage() {
    try {
      var s = window.localStorage;
      s.setItem('acme_probe', '1');
      s.removeItem('acme_probe');
      return s;
    } catch (e) {
      var mem = {};
      return {
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(mem, k) ? mem[k] : null; },
        setItem: function (k, v) { mem[k] = String(v); },
        removeItem: function (k) { delete mem[k]; },
      };
    }
  }

  var PERSONAS = [
    { id: 'demo-user-1', label: 'Dana Ito: new admin', name: 'Dana Ito', email: 'dana@acme.example',
      plan: 'pro', role: 'admin', daysAgo: 0, locale: 'en',
      account: { id: 'acct-001', name: 'Northwind Traders', plan: 'pro', mrr: 1200, region: 'us' } },
    { id: 'demo-veteran', label: 'Sam Carter: veteran', name: 'Sam Carter', email: 'sam@acme.example',
      plan: 'team', role: 'admin', daysAgo: 200, locale: 'en',
      account: { id: 'acct-002', name: 'Blue Harbor Logistics', plan: 'team', mrr: 4800, region: 'eu' } },
    { id: 'demo-ja', label: 'Yuki Sato: 日本語', name: '佐藤 由紀', email: 'yuki@acme.example',
      plan: 'pro', role: 'member', daysAgo: 5, locale: 'ja',
      account: { id: 'acct-003', name: '株式会社みなと商事', plan: 'pro', mrr: 2400, region: 'jp' } },
    { id: 'demo-guest', label: 'Gus Lee: guest', name: 'Gus Lee', email: 'gus@acme.example',
      plan: 'free', role: 'guest', daysAgo: 3, locale: 'en',
      account: { id: 'acct-001', name: 'Northwind Traders', plan: 'pro', mrr: 1200, region: 'us' } },
  ];
  var DEFAULT_USER = 'demo-user-1';
  var store = storage();

  function persona(id) {
    for (var i = 0; i < PERSONAS.length; i++) if (PERSONAS[i].id === id) return PERSONAS[i];
    return null;
  }

  function freshUser() {
    var rand = Math.random().toString(36).slice(2, 8);
    var id = 'user-' + rand;
    store.setItem('acme_created:' + id, new Date().toISOString());
    return id;
  }

  // ?lang=ja (or en) sets the current user's language, then leaves the URL clean so
  // guide URL rules such as "/demo/#/dashboard" match.
  var userId = store.getItem('acme_user') || DEFAULT_USER;
  var params = new URLSearchParams(location.search);
  var asUser = params.get('user');
  if (asUser === 'new') userId = freshUser();
  else if (asUser) userId = asUser;
  store.setItem('acme_user', userId);
  var p = persona(userId);
  var lang = params.get('lang');
  if (lang === 'ja' || lang === 'en') store.setItem('acme_lang:' + userId, lang);
  if (params.has('lang') || params.has('user')) {
    params.delete('lang');
    params.delete('user');
    var q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? '?' + q : '') + location.hash);
  }
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    history.replaceState(null, '', location.pathname + location.search + '#/dashboard');
  }

  var locale = store.getItem('acme_lang:' + userId) || (p ? p.locale : 'en');
  var created = p ? isoDate(p.daysAgo) : store.getItem('acme_created:' + userId) || new Date().toISOString();
  var shortId = userId.replace(/^user-/, '');
  var traits = {
    name: store.getItem('acme_name:' + userId) || (p ? p.name : 'New user ' + shortId),
    email: store.getItem('acme_email:' + userId) || (p ? p.email : shortId + '@example.com'),
    plan: p ? p.plan : 'trial',
    role: p ? p.role : 'admin',
    created_at: created,
    locale: locale,
  };
  var account = p ? p.account : { id: 'acct-new-' + shortId, name: 'New company', plan: 'trial', mrr: 0, region: 'us' };

  window.acme = {
    personas: PERSONAS,
    store: store,
    user: { id: userId, traits: traits, label: p ? p.label : 'New user (' + shortId + ')' },
    account: { id: account.id, traits: { name: account.name, plan: account.plan, mrr: account.mrr, region: account.region } },
    /** Sign in as another user (a persona id, or 'new' for a first-time user). */
    switchUser: function (id) {
      store.setItem('acme_user', id === 'new' ? freshUser() : id);
      location.replace(location.pathname + '#/dashboard');
      location.reload();
    },
    /** Save the current user's language and reload so identify() sends it. */
    setLanguage: function (value) {
      store.setItem('acme_lang:' + userId, value);
      location.reload();
    },
  };
})();
