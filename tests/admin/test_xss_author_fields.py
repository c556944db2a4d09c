"""XSS in every author-controlled field: 100+ payloads (tests/security/xss_payloads.py) go
in through the admin's own forms and the REST API, then every admin page is rendered and
parsed (html.parser): nothing the payloads carry may become markup.

A page is *inert* when it has no ``on*`` attribute, no ``style`` attribute or inline
``<style>`` (the admin has none: its CSP has no 'unsafe-inline'), no script but our own
static files and JSON data blocks, no ``javascript:``/``vbscript:``/``data:`` URL in any
URL attribute, no ``srcdoc``, and none of the elements only an injection could bring
(iframe, object, embed, base, meta refresh, math, noscript, …). And the payloads are
*there*: each one appears verbatim in the page's text, attribute values or JSON data — so
the page shows the field, escaped, rather than dropping it.

Batched: a few carrier guides hold ~40 payloads each (step titles, bodies, target
selectors and text, translations, tags, audience values); one guide per payload for the
guide name; one survey with every payload as a choice, label or follow-up; one feature
and one segment per payload; one workspace per payload (every page's switcher lists them).
"""

from __future__ import annotations

import json
import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest

from server.admin import build_site
from server.admin.site import route_access
from server.models import Event
from server.models.types import utcnow
from server.security.roles import rank
from tests.security.xss_payloads import PAYLOADS, SHORT

CHUNK = 41  # payloads per carrier guide (at most 50 steps, 50 tags)
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
             "poster", "codebase", "dynsrc", "lowsrc", "ping", "cite", "longdesc", "manifest",
             "icon", "srcset", "archive", "classid", "profile", "usemap", "itemtype"}
NEVER = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math",
         "maction", "noscript", "noembed", "noframes", "xmp", "plaintext", "marquee",
         "isindex", "keygen", "style", "x", "xss", "animate", "set", "x:script", "video",
         "audio", "source", "body", "html"}
_BAD_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)
_STRIP = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028\u2029\u202f"
                    r"\u205f\u3000\ufeff]")


class _Page(HTMLParser):
    """Every tag, attribute and text chunk of a page (JSON script blocks decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.strings: list[str] = []
        self.tags: dict[str, int] = {}
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = {k: v or "" for k, v in attrs}
        here = f"<{tag} {' '.join(a)}>"[:200]
        if tag in ("html", "body") and self.tags[tag] == 1:
            pass  # the page's own
        elif tag in NEVER:
            self.problems.append(f"element {here}")
        if tag == "meta" and ("http-equiv" in a or "url=" in a.get("content", "").lower()):
            self.problems.append(f"meta refresh {here}")
        if tag == "link" and not a.get("href", "").startswith("/"):
            self.problems.append(f"foreign link {here}")
        if tag == "script":
            src, kind = a.get("src"), a.get("type", "")
            if not (src and src.startswith("/") and not src.startswith("//")) \
                    and kind != "application/json":
                self.problems.append(f"script {here}")
            self._script = a
            self._script_text = []
        for name, value in a.items():
            if name.startswith("on"):
                self.problems.append(f"handler {name} in {here}")
            elif name in ("style", "srcdoc") or name.startswith("xmlns"):
                self.problems.append(f"attribute {name} in {here}")
            elif name in URL_ATTRS and _BAD_SCHEME.match(_STRIP.sub("", value)):
                self.problems.append(f"URL {name}={value!r} in {here}")
            self.strings.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            text = "".join(self._script_text)
            if self._script.get("type") == "application/json":
                try:
                    _walk_strings(json.loads(text), self.strings)
                except ValueError:
                    self.problems.append(f"JSON block that does not parse: {text[:120]!r}")
            elif text.strip():
                self.problems.append(f"inline script: {text[:120]!r}")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.strings.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment in page: {data[:80]!r}")  # our templates use {# #}


def _walk_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(str(k))
            _walk_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _walk_strings(v, out)


def inert(html: str, where: str, *, shows: list[str] = ()) -> str:  # type: ignore[assignment]
    """Assert the page is inert and shows every string of `shows` verbatim; returns the
    page's text (for further checks)."""
    page = _Page()
    page.feed(html)
    page.close()
    assert page.problems == [], f"{where}: {page.problems[:10]}"
    joined = "\x1f".join(page.strings)
    missing = [p for p in shows if p not in joined]
    assert missing == [], f"{where}: {len(missing)} payloads not shown verbatim: {missing[:5]}"
    return joined


