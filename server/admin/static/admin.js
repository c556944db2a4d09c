// Shirube admin: small progressive enhancements. The pages work without this file.
// No inline handlers anywhere (CSP script-src 'self'); behaviour hangs off data-* attributes.
(function () {
  'use strict';

  /** The CSRF token of this page, for fetch(): send it as the X-CSRF-Token header. */
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  /** fetch() with the CSRF header and same-origin credentials (for other admin modules). */
  function adminFetch(url, options) {
    var opts = Object.assign({credentials: 'same-origin'}, options || {});
    opts.headers = Object.assign({'X-CSRF-Token': csrfToken()}, opts.headers || {});
    return fetch(url, opts);
  }
  window.shirubeAdmin = {csrfToken: csrfToken, fetch: adminFetch};

  function announce(button, text) {
    var original = button.getAttribute('data-label') || button.textContent;
    button.setAttribute('data-label', original);
    button.textContent = text;
    setTimeout(function () { button.textContent = original; }, 1500);
  }

  // Copy buttons: data-copy="<id of the input/textarea>".
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-copy]');
    if (!button) return;
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function () { announce(button, document.documentElement.lang === 'ja' ? 'コピーしました' : 'Copied'); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { source.select(); document.execCommand('copy'); done(); });
    } else {
      source.select();
      document.execCommand('copy');
      done();
    }
  });

  // Forms that ask for confirmation: data-confirm="question".
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The workspace/environment picker submits itself on change (the Go button stays for keyboards).
  document.querySelectorAll('form[data-autosubmit] select').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });

  // Theme editor: live preview through CSS custom properties (CSSOM, allowed by the CSP).
  var themeForm = document.querySelector('[data-theme-form]');
  var preview = document.getElementById('theme-preview');
  if (themeForm && preview) {
    var apply = function () {
      themeForm.querySelectorAll('[data-preview]').forEach(function (input) {
        var key = input.getAttribute('data-preview');
        if (key === 'radius') preview.style.setProperty('--p-radius', (parseInt(input.value, 10) || 0) + 'px');
        else if (key === 'font') preview.style.setProperty('--p-font', input.selectedOptions[0].getAttribute('data-stack'));
        else if (key === 'background') preview.style.setProperty('--p-bg', input.value);
        else preview.style.setProperty('--p-' + key, input.value);
      });
    };
    themeForm.addEventListener('input', apply);
    themeForm.addEventListener('change', apply);
    apply();
  }
})();
