// Survey guides render in a separate chunk, /sdk/v1/shirube-survey.js, fetched the first
// time a survey is due (issue 5: the survey renderer loads lazily, chunk ≤ 4 KB gzip).
// Until it arrives the controller is a placeholder; the chunk gets the main bundle's card
// kit (KIT) so it stays small and looks like every other guide.
import { loadScript } from '../script.js';
import { btn, card, h, keys } from './ui.js';

var KIT = { h: h, btn: btn, card: card, keys: keys };
var chunk; // the promise of the chunk's runner (window.__shirubeSurvey)

/**
 * Show survey guide `g` (the renderer's show(), see index.js) once the chunk is loaded.
 * @param {{host?: string, nonce?: string}} cfg the renderer's config: host = the Shirube server
 * @returns {{destroy: () => void, step: () => number}}
 */
export function runSurveyLazy(host, g, o, cfg) {
  var c, gone;
  chunk = chunk || loadScript(cfg.host || '', 'survey', cfg.nonce).then(() => window.__shirubeSurvey);
  chunk.then((run) => gone || (c = run(host, g, { __proto__: o, nonce: cfg.nonce }, KIT))).catch((e) => {
    chunk = 0; // the next survey tries again
    // Not shown on this page view.
    gone || ((gone = 1), o.log.error('survey "' + g.key + '" failed', e), o.onEnd('target_missing'));
  });
  return {
    destroy: () => (c ? c.destroy() : gone || ((gone = 1), o.onEnd())),
    step: () => (c ? c.step() : 0),
  };
}
