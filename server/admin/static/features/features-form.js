// The feature form (admin/features/form.html): show only the fields of each rule's kind,
// and suggest a key from the name until the key is typed by hand. Without this script
// every field stays visible and the form works the same.
(function () {
  'use strict';
  var form = document.querySelector('[data-feature-form]');
  if (!form) return;

  function sync(rule) {
    var kind = rule.querySelector('[data-rule-kind]').value;
    rule.querySelectorAll('[data-for-kind]').forEach(function (group) {
      group.hidden = group.getAttribute('data-for-kind') !== kind;
    });
  }
  form.querySelectorAll('[data-rule]').forEach(function (rule) {
    sync(rule);
    rule.querySelector('[data-rule-kind]').addEventListener('change', function () { sync(rule); });
  });

  var key = form.querySelector('[data-key-from]');
  if (!key) return;
  var name = document.getElementById(key.getAttribute('data-key-from'));
  var touched = key.value !== '';
  key.addEventListener('input', function () { touched = key.value !== ''; });
  name.addEventListener('input', function () {
    if (touched) return;
    key.value = name.value.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '').slice(0, 100);
  });
})();
