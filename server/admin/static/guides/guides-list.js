// Shirube admin — guide list: read the chosen guide files and post their text with the
// import form (the admin accepts no file uploads; see server/admin/guides/transfer.py).
(function () {
  'use strict';
  var form = document.querySelector('[data-import-form]');
  if (!form) return;
  var input = form.querySelector('[data-import-files]');
  form.querySelectorAll('.js-only').forEach(function (n) { n.hidden = false; });
  form.addEventListener('submit', function (event) {
    if (form.getAttribute('data-ready') === 'yes' || !input.files.length) return;
    event.preventDefault();
    Promise.all(Array.prototype.map.call(input.files, function (file) {
      return file.text().then(function (text) { return [file.name, text]; });
    })).then(function (files) {
      form.querySelectorAll('input[data-file-part]').forEach(function (n) { n.remove(); });
      files.forEach(function (pair) {
        [['file_name', pair[0]], ['file_text', pair[1]]].forEach(function (kv) {
          var hidden = document.createElement('input');
          hidden.type = 'hidden';
          hidden.name = kv[0];
          hidden.value = kv[1];
          hidden.setAttribute('data-file-part', '');
          form.appendChild(hidden);
        });
      });
      form.setAttribute('data-ready', 'yes');
      form.requestSubmit();
      form.removeAttribute('data-ready');
    });
  });
})();
