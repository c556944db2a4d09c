// The renderer's only stylesheet, adopted into the shadow root (no inline <style>, no
// style attributes: a strict CSP stays quiet). px everywhere: rem would follow the page.
// Theme custom properties (set on the host from settings.theme, see index.js): --p primary,
// --t text, --b background, --r radius, --f font. Selectors use roles and the data-testid
// values the tests use anyway (no classes).
// One literal, the repeats written out: gzip takes them for less than concatenation costs.
// Inside a rule the declarations (and a list's selectors) are in the order that gzips best
// (measured): no declaration overlaps another of its rule, so the order means nothing to the cascade.
export var CSS = (
  ':host>*{color:var(--t,#111827);font:14px/1.5 var(--f,system-ui,sans-serif);pointer-events:auto}' +
  '*{margin:0;box-sizing:border-box}:focus-visible{outline:2px solid var(--p,#4f46e5);outline-offset:2px}' +
  // The card: a column whose body scrolls when the card would be taller than the viewport.
  '[role=dialog]{position:fixed;top:0;left:0;width:max-content;animation:f .2s;display:flex;flex-flow:column;max-height:calc(100vh - 16px);padding:16px;max-width:min(360px,100vw - 16px);border-radius:var(--r,8px);background:var(--b,#fff);outline:0;box-shadow:0 6px 24px #0004}' +
  '[id$=b]{overflow:auto}[id$=b]>*{margin-bottom:8px}' +
  '[data-kind=modal]{top:50%;left:50%;transform:translate(-50%,-50%);width:480px;max-width:calc(100vw - 16px)}' +
  '[data-kind=checklist]{inset:auto 16px 72px auto;width:320px;max-height:calc(100vh - 88px)}' +
  '[data-testid=shirube-arrow]{position:absolute;width:10px;height:10px;transform:rotate(45deg);background:inherit}' +
  'h2{font-size:16px;margin:0 24px 8px 0}ul,ol{padding-left:20px}img{max-width:100%}a{color:var(--p,#4f46e5)}' +
  '[data-f]{display:flex;align-items:center;flex-flow:wrap;gap:8px;margin-top:12px}[data-f]>span{margin-right:auto;font-size:12px}' +
  'button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid;background:0;color:var(--p,#4f46e5);cursor:pointer}' +
  '[data-testid=shirube-checklist-launcher],[data-testid=shirube-next],[data-testid=shirube-done]{background:var(--p,#4f46e5);color:#fff}' +
  '[data-testid=shirube-close]{position:absolute;right:4px;top:4px;font-size:20px;line-height:1;border:0;color:inherit}' +
  '[aria-hidden]{position:fixed;inset:0;width:100%;height:100%;pointer-events:none}path{fill:#0008;fill-rule:evenodd;pointer-events:auto}' +
  '[data-testid=shirube-hotspot]{position:fixed;width:16px;border:2px solid #fff;padding:0;height:16px;border-radius:50%;background:var(--p,#4f46e5)}' +
  '[data-testid=shirube-hotspot]:after{position:absolute;content:"";border-radius:50%;background:inherit;animation:p 1.6s infinite;inset:-2px}' +
  '[role=region]{position:fixed;inset:0 0 auto;display:flex;align-items:center;flex-flow:wrap;gap:0 12px;padding:8px 40px 8px 16px;background:var(--p,#4f46e5)}' +
  '[role=region] *{margin:0;color:#fff;font-size:14px;border-color:#fff}[data-pos=bottom]{top:auto;bottom:0}' +
  '[data-testid=shirube-checklist-launcher]{position:fixed;right:16px;box-shadow:0 4px 16px #0004;bottom:16px;border-radius:99px}' +
  '[data-l]{padding:0;list-style:none}[data-l] div{margin-left:30px}' +
  '[data-testid=shirube-checklist-item]{display:flex;gap:8px;padding:6px 0;width:100%;border:0;color:inherit}' +
  '[data-testid=shirube-checklist-item]:before{content:"";border:2px solid var(--p,#4f46e5);width:14px;height:14px;border-radius:50%;font-size:11px;line-height:14px;text-align:center;flex:none}' +
  '[data-done]:before{content:"\\2713";background:var(--p,#4f46e5);color:#fff}[data-done]{opacity:.6}' +
  '@keyframes f{0%{opacity:0}}@keyframes p{to{transform:scale(2.6);opacity:0}}' +
  '@media (prefers-reduced-motion:reduce){*,:after{animation:none!important}}'
);
