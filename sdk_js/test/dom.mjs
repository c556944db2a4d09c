// A tiny browser-like global environment for the API tests (no DOM library needed):
// window, document, location, history, navigator, localStorage, sessionStorage, fetch.
import { fakeFetch, fakeStorage } from './helpers.mjs';

export function installBrowser({ href = 'https://app.example/app/home', reply } = {}) {
  let url = new URL(href);
  const g = globalThis;
  const win = new EventTarget();
  const doc = new EventTarget();
  const scripts = [];
  const location = {
    get href() { return url.href; },
    get origin() { return url.origin; },
    get pathname() { return url.pathname; },
    get search() { return url.search; },
    get hash() { return url.hash; },
  };
  const history = {
    pushState(s, t, u) { url = new URL(u, url); },
    replaceState(s, t, u) { url = new URL(u, url); },
  };
  Object.assign(doc, {
    title: 'Home',
    visibilityState: 'visible',
    currentScript: null,
    documentElement: { appendChild: (s) => scripts.push(s) },
    head: { appendChild: (s) => scripts.push(s) },
    createElement: (tag) => ({ tagName: tag.toUpperCase() }),
    querySelectorAll: () => [],
  });
  const fetch = fakeFetch(reply || ((n, u) =>
    u.endsWith('/bootstrap') ? { status: 200, body: { user: { id: 'x' }, guides: [], features: [], settings: {} } } : { status: 200, body: { accepted: 1 } }));
  const nav = { language: 'en-US', userAgent: 'node-test', sendBeacon: () => true };
  Object.defineProperty(g, 'navigator', { value: nav, configurable: true, writable: true });
  Object.assign(g, {
    window: g,
    document: doc,
    location,
    history,
    localStorage: fakeStorage(),
    sessionStorage: fakeStorage(),
    fetch,
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
    dispatchEvent: win.dispatchEvent.bind(win),
  });
  return {
    fetch,
    scripts,
    navigate: (u) => history.pushState(null, '', u),
    setUrlSilently: (u) => { url = new URL(u, url); },
    bootstraps: () => fetch.calls.filter((c) => c.url.endsWith('/bootstrap')),
    eventCalls: () => fetch.calls.filter((c) => c.url.endsWith('/events')),
  };
}
