#!/usr/bin/env python3
"""Compare xlkit-bench results: xlkit against libev, libuv and the raw limit.

Reads Google Benchmark JSON (bench/xlkit-bench --benchmark_format=json, or
--benchmark_out=FILE), takes the median of the repetitions of every
<workload>/<impl>, and writes
  - a ratio table with each workload's target (rows() below) met or missed,
    between the "compare.py" markers of docs/performance.md (the rest of the file, the
    hand-written analysis, is kept; a new file gets a skeleton);
  - docs/performance.svg, a bar plot of every implementation relative to the
    raw limit (log scale), with the targets marked.
  - a second table for the Xen layer on the userspace sim host (W_, X_, Y_
    benchmarks: watch latency against raw libxenstore, the cost of one
    domain death against the number of domains watched, concurrent against
    sequential domain operations), between the "compare.py xen" markers;
The tables are also printed on stdout. Exit status 0 even if targets are missed
(this is a report, not a test); 2 if the input has no usable benchmark.

usage: compare.py RESULTS.json [--md PATH] [--svg PATH] [--stdout-only] [--only core|xen]
  --only xen   rewrite only the Xen-layer block of the .md (not the event-core
               table, its hand-written verdict, or the plot)
"""
import argparse
import json
import math
import os
import statistics
import sys
from collections import defaultdict

IMPLS = ["xlkit", "libev", "libuv", "raw"]
PEERS = ["libev", "libuv"]
COLORS = {"xlkit": "#1f6fb4", "libev": "#e8871e", "libuv": "#3a9a3a"}
BEGIN = "<!-- compare.py: begin (generated, do not edit by hand) -->"
END = "<!-- compare.py: end -->"
XEN_BEGIN = "<!-- compare.py xen: begin (generated, do not edit by hand) -->"
XEN_END = "<!-- compare.py xen: end -->"


# ---- input -------------------------------------------------------------------

def load(path):
    with open(path) as f:
        data = json.load(f)
    values = defaultdict(lambda: defaultdict(list))  # run_name -> counter -> [v]
    medians = defaultdict(dict)                       # from aggregate rows
    errors = {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name") or b.get("name", "")
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        counters = {k: v for k, v in b.items() if isinstance(v, (int, float))
                    and k not in ("iterations", "real_time", "cpu_time", "repetitions",
                                  "repetition_index", "threads", "per_family_instance_index",
                                  "family_index")}
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name].update(counters)
            continue
        for k, v in counters.items():
            values[name][k].append(float(v))
    out = {}
    for name in set(values) | set(medians):
        if name in values and values[name]:
            out[name] = {k: statistics.median(v) for k, v in values[name].items()}
            out[name]["_reps"] = max(len(v) for v in values[name].values())
        else:  # --benchmark_report_aggregates_only
            out[name] = dict(medians[name])
            out[name]["_reps"] = None
    return data.get("context", {}), out, errors


# ---- rows and targets ---------------------------------------------------------

class Row:
    def __init__(self, key, label, workload, counter, unit, target=None, info=False):
        self.key, self.label, self.workload, self.counter = key, label, workload, counter
        self.unit, self.target, self.info = unit, target, info


