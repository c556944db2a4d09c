// The guide editor's "Pick in app" button (admin/builder/_target_picker.html): opens the
// builder page for the step in a new tab; when the editor tab is visible again, reads the
// step's saved target and hands it to the editor (so autosave keeps it, not the old one).
(function () {
  'use strict';
  var config = document.getElementById('target-picker-config');
  if (!config) return;
  var pending = null;

  document.addEventListener('shirube-guides:pick-target', function (event) {
    var d = event.detail || {};
    var query = '?guide=' + encodeURIComponent(d.guide) + '&step=' + encodeURIComponent(d.step);
    pending = {box: event.target, query: query, before: JSON.stringify(d.target || null)};
    window.open(config.getAttribute('data-pick-url') + query, '_blank', 'noopener');
  });

  function refresh() {
    if (!pending || document.visibilityState !== 'visible') return;
    var p = pending;
    fetch(config.getAttribute('data-target-url') + p.query, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.target || JSON.stringify(data.target) === p.before) return;
        p.before = JSON.stringify(data.target);
        p.box.dispatchEvent(new CustomEvent('shirube-guides:set-target', {detail: data.target}));
      })
      .catch(function () { /* offline: the author can reload */ });
  }
  document.addEventListener('visibilitychange', refresh);
  window.addEventListener('focus', refresh);
})();
