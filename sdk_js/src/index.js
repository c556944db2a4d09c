// The IIFE bundle entry: defines window.shirube and replays the stub's queue exactly once.

import { createShirube } from './api.js';

try {
  var prev = window.shirube;
  // Loaded twice: the first copy stays.
  if (!(prev && prev._loaded)) {
    var cs = document.currentScript;
    var sh = (window.shirube = createShirube({ scriptSrc: cs && cs.src }));
    var q = (prev && prev.q) || [];
    if (prev) prev.q = [];
    q.forEach((args) => sh(...args));
  }
} catch (e) {
  console.warn('[shirube] failed to start', e);
}