def rows():
    a_t = ("≤ 1.0× libev and ≤ 2× raw", lambda v, r: both(ratio(v, "libev"), 1.0, ratio(v, "raw"), 2.0),
           lambda v: mn(v.get("libev"), twice(v.get("raw"))))
    b_t = ("≤ 1.0× libev", lambda v, r: le(ratio(v, "libev"), 1.0), lambda v: v.get("libev"))
    return [
        Row("A1", "A1 dispatch, 1,000 queued per run", "A1_dispatch_queued", "ns_per_op", "ns", a_t),
        Row("A2", "A2 dispatch, chained", "A2_dispatch_chained", "ns_per_op", "ns", a_t),
        Row("Barm", "B arm (100k timers)", "B_timer_arm", "ns_per_op", "ns", b_t),
        Row("Bcancel", "B cancel", "B_timer_cancel", "ns_per_op", "ns", b_t),
        Row("Bfire", "B fire", "B_timer_fire", "ns_per_op", "ns", b_t),
        Row("Barm0", "B arm, first pass on a fresh loop", "B_timer_arm", "cold_ns_per_op", "ns", info=True),
        Row("Bcancel0", "B cancel, first pass", "B_timer_cancel", "cold_ns_per_op", "ns", info=True),
        Row("Bfire0", "B fire, first pass", "B_timer_fire", "cold_ns_per_op", "ns", info=True),
        Row("C", "C 1 of ~10k fds ready, epoll", "C_fd_dispatch", "ns_per_op", "ns",
            ("≤ 1.1× raw epoll", lambda v, r: le(ratio(v, "raw"), 1.1),
             lambda v: scale(v.get("raw"), 1.1))),
        Row("Cpoll", "C same via beforepoll/poll() over all fds", "C_fd_dispatch_beforepoll", "ns_per_op", "ns",
            ("epoll path ≥ 300× faster than this", lambda v, r: ge(div(v.get("xlkit"), r.get("C", {}).get("xlkit")), 300.0),
             None)),
        Row("Dx50", "D cross-CPU p50", "D_wake_cross_cpu", "p50_us", "µs",
            ("≤ 1.1× raw", lambda v, r: le(ratio(v, "raw"), 1.1), lambda v: scale(v.get("raw"), 1.1))),
        Row("Dx99", "D cross-CPU p99", "D_wake_cross_cpu", "p99_us", "µs",
            ("≤ 1.3× raw", lambda v, r: le(ratio(v, "raw"), 1.3), lambda v: scale(v.get("raw"), 1.3))),
        Row("Ds50", "D same-CPU p50", "D_wake_same_cpu", "p50_us", "µs",
            ("≤ 1.1× raw", lambda v, r: le(ratio(v, "raw"), 1.1), lambda v: scale(v.get("raw"), 1.1))),
        Row("Ds99", "D same-CPU p99", "D_wake_same_cpu", "p99_us", "µs",
            ("≤ 1.3× raw", lambda v, r: le(ratio(v, "raw"), 1.3), lambda v: scale(v.get("raw"), 1.3))),
        Row("E", "E one-shot op", "E_oneshot_op", "ns_per_op", "ns",
            ("≤ 50 ns", lambda v, r: le(v.get("xlkit"), 50.0), lambda v: 50.0)),
    ]


def div(a, b):
    return a / b if a is not None and b else None


def ratio(v, impl):
    return div(v.get("xlkit"), v.get(impl))


def le(x, lim):
    return None if x is None else x <= lim


def ge(x, lim):
    return None if x is None else x >= lim


def both(x, xl, y, yl):
    a, b = le(x, xl), le(y, yl)
    return None if a is None or b is None else (a and b)


def mn(a, b):
    vals = [x for x in (a, b) if x is not None]
    return min(vals) if vals else None


def twice(x):
    return scale(x, 2.0)


def scale(x, k):
    return None if x is None else x * k


# ---- formatting -----------------------------------------------------------------

def fmt(x, unit=""):
    if x is None:
        return "—"
    if x >= 1e5:
        s = f"{x:,.0f}"
    elif x >= 100:
        s = f"{x:,.0f}"
    elif x >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    return s + (f" {unit}" if unit else "")


def fmt_ratio(x):
    if x is None:
        return "—"
    return f"{x:.0f}×" if x >= 100 else f"{x:.2f}×"


def evaluate(results):
    """Returns [(row, values{impl: v}, status)] with status True/False/None."""
    table = []
    by_key = {}
    for row in rows():
        vals = {}
        for impl in IMPLS:
            r = results.get(f"{row.workload}/{impl}")
            if r is not None and row.counter in r:
                vals[impl] = r[row.counter]
        by_key[row.key] = vals
        table.append((row, vals))
    out = []
    for row, vals in table:
        status = row.target[1](vals, by_key) if row.target else None
        out.append((row, vals, status))
    return out, by_key