# -- seeding through the admin's forms and the REST API ------------------------------------


def _chunks(items: list[str], n: int) -> list[list[str]]:
    return [items[i:i + n] for i in range(0, len(items), n)]


def carrier(index: int, chunk: list[str]) -> dict[str, Any]:
    """A tour whose steps, targets, tags, audience and translations carry `chunk`."""
    steps = [{"kind": "tooltip", "title": p, "body": p,
              "target": {"selectors": [p, "#fallback"], "text": p}} for p in chunk]
    steps[0] = {"kind": "modal", "title": chunk[0], "body": chunk[0]}
    return {
        "key": f"carrier-{index}", "name": f"Carrier {index}", "type": "tour",
        "tags": [p for p in chunk if p in SHORT][:50],
        "audience": {"any": [{"attr": "user.plan", "op": "eq", "value": p} for p in chunk]},
        "steps": steps,
        "translations": {"ja": {"name": chunk[-1],
                                "steps": [{"title": p, "body": p} for p in reversed(chunk)]}},
    }


def survey(payloads: list[str]) -> dict[str, Any]:
    """One survey: every payload as a choice; labels and follow-ups in 33 languages."""
    labels = [p for p in payloads if len(p) <= 100]
    steps: list[dict[str, Any]] = [{
        "kind": "nps", "title": "How likely?", "low_label": labels[0], "high_label": labels[1],
        "followup": {"promoter": payloads[2], "passive": payloads[3], "detractor": payloads[4]}}]
    for group in _chunks(labels, 10):
        if len(group) < 2:
            group = group + labels[:1]
        steps.append({"kind": "single_choice", "title": group[0], "choices": group})
    steps += [{"kind": "text", "title": p} for p in payloads if len(p) > 100 or p == payloads[-1]]
    steps.append({"kind": "thank_you", "title": "Thanks", "body": payloads[-2]})
    langs = [f"{a}{b}" for a in "abcdefghij" for b in "abcdefghijklmnopqrstuvwxyz"]
    translations = {}
    for lang, group in zip(langs, _chunks(payloads, 5), strict=False):
        group = [p for p in group if len(p) <= 100] or labels[:1]
        while len(group) < 5:
            group.append(group[0])
        translations[lang] = {"steps": [{"low_label": group[0], "high_label": group[1],
                                         "followup": {"promoter": group[2], "passive": group[3],
                                                      "detractor": group[4]}}]}
        if len(translations) == 50:
            break
    return {"key": "xss-survey", "name": "XSS survey", "type": "survey", "steps": steps,
            "translations": translations}


def name_guide(i: int, payload: str) -> dict[str, Any]:
    return {"key": f"named-{i:03d}", "name": payload, "type": "modal",
            "steps": [{"kind": "modal", "title": "Hello", "body": "World"}]}


def import_guides(b: Any, base: str, guides: list[dict[str, Any]]) -> None:
    for batch in _chunks(guides, 50):
        r = b.post(f"{base}/guides/import", {
            "file_name": [f"{g['key']}.json" for g in batch],
            "file_text": [json.dumps(g, ensure_ascii=False) for g in batch]})
        assert r.status_code == 303, inert(r.text, "import") and r.text[:2000]


