#!/usr/bin/env python3
"""Reads bench/run's raw outputs (OUT_DIR/raw/*.txt, chaos.json) and writes one report,
OUT_DIR/report.json and OUT_DIR/report.md, with the machine described. Figures only."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def num(pattern, text, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else None


def machine():
    cpu = ""
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = num(r"^MemTotal:\s+(\d+)", read("/proc/meminfo"), int)

    def out(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "os": out("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "compiler": out("c++", "--version").splitlines()[0] if out("c++", "--version") else "",
        "commit": out("git", "rev-parse", "--short", "HEAD"),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(out_dir):
    raw = os.path.join(out_dir, "raw")
    dec, jour, sim, safety, engine, daemon = (read(os.path.join(raw, f + ".txt"))
                                              for f in ("decimal", "journal", "sim", "safety", "engine", "daemon"))
    chaos = json.loads(read(os.path.join(raw, "chaos.json")) or "{}")
    r = {"machine": machine(), "figures": {}}
    f = r["figures"]
    f["decode_ns_per_message"] = {m.group(1): float(m.group(2))
                                  for m in re.finditer(r"^decode (\S+)\s+(\d+) ns/message", safety, re.M)}
    f["hmac_sha256_ns"] = num(r"keyed once:\s+(\d+) ns", safety)
    f["bybit_sign_headers_ns"] = num(r"Bybit X-BAPI-SIGN headers, \d+-byte body:\s+(\d+) ns", safety)
    f["decimal_parse_ns"] = num(r"decimal parse:\s+([\d.]+)", dec)
    loads = []
    for m in re.finditer(r"^load\s+(\d+) events/s.*?p50 <= (\d+) us, p99 <= (\d+) us, p99\.9 <= (\d+) us.*?"
                         r"CPU [\d.]+ s for \d+ s of events = ([\d.]+)% of a core.*?peak RSS (\d+) MB", engine, re.S | re.M):
        loads.append({"events_per_s": int(m.group(1)), "p50_us_le": int(m.group(2)), "p99_us_le": int(m.group(3)),
                      "p999_us_le": int(m.group(4)), "cpu_percent_in_process": float(m.group(5)),
                      "peak_rss_mb_in_process": int(m.group(6))})
    f["event_to_command_latency"] = loads
    f["rest_calls_per_lifecycle"] = num(r"REST calls for open \+ stop \+ take-profit.*?\): (\d+)", engine, int)
    f["daemon_idle"] = {"cpu_percent": num(r"daemon idle: CPU ([\d.]+)%", daemon),
                        "rss_mb": num(r"daemon idle: .*RSS ([\d.]+) MB", daemon)}
    f["daemon_at_load"] = {"cpu_percent": num(r"daemon at load[^:]*: CPU ([\d.]+)%", daemon),
                           "rss_mb": num(r"daemon at load[^:]*: .*RSS ([\d.]+) MB", daemon),
                           "what": "8 maker entries following 11 books that walk every 250 ms"}
    tools = {}
    for m in re.finditer(r"^(keel-scan-orphans(?: bybit-v5)?|keel-reconcile(?: bybit-v5)?|ccxt orphan scan)\s+over (\d+) symbols,\s+(\d+) ms round trip:"
                         r"\s+(\d+) ms wall incl\. process start, (\d+) REST calls", safety, re.M):
        tools[f"{m.group(1)} @{m.group(3)}ms"] = {"symbols": int(m.group(2)), "rtt_ms": int(m.group(3)),
                                                   "wall_ms": int(m.group(4)), "rest_calls": int(m.group(5))}
    f["tools_200_symbols"] = tools
    ratios = {}
    for rtt in (0, 50):
        k, c = tools.get(f"keel-scan-orphans @{rtt}ms"), tools.get(f"ccxt orphan scan @{rtt}ms")
        if k and c and k["wall_ms"]:
            ratios[f"{rtt}ms"] = round(c["wall_ms"] / k["wall_ms"], 1)
    f["ccxt_over_keel_scan_wall_ratio"] = ratios
    f["journal_events_per_s"] = {"1/commit": num(r"1 event/commit:\s+(\d+)", jour),
                                 "100/commit": num(r"100 events/commit:\s+(\d+)", jour)}
    f["simulator"] = {"resting_order_ns": num(r"resting limit order:\s+(\d+)", sim),
                      "signed_orders_per_s": num(r"signed orders.*?:\s+(\d+) orders/s", sim),
                      "stream_events_per_s": num(r"user-data events to one client:\s+(\d+)", sim)}
    if chaos:
        f["chaos_soak"] = {k: chaos.get(k) for k in ("episodes", "violations", "rest_calls", "lifecycles",
                                                     "ghost_recovery", "unprotected_window", "seconds")}
    with open(os.path.join(out_dir, "report.json"), "w", encoding="utf-8") as out:
        json.dump(r, out, indent=2)
        out.write("\n")

    m = r["machine"]
    md = [f"# keel benchmark report", "",
          f"{m['date']}, commit {m['commit']}: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
          f"{m['os']}, kernel {m['kernel']}, {m['compiler']}.", "",
          "Figures, not pass/fail: one run of `bench/run`; raw outputs beside this file.", "",
          "| figure | value |", "|---|---|"]

    def row(name, value):
        if value is not None and value != {} and value != []:
            md.append(f"| {name} | {value} |")

    for k, v in f["decode_ns_per_message"].items():
        row(f"decode {k}", f"{v:.0f} ns/message")
    row("HMAC-SHA256 sign (keyed once)", f"{f['hmac_sha256_ns']:.0f} ns" if f["hmac_sha256_ns"] else None)
    row("Bybit X-BAPI-* signed headers", f"{f['bybit_sign_headers_ns']:.0f} ns" if f["bybit_sign_headers_ns"] else None)
    for l in loads:
        row(f"event→command latency at {l['events_per_s']} events/s (200 symbols)",
            f"p50 ≤ {l['p50_us_le']} µs, p99 ≤ {l['p99_us_le']} µs, p99.9 ≤ {l['p999_us_le']} µs")
    d, dl = f["daemon_idle"], f["daemon_at_load"]
    if d["cpu_percent"] is not None:
        row("keel-traderd idle", f"{d['cpu_percent']}% of a core, RSS {d['rss_mb']} MB")
    if dl["cpu_percent"] is not None:
        row(f"keel-traderd at load ({dl['what']})", f"{dl['cpu_percent']}% of a core, RSS {dl['rss_mb']} MB")
    for k, v in tools.items():
        row(f"{k.split(' @')[0]}, 200 symbols, {v['rtt_ms']} ms round trip", f"{v['wall_ms']} ms wall, {v['rest_calls']} REST calls")
    for k, v in ratios.items():
        row(f"ccxt (node) orphan scan / keel-scan-orphans, wall time, {k} round trip", f"{v}×")
    row("journal appends, 100 events/commit", f"{f['journal_events_per_s']['100/commit']:.0f} events/s"
        if f["journal_events_per_s"]["100/commit"] else None)
    s = f["simulator"]
    row("simulator: signed orders over REST", f"{s['signed_orders_per_s']:.0f} orders/s" if s["signed_orders_per_s"] else None)
    row("simulator: user-data events to one client", f"{s['stream_events_per_s']:.0f} events/s" if s["stream_events_per_s"] else None)
    row("REST calls per lifecycle (open, stop, take-profit; no faults)", f["rest_calls_per_lifecycle"])
    c = f.get("chaos_soak")
    if c:
        row("chaos soak", f"{c['episodes']} episodes, violations: {c['violations'] or 'none'}")
        if c.get("lifecycles"):
            row("REST calls per lifecycle under chaos (faults, retries, scans)", f"{c['rest_calls'] / c['lifecycles']:.1f}")
        for k in ("ghost_recovery", "unprotected_window"):
            p = c.get(k) or {}
            row(f"chaos: {k.replace('_', ' ')}", f"p50 {p.get('p50_ms')} ms, p99 {p.get('p99_ms')} ms, max {p.get('max_ms')} ms")
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as out:
        out.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench-report")
