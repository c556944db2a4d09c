// Shirube admin — the audience rule builder: nested all/any groups, "not", and conditions on
// traits (attribute picker fed by the traits seen in this environment), segments and events.
// It edits the rule object in place (the guide file's normalised shape) and calls onChange.
(function (root) {
  'use strict';

  var OPS_BY_TYPE = {
    string: ['eq', 'neq', 'in', 'not_in', 'contains', 'exists', 'not_exists'],
    number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'exists', 'not_exists'],
    boolean: ['eq', 'neq', 'exists', 'not_exists'],
    date: ['within_days', 'older_than_days', 'before', 'after', 'exists', 'not_exists'],
    list: ['contains', 'exists', 'not_exists']
  };
  var uid = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function select(label, options, value, path) {
    var s = el('select', {'aria-label': label, 'data-path': path});
    options.forEach(function (o) {
      var opt = el('option', {value: o[0]}, o[1]);
      if (String(o[0]) === String(value)) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function input(label, value, path, type) {
    var i = el('input', {type: type || 'text', 'aria-label': label, 'data-path': path});
    i.value = value == null ? '' : value;
    return i;
  }

  function valueText(value) {
    if (value == null) return '';
    if (Array.isArray(value)) return value.join(', ');
    return String(value);
  }

  function coerce(text, type, op) {
    var one = function (s) {
      s = s.trim();
      if (op === 'within_days' || op === 'older_than_days') return s === '' ? s : Number(s);
      if (type === 'number' && s !== '' && !isNaN(Number(s))) return Number(s);
      if (type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
      return s;
    };
    if (op === 'in' || op === 'not_in') return text.split(',').map(one).filter(function (v) { return v !== ''; });
    return one(text);
  }

  /**
   * create({rule, traits, t, readonly, onChange}) → {element, rule()}
   * rule: the audience rule (null = everyone); traits: [{attr, type}].
   */
  function create(options) {
    var t = options.t;
    var traitTypes = {};
    (options.traits || []).forEach(function (tr) { traitTypes[tr.attr] = tr.type; });
    var listId = 'traits-' + (++uid);
    var datalist = el('datalist', {id: listId});
    (options.traits || []).forEach(function (tr) { datalist.appendChild(el('option', {value: tr.attr})); });
    var state = {root: normalise(options.rule)};
    var container = el('div', {'class': 'audience', 'data-path': 'audience'});
    var OP_LABELS = {
      eq: t('is'), neq: t('is not'), 'in': t('is one of'), not_in: t('is none of'), contains: t('contains'),
      gt: t('is greater than'), gte: t('is at least'), lt: t('is less than'), lte: t('is at most'),
      exists: t('is set'), not_exists: t('is not set'), within_days: t('within the last N days'),
      older_than_days: t('more than N days ago'), before: t('is before'), after: t('is after'),
      count_gte: t('at least'), count_gt: t('more than'), count_lt: t('fewer than'),
      count_lte: t('at most'), count_eq: t('exactly')
    };

    function normalise(rule) {
      if (!rule) return null;
      if (rule.all || rule.any) return rule;
      return {all: [rule]};
    }
    function changed(structural) {
      if (structural) render();
      options.onChange();
    }
    function focusKey(key) {
      var target = container.querySelector('[data-focus="' + key + '"]');
      if (target) target.focus();
    }

    function itemView(parentList, index, path, depth) {
      var item = parentList[index];
      var negated = !!(item && item.not);
      var inner = negated ? item.not : item;
      var innerPath = negated ? path + '.not' : path;
      var box = el('div', {'class': 'rule-item'});
      var head = el('div', {'class': 'rule-row'});
      var notId = 'not-' + (++uid);
      var notBox = el('span', {'class': 'check rule-not'});
      var not = el('input', {type: 'checkbox', id: notId});
      not.checked = negated;
      notBox.appendChild(not);
      notBox.appendChild(el('label', {'for': notId}, t('Not')));
      not.addEventListener('change', function () {
        parentList[index] = not.checked ? {not: inner} : inner;
        changed(true);
        focusKey(notId);
      });
      not.setAttribute('data-focus', notId);
      head.appendChild(notBox);
      if (inner && (inner.all || inner.any)) {
        box.classList.add('rule-group-item');
        head.appendChild(el('span', {'class': 'muted small'}, t('Group')));
        box.appendChild(head);
        box.appendChild(groupView(inner, innerPath, depth + 1, function () {
          parentList.splice(index, 1);
          changed(true);
        }));
        return box;
      }
      conditionView(head, inner, innerPath, function (next) {
        parentList[index] = negated ? {not: next} : next;
      });
      var remove = el('button', {type: 'button', 'class': 'btn btn-small btn-ghost', 'aria-label': t('Remove condition')}, '✕');
      remove.addEventListener('click', function () { parentList.splice(index, 1); changed(true); });
      head.appendChild(remove);
      box.appendChild(head);
      return box;
    }

    function conditionView(row, rule, path, replace) {
      var kind = rule.segment !== undefined ? 'segment' : rule.event !== undefined ? 'event' : 'attr';
      var kindSel = select(t('Condition on'), [['attr', t('Trait')], ['segment', t('Segment')], ['event', t('Event')]], kind, path);
      var focus = 'k-' + (++uid);
      kindSel.setAttribute('data-focus', focus);
      kindSel.addEventListener('change', function () {
        var fresh = kindSel.value === 'segment' ? {segment: '', op: 'member'}
          : kindSel.value === 'event' ? {event: '', op: 'count_gte', value: 1}
          : {attr: '', op: 'eq', value: ''};
        replace(fresh);
        changed(true);
        focusKey(focus);
      });
      row.appendChild(kindSel);
      if (kind === 'attr') {
        var attr = input(t('Trait'), rule.attr, path + '.attr');
        attr.setAttribute('list', listId);
        attr.setAttribute('placeholder', 'user.plan');
        var opSel = el('select', {'aria-label': t('Operator'), 'data-path': path + '.op'});
        var value = input(t('Value'), valueText(rule.value), path + '.value');
        var fillOps = function () {
          var ops = OPS_BY_TYPE[traitTypes[rule.attr]] || options.attrOps;
          if (ops.indexOf(rule.op) < 0) ops = ops.concat([rule.op]);
          opSel.replaceChildren();
          ops.forEach(function (op) {
            var o = el('option', {value: op}, OP_LABELS[op] || op);
            o.selected = op === rule.op;
            opSel.appendChild(o);
          });
          value.hidden = rule.op === 'exists' || rule.op === 'not_exists';
          value.setAttribute('placeholder', rule.op === 'in' || rule.op === 'not_in' ? t('a, b, c')
            : traitTypes[rule.attr] === 'date' && (rule.op === 'before' || rule.op === 'after') ? '2026-12-01' : '');
        };
        attr.addEventListener('input', function () { rule.attr = attr.value.trim(); fillOps(); options.onChange(); });
        opSel.addEventListener('change', function () {
          rule.op = opSel.value;
          if (rule.op === 'exists' || rule.op === 'not_exists') delete rule.value;
          else rule.value = coerce(value.value, traitTypes[rule.attr], rule.op);
          fillOps();
          options.onChange();
        });
        value.addEventListener('input', function () { rule.value = coerce(value.value, traitTypes[rule.attr], rule.op); options.onChange(); });
        fillOps();
        row.appendChild(attr); row.appendChild(opSel); row.appendChild(value);
      } else if (kind === 'segment') {
        var seg = input(t('Segment key'), rule.segment, path + '.segment');
        seg.addEventListener('input', function () { rule.segment = seg.value.trim(); options.onChange(); });
        var member = select(t('Membership'), [['member', t('is a member')], ['not_member', t('is not a member')]], rule.op || 'member', path + '.op');
        member.addEventListener('change', function () { rule.op = member.value; options.onChange(); });
        row.appendChild(seg); row.appendChild(member);
      } else {
        var name = input(t('Event name'), rule.event, path + '.event');
        var eop = select(t('Operator'), options.eventOps.map(function (o) { return [o, OP_LABELS[o] || o]; }), rule.op, path + '.op');
        var count = input(t('Times'), rule.value, path + '.value', 'number');
        count.min = '0';
        var days = input(t('In the last N days (optional)'), rule.within_days, path + '.within_days', 'number');
        days.min = '0';
        days.setAttribute('placeholder', t('days'));
        name.addEventListener('input', function () { rule.event = name.value.trim(); options.onChange(); });
        eop.addEventListener('change', function () { rule.op = eop.value; options.onChange(); });
        count.addEventListener('input', function () { rule.value = count.value === '' ? '' : Number(count.value); options.onChange(); });
        days.addEventListener('input', function () {
          if (days.value === '') delete rule.within_days; else rule.within_days = Number(days.value);
          options.onChange();
        });
        row.appendChild(name); row.appendChild(eop); row.appendChild(count); row.appendChild(days);
      }
    }

    function groupView(group, path, depth, removeGroup) {
      var mode = group.any ? 'any' : 'all';
      var list = group[mode];
      var box = el('div', {'class': 'rule-group depth-' + Math.min(depth, 4), 'data-path': path});
      var head = el('div', {'class': 'rule-row'});
      var modeSel = select(t('Match'), [['all', t('All of these')], ['any', t('Any of these')]], mode, path);
      var focus = 'g-' + (++uid);
      modeSel.setAttribute('data-focus', focus);
      modeSel.addEventListener('change', function () {
        delete group[mode];
        group[modeSel.value] = list;
        changed(true);
        focusKey(focus);
      });
      head.appendChild(modeSel);
      box.appendChild(head);
      var items = el('div', {'class': 'rule-items'});
      list.forEach(function (_, i) { items.appendChild(itemView(list, i, path + '.' + mode + '[' + i + ']', depth)); });
      box.appendChild(items);
      var actions = el('div', {'class': 'row'});
      var addCond = el('button', {type: 'button', 'class': 'btn btn-small'}, '+ ' + t('Condition'));
      var addGroup = el('button', {type: 'button', 'class': 'btn btn-small'}, '+ ' + t('Group'));
      addCond.addEventListener('click', function () {
        list.push({attr: '', op: 'eq', value: ''});
        changed(true);
        var rows = box.querySelectorAll(':scope > .rule-items > .rule-item');
        var last = rows[rows.length - 1];
        if (last) last.querySelector('select').focus();
      });
      addGroup.addEventListener('click', function () {
        list.push({any: [{attr: '', op: 'eq', value: ''}]});
        changed(true);
      });
      if (options.readonly) { addCond.disabled = true; addGroup.disabled = true; }
      actions.appendChild(addCond);
      actions.appendChild(addGroup);
      if (removeGroup) {
        var rm = el('button', {type: 'button', 'class': 'btn btn-small btn-danger'}, t('Remove group'));
        rm.addEventListener('click', removeGroup);
        actions.appendChild(rm);
      }
      box.appendChild(actions);
      return box;
    }

    function render() {
      container.replaceChildren(datalist);
      if (!state.root || !(state.root.all || state.root.any || []).length) {
        state.root = null;
        container.appendChild(el('p', {'class': 'muted', 'data-testid': 'audience-everyone'}, t('Everyone sees this guide.')));
        var add = el('button', {type: 'button', 'class': 'btn btn-small', 'data-focus': 'add-rule'}, '+ ' + t('Add a rule'));
        add.disabled = !!options.readonly;
        add.addEventListener('click', function () {
          state.root = {all: [{attr: '', op: 'eq', value: ''}]};
          changed(true);
          var first = container.querySelector('.rule-item select');
          if (first) first.focus();
        });
        container.appendChild(add);
        return;
      }
      container.appendChild(groupView(state.root, 'audience', 0, null));
      if (options.readonly) container.querySelectorAll('input, select, button').forEach(function (c) { c.disabled = true; });
    }

    render();
    return {
      element: container,
      rule: function () {
        var r = state.root;
        if (!r) return null;
        var list = r.all || r.any;
        return list && list.length ? r : null;
      }
    };
  }

  root.shirubeAudience = {create: create, opsByType: OPS_BY_TYPE};
})(window);
