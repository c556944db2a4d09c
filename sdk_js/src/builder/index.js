// The builder chunk (/sdk/v1/shirube-builder.js), loaded by the core only in builder or
// preview mode (see ../preview.js). It defines window.__shirubeExt, which the core calls
// once the chunk has loaded, with {mode, token, host, key, nonce, log, render}.

import { startPicker } from './picker.js';
import { startPreview } from './preview.js';

function start(o) {
  try {
    // The token has been read (and kept for this tab): take it out of the address bar.
    var clean = location.href.replace(/[#&]shirube-(builder|preview)=[\w.-]+/, '');
    if (clean !== location.href) history.replaceState(history.state, '', clean);
    var run = function () {
      if (o.mode === 'builder') startPicker(o);
      else startPreview(o).catch(function (e) { o.log.error('preview failed', e); });
    };
    if (document.body) run();
    else document.addEventListener('DOMContentLoaded', run);
  } catch (e) {
    o.log.error(o.mode + ' mode failed', e);
  }
}

window.__shirubeExt = start;
