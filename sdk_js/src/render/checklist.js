// A checklist: a launcher button (bottom-right) that opens a panel (the shared card) of
// items. Each item is a `checklist_item` step; it is ticked by the tracked event named in
// its `complete_event` (the core calls controller.notify(name)) or, without one, by a click.
// All ticked -> guide_completed. It never takes focus by itself: it does not interrupt.
import { createDisposer } from '../disposer.js';
import { fragment } from './content.js';
import { btn, card, h } from './ui.js';

/**
 * Show checklist guide `g`. `o.done` lists item indexes already ticked (the callers always give it).
 * @returns {{destroy: () => void, step: () => number, notify: (name: string) => void}}
 */
export function runChecklist(host, g, o) {
  var items = g.steps || [];
  var n = items.length;
  var d = createDisposer();
  var left = n;
  var emit = (type, i) => o.emit(type, { step: i });
  var list = h('ul', { 'data-l': '' });
  var panel = card(d, g, 'checklist', {
    S: o.strings, title: document.createTextNode(g.name || ''), body: list,
    close: () => end('guide_dismissed', 'dismissed'),
  });
  var launcher = btn(d, 'checklist-launcher', null, () => toggle(panel.hidden), null, {
    'data-guide-key': g.key, 'aria-expanded': 'false', 'aria-controls': panel.id,
  });
  var btns = items.map((it, i) => {
    var li = h('li');
    var b = btn(d, 'checklist-item', null, () => it.complete_event || tick(i), null, { 'aria-pressed': 'false', 'data-step': i });
    b.append(fragment(it.title_html));
    li.append(b, h('div'));
    li.lastChild.append(fragment(it.body_html));
    list.append(li);
    return b;
  });
  var toggle = (open) => {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', open);
    (open ? panel : launcher).focus();
  };
  var progress = () => { launcher.textContent = (g.name || '') + ' ' + (n - left) + '/' + n; };
  var tick = (i, quiet) => {
    var b = btns[i];
    if (!b || b.hasAttribute('data-done') || d.disposed) return;
    left--;
    b.setAttribute('data-done', '');
    b.setAttribute('aria-pressed', 'true');
    progress();
    if (!quiet) emit('step_completed', i);
    if (!left) end('guide_completed', 'completed');
  };
  /** Tear down; with no type/reason (the core's destroy()) silently. */
  var end = (type, reason) => {
    if (d.disposed) return;
    if (type) emit(type, null);
    d.dispose();
    o.onEnd(reason);
  };
  panel.hidden = true;
  host.root.append(launcher, panel);
  d.add(() => { launcher.remove(); panel.remove(); });
  d.listen(panel, 'keydown', (e) => {
    if (e.key == 'Escape') {
      e.preventDefault();
      toggle(false);
    }
  });
  progress();
  emit('guide_seen', 0);
  o.done.forEach((i) => tick(i, 1));
  return {
    destroy: () => end(),
    step: () => -1, // on no one step: the core keeps it on every page (its items' urls say where they are done)
    /** A tracked event happened: ticks the items whose complete_event is `name`. */
    notify: (name) => items.forEach((it, i) => it.complete_event == name && tick(i)), // name: never empty (track())
  };
}
