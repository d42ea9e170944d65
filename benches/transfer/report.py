#!/usr/bin/env python3
"""Turns the raw rows of benches/transfer.sh into markdown (stdout) and a per-cell TSV of medians.

    report.py --size-mib N --runs N --summary OUT.tsv [--env TEXT] RAW.tsv

Goals checked for minis3, per server and direction: wall time <= the fastest peer's (medians),
CPU time (user+sys) <= every peer's (medians), and peak RSS < 32 MiB in every run.
Exit status 3 when minis3 was measured and misses a goal, 0 otherwise.
Standard library only.
"""
import argparse
import csv
import statistics
import sys

RSS_GOAL_MIB = 32
CEILING_WHAT = {
    ("get", "ceiling-1"): "1 curl GET -> /dev/null",
    ("get", "ceiling-2"): "2 ranged curl GETs (halves) -> /dev/null",
    ("put", "ceiling-2"): "2 curl PUTs of the halves (two objects)",
}


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def fmt(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def spread(values, nd=2):
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med, nd)
    return f"{fmt(med, nd)} ({fmt(min(values), nd)}–{fmt(max(values), nd)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--env", default="")
    ap.add_argument("raw")
    a = ap.parse_args()

    with open(a.raw, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))

    order = []  # (server, dir, client) in first-seen order
    cells = {}
    startup = {}
    notes = []
    for r in rows:
        if r["dir"] == "startup":
            if r["status"] == "ok":
                startup[(r["server"], r["client"])] = num(r["wall_s"])
            continue
        if r["status"] == "skipped":
            who = " ".join(x for x in (r["server"], r["client"]) if x and x != "-")
            notes.append(f"{who}: skipped: {r['note']}")
            continue
        key = (r["server"], r["dir"], r["client"])
        if key not in cells:
            cells[key] = []
            order.append(key)
        cells[key].append(r)
        if r["status"] != "ok":
            notes.append(f"{r['server']} {r['dir']} {r['client']} run {r['run']}: FAILED: {r['note']}")
    for r in rows:
        if r["dir"] == "startup" and r["status"] != "ok":
            notes.append(f"{r['server']} {r['client']}: skipped: {r['note']}")

    # Grouped by server (in run order), then direction, then client (in run order).
    first = {}
    for r in rows:
        first.setdefault(("s", r["server"]), len(first))
        first.setdefault(("c", r["client"]), len(first))
    order.sort(key=lambda k: (first[("s", k[0])], k[1] != "get", first[("c", k[2])]))

    summary = {}
    for key in order:
        ok = [r for r in cells[key] if r["status"] == "ok"]
        wall = [num(r["wall_s"]) for r in ok]
        rss = [num(r["rss_kib"]) / 1024 for r in ok]
        user = [num(r["user_s"]) for r in ok]
        sys_ = [num(r["sys_s"]) for r in ok]
        cpu = [u + s for u, s in zip(user, sys_)]
        srv = [num(r["server_cpu_s"]) for r in ok if num(r["server_cpu_s"]) is not None]
        shas = {r["sha256"] for r in cells[key] if r["sha256"] != "-"}
        sha = "MISMATCH" if "MISMATCH" in shas else ("ok" if "ok" in shas else "–")
        med_wall = statistics.median(wall) if wall else None
        summary[key] = {
            "n": len(ok),
            "of": len(cells[key]),
            "wall": wall,
            "wall_med": med_wall,
            "mibps": a.size_mib / med_wall if med_wall else None,
            "rss": rss,
            "rss_med": statistics.median(rss) if rss else None,
            "rss_max": max(rss) if rss else None,
            "cpu": cpu,
            "cpu_med": statistics.median(cpu) if cpu else None,
            "user_med": statistics.median(user) if user else None,
            "sys_med": statistics.median(sys_) if sys_ else None,
            "srv": srv,
            "srv_med": statistics.median(srv) if srv else None,
            "sha": sha,
        }

    out = sys.stdout
    out.write(f"## Transfer benchmark: {a.size_mib} MiB object, median of {a.runs} run(s)\n\n")
    if a.env:
        out.write(f"{a.env}. Wall time is the whole client process (startup included: last column).\n\n")

    clients = [k for k in order if not k[2].startswith("ceiling-")]
    ceilings = [k for k in order if k[2].startswith("ceiling-")]
    if clients:
        out.write("| server | dir | client | wall s | MiB/s | peak RSS MiB | CPU s (user+sys) | server CPU s | startup s (1-byte GET) | sha256 |\n")
        out.write("|---|---|---|---|---|---|---|---|---|---|\n")
        for key in clients:
            s = summary[key]
            server, d, c = key
            best = s["n"] and s["wall_med"] == min(
                (summary[k]["wall_med"] for k in clients if k[:2] == key[:2] and summary[k]["wall_med"] is not None),
                default=None,
            )
            name = f"**{c}**" if best else c
            wall = spread(s["wall"])
            if s["n"] < s["of"]:
                wall += f" [{s['of'] - s['n']} of {s['of']} failed]"
            cpu = "–" if s["cpu_med"] is None else f"{fmt(s['cpu_med'])} ({fmt(s['user_med'])}+{fmt(s['sys_med'])})"
            out.write(
                f"| {server} | {d} | {name} | {wall} | {fmt(s['mibps'], 0)} | {fmt(s['rss_med'], 0)} | {cpu} "
                f"| {fmt(s['srv_med'])} | {fmt(startup.get((server, c)))} | {s['sha']} |\n"
            )
        out.write("\n")
    if ceilings:
        out.write("Server ceilings (curl, nothing written to a file on the client side):\n\n")
        out.write("| server | what | wall s | MiB/s | client CPU s | server CPU s |\n|---|---|---|---|---|---|\n")
        for key in ceilings:
            s = summary[key]
            what = CEILING_WHAT.get((key[1], key[2]), f"{key[1]} {key[2]}")
            out.write(
                f"| {key[0]} | {what} | {spread(s['wall'])} | {fmt(s['mibps'], 0)} | {fmt(s['cpu_med'])} "
                f"| {fmt(s['srv_med'])} |\n"
            )
        out.write("\n")
    if notes:
        out.write("Skipped or failed:\n\n")
        for n in dict.fromkeys(notes):
            out.write(f"- {n}\n")
        out.write("\n")

    # Goals
    out.write("### Goals for `minis3 cp`\n\n")
    rc = 0
    m_any = [k for k in clients if k[2] == "minis3"]
    m_cells = [k for k in m_any if summary[k]["n"]]
    if not m_any:
        out.write("Not checked: minis3 was not measured (see above).\n")
    else:
        out.write("| server | dir | wall: minis3 vs fastest peer | CPU s: minis3 vs least peer | peak RSS < 32 MiB |\n")
        out.write("|---|---|---|---|---|\n")
        all_ok = True
        for key in m_cells:
            m = summary[key]
            peers = [k for k in clients if k[:2] == key[:2] and not k[2].startswith("minis3") and summary[k]["n"]]
            if peers:
                fast = min(peers, key=lambda k: summary[k]["wall_med"])
                lean = min(peers, key=lambda k: summary[k]["cpu_med"])
                w_ok = m["wall_med"] <= summary[fast]["wall_med"]
                c_ok = m["cpu_med"] <= summary[lean]["cpu_med"]
                wall_txt = (
                    f"{'✓' if w_ok else '✗'} {fmt(m['wall_med'])} vs {fast[2]} {fmt(summary[fast]['wall_med'])} "
                    f"(minis3 takes ×{m['wall_med'] / summary[fast]['wall_med']:.2f})"
                )
                cpu_txt = f"{'✓' if c_ok else '✗'} {fmt(m['cpu_med'])} vs {lean[2]} {fmt(summary[lean]['cpu_med'])}"
            else:
                w_ok = c_ok = True
                wall_txt = cpu_txt = "no peer measured"
            r_ok = m["rss_max"] < RSS_GOAL_MIB
            rss_txt = f"{'✓' if r_ok else '✗'} max {fmt(m['rss_max'], 1)} MiB"
            if m["n"] < m["of"]:
                wall_txt += f"; ✗ {m['of'] - m['n']} of {m['of']} runs failed"
            all_ok = all_ok and w_ok and c_ok and r_ok and m["n"] == m["of"]
            out.write(f"| {key[0]} | {key[1]} | {wall_txt} | {cpu_txt} | {rss_txt} |\n")
        missing = [
            (sv, d)
            for sv in dict.fromkeys(k[0] for k in clients)
            for d in ("get", "put")
            if (sv, d, "minis3") not in m_cells
        ]
        for sv, d in missing:
            why = "failed in every run" if (sv, d, "minis3") in summary else "not measured"
            out.write(f"| {sv} | {d} | ✗ {why} | | |\n")
            all_ok = False
        out.write(f"\n**{'All goals met.' if all_ok else 'Goals missed.'}**\n")
        rc = 0 if all_ok else 3

    with open(a.summary, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["server", "dir", "client", "runs_ok", "runs", "wall_s_median", "wall_s_min", "wall_s_max",
                    "mib_per_s", "rss_mib_median", "rss_mib_max", "cpu_s_median", "user_s_median", "sys_s_median",
                    "server_cpu_s_median", "startup_s", "sha256"])
        for key in order:
            s = summary[key]
            w.writerow([*key, s["n"], s["of"], fmt(s["wall_med"]), fmt(min(s["wall"]) if s["wall"] else None),
                        fmt(max(s["wall"]) if s["wall"] else None), fmt(s["mibps"], 1), fmt(s["rss_med"], 1),
                        fmt(s["rss_max"], 1), fmt(s["cpu_med"]), fmt(s["user_med"]), fmt(s["sys_med"]),
                        fmt(s["srv_med"]), fmt(startup.get((key[0], key[2]))), s["sha"]])
    return rc


if __name__ == "__main__":
    sys.exit(main())
