"""wrk Lua scripts, written to a temp file at run time.

Each script's done() prints one line, `WRKJSON {...}`, that bench/_common.py parses:
request count, duration, socket errors, non-2xx responses and latency percentiles (µs).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
    .. '"status":%d,"p50":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""

#: One fixed POST body (BENCH_BODY), the same for every request: wrk sends it without Lua.
STATIC_POST = r"""
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
""" + _DONE

#: BENCH_BODY with "__USER__" replaced by one of BENCH_USERS user ids, in turn: returning
#: users loading pages (each user comes back many times during a run).
USERS_POST = r"""
local template = os.getenv("BENCH_BODY")
local users = tonumber(os.getenv("BENCH_USERS") or "1")
local headers = {["Content-Type"] = "application/json", ["Origin"] = os.getenv("BENCH_ORIGIN")}
local counter = 0
request = function()
  counter = counter + 1
  local body = string.gsub(template, "__USER__", "bench-user-" .. (counter % users))
  return wrk.format("POST", nil, headers, body)
end
""" + _DONE

#: A fresh batch of BENCH_BATCH events per request, each with a new time-ordered id
#: (UUIDv7 layout: 48-bit ms timestamp, version 7, then run/thread and a counter).
#: Every BENCH_GUIDE_EVERY-th event is a guide_seen (guide-state upsert); 0 = none.
EVENTS_POST = r"""
local threads = {}
local next_tid = 0
setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local key = os.getenv("BENCH_KEY")
local origin = os.getenv("BENCH_ORIGIN")
local nbatch = tonumber(os.getenv("BENCH_BATCH") or "50")
local guide_every = tonumber(os.getenv("BENCH_GUIDE_EVERY") or "0")
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local counter = 0
local fmt = string.format
local floor = math.floor

request = function()
  local now = os.time()
  local stamp = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
  local ms = now * 1000  -- Lua has no wall-clock ms; the counter orders ids within a second
  local hi = floor(ms / 65536)
  local lo = ms % 65536
  local field = (run * 16 + tid) % 4096
  local parts = {}
  for i = 1, nbatch do
    counter = counter + 1
    local id = fmt("%08x-%04x-7%03x-%04x-%012x", hi, lo, field, 32768 + floor(counter / 4294967296) % 16384,
                   counter % 4294967296)
    local user = counter % users
    local ev
    if guide_every > 0 and counter % guide_every == 0 then
      ev = fmt('{"id":"%s","type":"guide_seen","user_id":"user-%d","guide":"guide-%02d","timestamp":"%s"}',
               id, user, counter % 20, stamp)
    elseif counter % 5 == 0 then
      ev = fmt('{"id":"%s","type":"track","name":"report_created","user_id":"user-%d","timestamp":"%s",'
               .. '"properties":{"rows":%d,"format":"csv"}}', id, user, stamp, counter % 1000)
    else
      ev = fmt('{"id":"%s","type":"page_view","user_id":"user-%d","timestamp":"%s",'
               .. '"properties":{"path":"/app/reports/%d","title":"Reports"}}', id, user, stamp, counter % 100)
    end
    parts[i] = ev
  end
  local body = '{"key":"' .. key .. '","events":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Origin"] = origin}, body)
end
""" + _DONE


def write(script: str) -> Path:
    """The script in a temp file (the caller removes it)."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-", suffix=".lua", delete=False) as f:
        f.write(script)
    return Path(f.name)