def seed_guides(world: Any, b: Any) -> dict[str, Any]:
    base = "/admin/w/acme/e/production"
    chunks = _chunks(PAYLOADS, CHUNK)
    carriers = [carrier(i, c) for i, c in enumerate(chunks)]
    import_guides(b, base, carriers + [survey(PAYLOADS)]
                  + [name_guide(i, p) for i, p in enumerate(PAYLOADS)])
    # The editor's save (the same POST as the editor's script): a draft of carrier 0 whose
    # steps are rotated by one — the versions page then diffs every payload with another.
    steps = carriers[0]["steps"]
    draft = carriers[0] | {"steps": steps[1:] + steps[:1]}
    r = b.post(f"{base}/guides/carrier-0/edit", {"definition": json.dumps(draft), "mode": "save"},
               headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["ok"], r.text[:500]
    return {"carriers": carriers, "chunks": chunks}


def seed_features(b: Any) -> None:
    base = "/admin/w/acme/e/production/features/new"
    for i, p in enumerate(PAYLOADS):
        r = b.post(base, {"key": f"feat-{i:03d}", "name": p, "rule_count": "1",
                          "rules-0-kind": "click", "rules-0-selectors": p, "rules-0-text": p,
                          "rules-0-strictness": "normal"})
        assert r.status_code == 303, inert(r.text, f"feature {i}") and r.text[:300]


def seed_segments(world: Any) -> None:
    from starlette.testclient import TestClient

    api = TestClient(world.app, base_url="https://testserver")
    auth = {"Authorization": f"Bearer {world.envs['acme'].secret_key}"}
    for i, p in enumerate(PAYLOADS):
        r = api.post("/api/v1/segments", headers=auth, json={
            "key": f"seg-{i:03d}", "name": p, "kind": "rule",
            "definition": {"all": [{"attr": "user.plan", "op": "eq", "value": p}]}})
        assert r.status_code in (200, 201), r.text[:300]


def seed_events(world: Any) -> None:
    """End-user data the author pages show: broken-target reports with hostile URLs."""
    env = world.envs["acme"].environment
    with world.app.state.db.session() as s:
        for i, p in enumerate(PAYLOADS):
            s.add(Event(environment_id=env.id, uuid=str(uuid.uuid4()), type="guide_target_missing",
                        user_id=f"u{i}", guide_key="carrier-1", step=1 + i % 5,
                        properties={"reason": "not_found", "selectors": [p],
                                    "url": p if i % 2 else "javascript:alert(1)//" + p},
                        timestamp=utcnow()))
        s.commit()


# -- walking every page ------------------------------------------------------------------


SITE = build_site()
READ = [(r.path, r.name, route_access(r)) for r in SITE.routes
        if "GET" in (getattr(r, "methods", None) or ())]


def page_paths(params: dict[str, str]) -> list[tuple[str, str]]:
    """Every readable admin page (name, path) with these path parameters."""
    out = []
    for template, name, access in READ:
        if access == "public" or name in ("switch",):
            continue
        path = template
        for key, value in params.items():
            path = path.replace("{" + key + "}", value)
        if "{" not in path:
            out.append((name, "/admin" + path))
    return out


def walk(b: Any, params: dict[str, str], extra: list[str] = ()) -> dict[str, str]:  # type: ignore[assignment]
    """GET every page (plus `extra` paths); assert each HTML one is inert. name → text."""
    texts: dict[str, str] = {}
    for name, path in page_paths(params) + [(p, p) for p in extra]:
        r = b.get(path)
        if r.status_code in (301, 302, 303, 404) or \
                not r.headers.get("content-type", "").startswith("text/html"):
            continue
        assert r.status_code == 200, (name, path, r.status_code)
        texts[name] = inert(r.text, f"{name} {path}")
    return texts


# -- the tests ---------------------------------------------------------------------------


def test_the_payload_list_is_big_and_varied():
    assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)
    for needle in ("<script", "onerror", "javascript:", "vbscript:", "data:text/html",
                   "<svg", "<math", "<iframe", "<object", "<embed", "expression(",
                   "<template", "<noscript", "](javascript", "\"><img", "\u202e", "&#"):
        assert any(needle.lower() in p.lower() for p in PAYLOADS), needle