def markdown(context, results, errors, src):
    table, by_key = evaluate(results)
    reps = sorted({r.get("_reps") for r in results.values() if r.get("_reps")})
    lines = []
    lines.append(f"Source: `{os.path.basename(src)}`; "
                 f"{context.get('date', '?')} on {context.get('host_name', '?')}, "
                 f"{context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz; "
                 f"each cell the median of {'/'.join(map(str, reps)) or '?'} repetitions "
                 f"in one run of `bench/xlkit-bench`.")
    lines.append("")
    lines.append("| Workload | raw | xlkit | libev | libuv | xlkit ÷ raw | xlkit ÷ libev | xlkit ÷ libuv | Target | Met |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|:---:|")
    for row, v, status in table:
        cells = [row.label]
        for impl in ["raw", "xlkit", "libev", "libuv"]:
            cells.append(fmt(v.get(impl)) + (f" {row.unit}" if v.get(impl) is not None and impl == "raw" else ""))
        cells.append(fmt_ratio(ratio(v, "raw")))
        cells.append(fmt_ratio(ratio(v, "libev")))
        cells.append(fmt_ratio(ratio(v, "libuv")))
        if row.key == "Cpoll":
            k = div(v.get("xlkit"), by_key.get("C", {}).get("xlkit"))
            target = row.target[0] + f" (here {fmt_ratio(k)})"
        else:
            target = row.target[0] if row.target else "(information)"
        cells.append(target)
        cells.append("—" if status is None else ("**yes**" if status else "**no**"))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("A, B, C, E: `ns_per_op`, the benchmark thread's CPU time per operation (none of these "
                 "sections blocks, so on an idle machine it equals the wall-clock time, which is kept as "
                 "`wall_ns_per_op`); D: wall-clock round trips.")
    load = []
    for row, v, _ in table:
        if row.counter != "ns_per_op":
            continue
        for impl in IMPLS:
            r = results.get(f"{row.workload}/{impl}", {})
            w, c = r.get("wall_ns_per_op"), r.get("ns_per_op")
            if w and c:
                load.append(w / c)
    if load:
        lines.append(f"Machine load during the run: wall-clock ÷ CPU time of those sections, median "
                     f"{statistics.median(load):.2f}, max {max(load):.2f} (1.00 = the CPU was ours alone).")
    lines.append("")
    met = [r.label for r, _, s in table if s is True]
    missed = [r.label for r, _, s in table if s is False]
    unknown = [r.label for r, _, s in table if s is None and r.target]
    lines.append(f"Targets met: {len(met)} of {len(met) + len(missed) + len(unknown)}."
                 + (f" Missed: {'; '.join(missed)}." if missed else "")
                 + (f" Not measured: {'; '.join(unknown)}." if unknown else ""))
    if errors:
        lines.append("")
        lines.append("Benchmarks that failed: " + "; ".join(f"`{k}`: {v}" for k, v in sorted(errors.items())))
    lines.append("")
    lines.append("![xlkit, libev and libuv relative to the raw limit](performance.svg)")
    return "\n".join(lines), table


# ---- the Xen layer (W_, X_, Y_) ------------------------------------------------------

XEN_WATCH_LIMIT = 1.2     # W: xlkit <= 1.2x raw libxenstore
XEN_DEATH_LIMIT = 1.25    # X: cost per death at the most domains watched <= 1.25x at 1


def by_size(results, prefix):
    """{N: counters} for benchmarks named PREFIX<N>."""
    out = {}
    for name, r in results.items():
        if name.startswith(prefix):
            try:
                out[int(name[len(prefix):])] = r
            except ValueError:
                pass
    return dict(sorted(out.items()))


