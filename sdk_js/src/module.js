// ES module entry (`import { shirube } from 'shirube-sdk'`): the same API as the
// global, created on first use so importing has no side effects.

import { createShirube } from './api.js';

var inst = null;
function get() {
  return inst || (inst = createShirube({}));
}

/** shirube('method', ...args) or shirube.method(...args), as with the script tag. */
export var shirube = function () {
  var s = get();
  return s.apply(null, arguments);
};
['init', 'identify', 'group', 'track', 'page', 'show', 'reset', 'on', 'off'].forEach(function (m) {
  shirube[m] = function () {
    var s = get();
    return s[m].apply(null, arguments);
  };
});
Object.defineProperty(shirube, '_debug', { get: function () { return get()._debug; } });