def test_guide_fields_render_inert_on_every_admin_page(world):
    b = world.browser("owner")
    seeded = seed_guides(world, b)
    seed_events(world)
    base = "/admin/w/acme/e/production"
    texts = walk(b, {"ws": "acme", "env": "production", "key": "carrier-0",
                     "survey": "xss-survey", "feature": "none"})
    # The list shows every guide name and every tag.
    inert(b.get(f"{base}/guides").text, "guide list", shows=PAYLOADS)
    assert "guide-list" in texts and "broken-targets" in texts
    for i, chunk in enumerate(seeded["chunks"]):
        key = f"carrier-{i}"
        # Editor: titles, bodies, selectors, target text, translations, tags, audience values.
        inert(b.get(f"{base}/guides/{key}/edit").text, f"editor {key}", shows=chunk)
        # Builder: step titles (table and step menu), selectors and target text.
        inert(b.get(f"{base}/builder/pick?guide={key}&step=1").text, f"builder {key}",
              shows=chunk[1:])
        inert(b.get(f"{base}/explain?guide={key}&user=u1").text, f"explain {key}")
        inert(b.get(f"{base}/broken-targets?guide={key}").text, f"broken {key}")
        inert(b.get(f"{base}/preview?guide={key}").text, f"preview {key}")
    # Versions: the draft of carrier 0 against v1 lists its payloads on both sides.
    inert(b.get(f"{base}/guides/carrier-0/versions?a=1&b=draft").text, "diff",
          shows=seeded["chunks"][0])
    inert(b.get(f"{base}/guides/xss-survey/edit").text, "survey editor", shows=PAYLOADS)
    inert(b.get(f"{base}/surveys/xss-survey").text, "survey results")
    for i in (0, 50, len(PAYLOADS) - 1):
        key = f"named-{i:03d}"
        for path in (f"guides/{key}/edit", f"guides/{key}/versions", f"preview?guide={key}",
                     f"builder/pick?guide={key}", f"explain?guide={key}"):
            inert(b.get(f"{base}/{path}").text, path, shows=[PAYLOADS[i]])
    # What the audit log shows of it.
    inert(b.get("/admin/w/acme/audit").text, "audit")


def test_reflected_query_values_render_inert(world):
    b = world.browser("owner")
    base = "/admin/w/acme/e/production"
    from urllib.parse import quote

    for p in PAYLOADS[::3]:
        q = quote(p, safe="")
        for path in (f"{base}/guides?q={q}&tag={q}&type={q}&status={q}",
                     f"{base}/explain?q={q}&user={q}", f"{base}/preview?user={q}",
                     f"{base}/features?q={q}", "/admin/w/acme/audit?action=" + q + "&user=" + q,
                     f"/admin/login?next={q}"):
            r = b.get(path)
            if r.headers.get("content-type", "").startswith("text/html") and r.status_code < 500:
                inert(r.text, path)
            assert r.status_code < 500, (path, r.status_code)


def test_feature_and_segment_names_render_inert(world):
    b = world.browser("owner")
    seed_features(b)
    seed_segments(world)
    base = "/admin/w/acme/e/production"
    shown, path = "", f"{base}/features"
    while path:  # every page of the list
        r = b.get(path)
        shown += inert(r.text, path)
        m = re.search(r'<nav class="pager"[^>]*><a href="([^"]+)"', r.text)
        path = f"{base}/features" + m.group(1).replace("&amp;", "&") if m else ""
    assert [p for p in PAYLOADS if p not in shown] == []
    for i in (0, 1, 77, len(PAYLOADS) - 1):
        key = f"feat-{i:03d}"
        for path in (f"features/{key}", f"features/{key}/edit", f"features/{key}/check"):
            inert(b.get(f"{base}/{path}").text, path, shows=[PAYLOADS[i]])
    walk(b, {"ws": "acme", "env": "production", "feature": "feat-003", "key": "none",
             "survey": "none"})