def xen_markdown(context, results, errors, src):
    """The Xen-layer block, or None if the run has none of its benchmarks."""
    wx, wr = results.get("W_xs_watch/xlkit"), results.get("W_xs_watch/raw")
    deaths = by_size(results, "X_death/watched:")
    conc = by_size(results, "Y_ops/concurrent_callback:")
    seq = by_size(results, "Y_ops/sequential_sync:")
    if not (wx or wr or deaths or conc or seq):
        return None, []
    reps = sorted({r.get("_reps") for n, r in results.items() if n[:2] in ("W_", "X_", "Y_") and r.get("_reps")})
    L = []
    verdicts = []  # (label, met)
    L.append(f"Source: `{os.path.basename(src)}`; {context.get('date', '?')} on {context.get('host_name', '?')}, "
             f"{context.get('num_cpus', '?')} CPUs; each cell the median of "
             f"{'/'.join(map(str, reps)) or '?'} repetitions in one run of `bench/xlkit-bench` "
             f"(every benchmark, interleaved at random).")
    L.append("")
    L.append("**W: xenstore write → watch callback** (wall clock per round trip; the same writer, "
             "libxenstore and xenstored on both sides)")
    L.append("")
    L.append("| Figure | raw libxenstore | xlkit | xlkit ÷ raw | Target | Met |")
    L.append("|---|---:|---:|---:|---|:---:|")
    for key, label, target in [("p50_us", "p50", True), ("mean_us", "mean", True), ("p99_us", "p99", False),
                               ("cpu_us_per_rt", "CPU per round trip, this process (all threads)", False)]:
        a = (wr or {}).get(key)
        b = (wx or {}).get(key)
        q = div(b, a)
        met = le(q, XEN_WATCH_LIMIT) if target else None
        if target:
            verdicts.append((f"W {label}", met))
        L.append(f"| {label} | {fmt(a, 'µs')} | {fmt(b, 'µs')} | {fmt_ratio(q)} | "
                 f"{f'≤ {XEN_WATCH_LIMIT}× raw' if target else '(information)'} | "
                 f"{'—' if met is None else ('**yes**' if met else '**no**')} |")
    L.append("")
    if deaths:
        L.append("**X: one domain death while N domains are watched** (per death; CPU times in µs)")
        L.append("")
        L.append("| Domains watched | CPU destroy → DEATH, process | same, loop thread | ÷ 1 watched | "
                 "CPU until idle again | hypervisor queries | @releaseDomain events | destroy → DEATH p50 | mean | "
                 "xenstored CPU |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        base = deaths[min(deaths)].get("cpu_us_to_event")
        for n, r in deaths.items():
            L.append(f"| {n:,} | {fmt(r.get('cpu_us_to_event'))} | {fmt(r.get('loop_cpu_us_to_event'))} | "
                     f"{fmt_ratio(div(r.get('cpu_us_to_event'), base))} | {fmt(r.get('cpu_us_per_death'))} | "
                     f"{fmt(r.get('queries_per_death'))} | {fmt(r.get('watch_events_per_death'))} | "
                     f"{fmt(r.get('p50_us'), 'µs')} | {fmt(r.get('mean_us'), 'µs')} | "
                     f"{fmt(r.get('xenstored_us_per_death'))} |")
        lo, hi = deaths[min(deaths)], deaths[max(deaths)]
        q = div(hi.get("cpu_us_to_event"), lo.get("cpu_us_to_event"))
        same_queries = (lo.get("queries_per_death") is not None and
                        hi.get("queries_per_death") == lo.get("queries_per_death"))
        met = None if q is None else (q <= XEN_DEATH_LIMIT and same_queries)
        verdicts.append(("X cost per death independent of the domains watched", met))
        L.append("")
        L.append(f"Target: the cost per death grows with the domains changed, not watched — judged as: CPU "
                 f"destroy → DEATH with {max(deaths):,} watched ≤ {XEN_DEATH_LIMIT}× that with {min(deaths):,} "
                 f"(here {fmt_ratio(q)}) and as many hypervisor queries (here "
                 f"{fmt(lo.get('queries_per_death'))} → {fmt(hi.get('queries_per_death'))}): "
                 f"{'—' if met is None else ('**met**' if met else '**missed**')}.")
        L.append("")
    if conc or seq:
        n = max(set(conc) | set(seq))
        c, sq = conc.get(n, {}), seq.get(n, {})
        L.append(f"**Y: {n} domains created, then destroyed, from one thread** (ms for all {n})")
        L.append("")
        L.append("| Figure | sequential, sync mode | concurrent, callback mode | concurrent ÷ sequential |")
        L.append("|---|---:|---:|---:|")
        for key, label in [("wall_ms", "wall clock, create + destroy"), ("cpu_ms", "CPU, this process (all threads)"),
                           ("create_wall_ms", "wall clock, the creates"), ("destroy_wall_ms", "wall clock, the destroys"),
                           ("xenstored_cpu_ms", "CPU, xenstored")]:
            a, b = sq.get(key), c.get(key)
            L.append(f"| {label} | {fmt(a)} | {fmt(b)} | {fmt_ratio(div(b, a))} |")
        L.append("")
    met = [l for l, m in verdicts if m is True]
    missed = [l for l, m in verdicts if m is False]
    L.append(f"Xen-layer targets met: {len(met)} of {len(verdicts)}."
             + (f" Missed: {'; '.join(missed)}." if missed else ""))
    xen_err = {k: v for k, v in errors.items() if k[:2] in ("W_", "X_", "Y_")}
    if xen_err:
        L.append("")
        L.append("Xen-layer benchmarks that failed: " + "; ".join(f"`{k}`: {v}" for k, v in sorted(xen_err.items())))
    return "\n".join(L), verdicts


SKELETON = """# Performance

How xlkit's event core compares with libev, libuv and the raw limit on the
workloads of the perf anchors. Regenerate the table and the plot with

```sh
make bench
bench/xlkit-bench --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \\
    --benchmark_format=json > results.json
bench/compare.py results.json
```

{begin}
{end}

## Analysis

(Written by hand: what each missed target costs and why.)
"""


def write_md(path, block, begin=BEGIN, end=END):
    generated = f"{begin}\n{block}\n{end}"
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
        if begin in text and end in text:
            a = text.index(begin)
            b = text.index(end) + len(end)
            text = text[:a] + generated + text[b:]
        else:
            text = text.rstrip("\n") + "\n\n" + generated + "\n"
    else:
        text = SKELETON.replace("{begin}\n{end}", f"{BEGIN}\n{END}")
        text = text.replace(f"{BEGIN}\n{END}", generated) if begin == BEGIN else text + "\n" + generated + "\n"
    with open(path, "w") as f:
        f.write(text)


# ---- SVG -------------------------------------------------------------------------

def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(table):
    plotted = [(row, v, st) for row, v, st in table
               if v.get("raw") and any(v.get(i) for i in ["xlkit", "libev", "libuv"])]
    ratios = [v[i] / v["raw"] for _, v, _ in plotted for i in ["xlkit", "libev", "libuv"] if v.get(i)]
    if not ratios:
        return None
    lo = min(0.5, min(ratios) / 1.3)
    hi = max(2.0, max(ratios) * 1.6)
    left, right, top, bar_h, gap = 300, 60, 70, 11, 16
    width = 1000
    plot_w = width - left - right
    group_h = 3 * bar_h + gap
    height = top + group_h * len(plotted) + 60

    def x(r):
        return left + plot_w * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    o = []
    o.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">')
    o.append(f'<rect width="{width}" height="{height}" fill="white"/>')
    o.append(f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">'
             'xlkit, libev and libuv relative to the raw limit (log scale, lower is better)</text>')
    o.append(f'<text x="{width / 2}" y="38" text-anchor="middle" fill="#444">'
             'bar = time ÷ raw limit; label = absolute median; red mark = the target for xlkit, '
             '✔/✘ = target met/missed</text>')
    # grid
    t = 10 ** math.floor(math.log10(lo))
    ticks = []
    while t <= hi * 1.0001:
        for m in (1, 2, 5):
            v = t * m
            if lo <= v <= hi:
                ticks.append(v)
        t *= 10
    for v in ticks:
        xv = x(v)
        o.append(f'<line x1="{xv:.1f}" y1="{top - 8}" x2="{xv:.1f}" y2="{height - 45}" '
                 f'stroke="{"#888" if v == 1 else "#ddd"}" stroke-width="{1.5 if v == 1 else 1}"/>')
        o.append(f'<text x="{xv:.1f}" y="{height - 30}" text-anchor="middle" fill="#444">{v:g}×</text>')
    o.append(f'<text x="{x(1):.1f}" y="{top - 12}" text-anchor="middle" fill="#444">raw = 1×</text>')
    y = top
    for row, v, status in plotted:
        raw = v["raw"]
        mark = "" if status is None else (" ✔" if status else " ✘")
        color = "#222" if status is None else ("#1a7f1a" if status else "#c02020")
        o.append(f'<text x="{left - 8}" y="{y + 1.5 * bar_h + 4:.1f}" text-anchor="end" fill="{color}">'
                 f'{esc(row.label)}{mark}</text>')
        o.append(f'<text x="{left - 8}" y="{y + 1.5 * bar_h + 16:.1f}" text-anchor="end" fill="#777" '
                 f'font-size="9">raw {fmt(raw, row.unit)}</text>')
        xt = None
        if row.target and row.target[2]:
            tv = row.target[2](v)
            xt = x(tv / raw) if tv else None
        for k, impl in enumerate(["xlkit", "libev", "libuv"]):
            val = v.get(impl)
            by = y + k * bar_h
            if not val:
                o.append(f'<text x="{left + 4}" y="{by + bar_h - 2}" fill="#999" font-size="9">{impl}: n/a</text>')
                continue
            r = val / raw
            x0, x1 = x(lo), x(r)
            o.append(f'<rect x="{x0:.1f}" y="{by:.1f}" width="{max(x1 - x0, 1):.1f}" height="{bar_h - 1}" '
                     f'fill="{COLORS[impl]}"/>')
            tx = max(x1, xt + 2 if (xt is not None and k == 0) else x1) + 4
            o.append(f'<text x="{tx:.1f}" y="{by + bar_h - 2:.1f}" font-size="9" fill="#333">'
                     f'{esc(fmt(val, row.unit))} ({fmt_ratio(r)})</text>')
        if xt is not None:
            o.append(f'<line x1="{xt:.1f}" y1="{y - 2}" x2="{xt:.1f}" y2="{y + bar_h + 1}" '
                     'stroke="#d00" stroke-width="2.5"/>')
        y += group_h
    # legend
    lx = left
    for impl in ["xlkit", "libev", "libuv"]:
        o.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="10" fill="{COLORS[impl]}"/>')
        o.append(f'<text x="{lx + 16}" y="{height - 9}">{impl}</text>')
        lx += 80
    o.append(f'<line x1="{lx}" y1="{height - 19}" x2="{lx}" y2="{height - 7}" stroke="#d00" stroke-width="2.5"/>')
    o.append(f'<text x="{lx + 6}" y="{height - 9}">target for xlkit (where it is a time)</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


# ---- main ----------------------------------------------------------------------------

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    docs = os.path.join(os.path.dirname(here), "docs")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", help="Google Benchmark JSON from bench/xlkit-bench")
    ap.add_argument("--md", default=os.path.join(docs, "performance.md"))
    ap.add_argument("--svg", default=os.path.join(docs, "performance.svg"))
    ap.add_argument("--stdout-only", action="store_true", help="print the table, write nothing")
    ap.add_argument("--only", choices=["core", "xen"], help="write only the event-core or only the Xen-layer block")
    args = ap.parse_args()

    context, results, errors = load(args.results)
    if not results:
        print(f"compare.py: no benchmark results in {args.results}", file=sys.stderr)
        return 2
    block, table = markdown(context, results, errors, args.results)
    print(block)
    xen_block, _ = xen_markdown(context, results, errors, args.results)
    if xen_block:
        print()
        print(xen_block)
    if args.stdout_only:
        return 0
    if args.only != "xen":
        write_md(args.md, block)
    if xen_block and args.only != "core":
        write_md(args.md, xen_block, XEN_BEGIN, XEN_END)
    if args.only == "xen":
        print(f"\nwrote the Xen-layer block of {args.md}", file=sys.stderr)
        return 0
    pic = svg(table)
    if pic:
        with open(args.svg, "w") as f:
            f.write(pic)
    print(f"\nwrote {args.md} and {args.svg}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