def test_workspace_names_render_inert_in_every_page(world):
    b = world.browser("owner")
    made = 0
    for p in PAYLOADS:
        r = b.post("/admin/workspaces/new", {"name": p})
        if r.status_code == 303:
            made += 1
        else:
            inert(r.text, f"workspace create {p!r}")
    assert made == len(PAYLOADS)
    # The switcher on every page lists every workspace by name.
    texts = walk(b, {"ws": "acme", "env": "production", "key": "none", "survey": "none",
                     "feature": "none"})
    missing = [p for p in PAYLOADS if p not in texts["environment-list"]]
    assert missing == []
    # Renaming shows the new name in the title, the heading and the switcher.
    r = b.post("/admin/w/acme/settings", {"name": PAYLOADS[0]})
    assert r.status_code == 303
    inert(b.get("/admin/w/acme/settings").text, "settings", shows=[PAYLOADS[0]])


def test_refused_names_emails_and_theme_values_are_echoed_inert(world):
    b = world.browser("owner")
    env = world.envs["acme"].environment
    before = dict(env.settings or {})
    for p in PAYLOADS:
        # Environment names are a slug pattern: refused, and the form shows the value back.
        r = b.post("/admin/w/acme/environments", {"name": p, "origins": p})
        assert r.status_code == 422, (p, r.status_code)
        inert(r.text, f"environment create {p!r}", shows=[p])
        # Theme values are colours, a radius and a font from a list: refused.
        r = b.post("/admin/w/acme/e/production/theme",
                   {"primary": p, "text": p, "background": "#ffffff", "radius": p, "font": p})
        assert r.status_code == 422, (p, r.status_code)
        inert(r.text, f"theme {p!r}")
        # Invitation emails: refused unless they look like an address; listed escaped.
        r = b.post("/admin/w/acme/invitations", {"email": f"{p}@evil.test", "role": "viewer"})
        assert r.status_code in (200, 303, 422), (p, r.status_code)
        inert(r.text, f"invite {p!r}")
    with world.app.state.db.session() as s:
        from server.models import Environment

        assert (s.get(Environment, env.id).settings or {}).get("theme") == before.get("theme")
    inert(b.get("/admin/w/acme/members").text, "members")
    inert(b.get("/admin/w/acme/audit").text, "audit")


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_guide_pages_render_inert_for_every_role(world, role):
    owner = world.browser("owner")
    seed_guides(world, owner)
    b = world.browser(role)
    base = "/admin/w/acme/e/production"
    pages = 0
    for template, name, access in READ:
        if "{key}" in template and rank(role) >= rank(access or "viewer"):
            path = "/admin" + template.replace("{ws}", "acme").replace("{env}", "production") \
                .replace("{key}", "carrier-1")
            r = b.get(path)
            if r.headers.get("content-type", "").startswith("text/html"):
                inert(r.text, f"{role} {name}")
                pages += 1
    assert pages >= 2
    inert(b.get(f"{base}/guides").text, f"{role} list", shows=PAYLOADS)


def test_the_checker_flags_the_payloads_when_they_are_not_escaped():
    """Guard against a vacuous suite: pasted raw into a page (text, attribute or URL
    context), the markup payloads are caught by `inert`."""
    caught = 0
    for p in PAYLOADS:
        for template in ('<p>{}</p>', '<input value="{}">', "<a title='{}' href=/x>x</a>",
                         '<a href="{}">x</a>'):
            try:
                inert(f"<!doctype html><html><body>{template.format(p)}</body></html>", "raw")
            except AssertionError:
                caught += 1
                break
    assert caught >= 130, caught
