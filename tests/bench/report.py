#!/usr/bin/python3
"""Turn one bench VM's raw figures into the table, results.csv and the
data gnuplot draws (tests/bench/plot.gp).

    report.py RAWDIR OUTDIR HEADER

RAWDIR holds what tests/bench/guest wrote: raw.tsv (one line per run:
stack, alg, mode, workload, value or "n/a:reason"), crypto.txt (the
cryptobench lines of the kernel log) and drivers.txt. HEADER is the first
line of the table (date, commit, runs). Prints the table.

Every figure is a median over runs, shown with its min-max. Only ratios
taken within this one run mean anything (Documentation/performance.md).
A cell with no figure says why; nothing here is ever filled in from
elsewhere.
"""
import csv
import os
import statistics
import sys

STACKS = ["plaintext", "xfrm", "nfipsec"]
ALGS = ["gcm", "cbc"]
MODES = ["transport", "tunnel"]
WORKLOADS = {  # name: (title, unit)
    "tcp1": ("TCP, 1 stream", "Mbit/s"),
    "tcp4": ("TCP, 4 streams", "Mbit/s"),
    "udp64": ("UDP, 64-byte payloads", "packets/s"),
}
ALG_NAMES = {"gcm": "AES-GCM-128", "cbc": "AES-CBC-128/HMAC-SHA-256"}


def sizes(cells, stack):
    """The N the scale phases ran with (tests/bench/scale.bash), ascending."""
    return sorted({k[1] for k in cells if k[0] == stack}, key=int)
NOT_RUN = "not measured: the VM stopped before it, or --phases left it out"


class Cell:
    """The runs of one (stack, alg, mode, workload)."""

    def __init__(self):
        self.values = []
        self.reasons = []

    def median(self):
        return statistics.median(self.values) if self.values else None

    def why(self):
        if self.values:
            return ""
        return self.reasons[0] if self.reasons else NOT_RUN


def read_raw(path):
    cells = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 5:
                    continue
                stack, alg, mode, wl, v = parts
                c = cells.setdefault((stack, alg, mode, wl), Cell())
                if v.startswith("n/a:"):
                    c.reasons.append(v[4:])
                else:
                    try:
                        c.values.append(float(v))
                    except ValueError:
                        c.reasons.append("unreadable figure " + v)
    return cells


def cell(cells, stack, alg, mode, wl):
    if stack == "plaintext":
        alg = mode = "-"
    return cells.get((stack, alg, mode, wl), Cell())


def read_crypto(path):
    """{(alg, op): [(bytes, median, min, max, mbps)]}, driver names, and
    the reason when there is nothing."""
    res, drivers, reason = {}, {}, None
    if not os.path.exists(path):
        return res, drivers, NOT_RUN
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("n/a:"):
                reason = line[4:]
            if not line.startswith("result "):
                continue
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            drivers[kv["alg"]] = kv["driver"]
            res.setdefault((kv["alg"], kv["op"]), []).append(
                (int(kv["bytes"]), int(kv["ns_median"]), int(kv["ns_min"]),
                 int(kv["ns_max"]), int(kv["mbps_median"])))
    if not res and reason is None:
        reason = "cryptobench reported nothing"
    return res, drivers, reason


def interp(points, x):
    """ns at payload size x, linear between the measured sizes."""
    pts = sorted((b, ns) for b, ns, *_ in points)
    if not pts:
        return None
    if x <= pts[0][0] or len(pts) == 1:
        lo, hi = pts[0], pts[min(1, len(pts) - 1)]
    else:
        lo, hi = next(((a, b) for a, b in zip(pts, pts[1:]) if x <= b[0]),
                      (pts[-2], pts[-1]))
    if hi[0] == lo[0]:
        return float(lo[1])
    return lo[1] + (hi[1] - lo[1]) * (x - lo[0]) / (hi[0] - lo[0])


def esp_bytes(alg, mode):
    """What the AEAD encrypts for one 64-byte UDP datagram: the inner
    packet (transport: from the UDP header; tunnel: from the inner IP
    header), ESP's 2-byte trailer, padded to 4 (GCM) or 16 (CBC)."""
    n = 8 + 64 + (20 if mode == "tunnel" else 0) + 2
    block = 16 if alg == "cbc" else 4
    return -(-n // block) * block


def fmt(x):
    if x is None:
        return "n/a"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x


def figure(c):
    if not c.values:
        return "n/a (%s)" % c.why()
    s = "%s (%s-%s)" % (fmt(c.median()), fmt(min(c.values)), fmt(max(c.values)))
    if c.reasons:
        s += " [%d failed]" % len(c.reasons)
    return s


def ratio(a, b):
    ma, mb = a.median(), b.median()
    if ma is None or mb is None or mb == 0:
        return None
    return ma / mb


def fmt_ratio(r):
    return "n/a" if r is None else "%.2f" % r


def table(rows, header):
    """Plain text columns, left-aligned, two spaces apart."""
    widths = [max(len(str(r[i])) for r in [header] + rows)
              for i in range(len(header))]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip()]
    out += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()
            for r in rows]
    return out


def main():
    rawdir, outdir, title = sys.argv[1], sys.argv[2], sys.argv[3]
    cells = read_raw(os.path.join(rawdir, "raw.tsv"))
    crypto, drivers, crypto_na = read_crypto(os.path.join(rawdir, "crypto.txt"))
    csvrows = []
    lines = [title, ""]

    plot = []
    for wl, (wtitle, unit) in WORKLOADS.items():
        rows = []
        plain = cell(cells, "plaintext", "-", "-", wl)
        for c, st in [(plain, "plaintext")]:
            csvrows.append(["throughput", wl, "", "", "", st, unit, c.median(),
                            min(c.values, default=None),
                            max(c.values, default=None), len(c.values),
                            c.why()])
        for alg in ALGS:
            for mode in MODES:
                x = cell(cells, "xfrm", alg, mode, wl)
                n = cell(cells, "nfipsec", alg, mode, wl)
                r_nx, r_np, r_xp = ratio(n, x), ratio(n, plain), ratio(x, plain)
                rows.append([alg, mode, figure(plain), figure(x), figure(n),
                             fmt_ratio(r_nx), fmt_ratio(r_np), fmt_ratio(r_xp)])
                for c, st in [(x, "xfrm"), (n, "nfipsec")]:
                    csvrows.append(["throughput", wl, alg, mode, "", st, unit,
                                    c.median(), min(c.values, default=None),
                                    max(c.values, default=None), len(c.values),
                                    c.why()])
                for r, st in [(r_nx, "nfipsec/xfrm"), (r_np, "nfipsec/plaintext"),
                              (r_xp, "xfrm/plaintext")]:
                    csvrows.append(["ratio", wl, alg, mode, "", st, "ratio", r,
                                    "", "", "", "" if r is not None else "a figure is missing"])
                # The plot: each stack relative to plaintext's median.
                pm = plain.median()
                row = ["%s\\n%s" % (alg, mode)]
                for c in (x, n):
                    if c.values and pm:
                        row += ["%.4f" % (c.median() / pm),
                                "%.4f" % (min(c.values) / pm),
                                "%.4f" % (max(c.values) / pm)]
                    else:
                        row += ["?", "?", "?"]
                row.append("n/a" if not n.values else "")
                row.append("n/a" if not x.values else "")
                plot.append((wl, row))
        lines.append("%s, %s (receiver), median of runs (min-max):" % (wtitle, unit))
        lines += table(rows, ["alg", "mode", "plaintext", "XFRM", "nfipsec",
                              "nfipsec/XFRM", "nfipsec/plain", "XFRM/plain"])
        lines.append("")

    # The crypto ceiling.
    lines.append("Crypto ceiling (cryptobench.ko: the AEAD alone, as ESP calls it), ns/packet (min-max), MB/s:")
    if crypto:
        rows = []
        for alg in ALGS:
            enc = crypto.get((alg, "enc"), [])
            dec = {b: v for b, *v in crypto.get((alg, "dec"), [])}
            for b, med, lo, hi, mbps in enc:
                d = dec.get(b)
                rows.append([alg, drivers.get(alg, "?"), b,
                             "%d (%d-%d)" % (med, lo, hi), mbps,
                             "%d (%d-%d)" % tuple(d[:3]) if d else "n/a",
                             d[3] if d else "n/a"])
            for op in ("enc", "dec"):
                for b, med, lo, hi, mbps in crypto.get((alg, op), []):
                    csvrows.append(["crypto", op, alg, "", b, drivers.get(alg, ""),
                                    "ns/packet", med, lo, hi, "", "%d MB/s" % mbps])
        lines += table(rows, ["alg", "driver", "bytes", "encrypt ns", "MB/s",
                              "decrypt ns", "MB/s"])
    else:
        lines.append("n/a (%s)" % crypto_na)
        csvrows.append(["crypto", "", "", "", "", "", "", "", "", "", "", crypto_na])
    lines.append("")

    # What a packet costs beyond its crypto: the time per packet over
    # plaintext's, against one encryption and one decryption of that
    # packet's ESP payload. From the sender's UDP rate: on veth the
    # sending thread also runs the receiving softirq (decryption
    # included), while the received rate is often bounded by the
    # receiving application instead.
    lines.append("Per-packet cost beyond the crypto (UDP 64 B, sender's packets/s): ns/packet over plaintext, and that over")
    lines.append("the AEAD's enc+dec ns (1.00 would mean the IPsec stack costs nothing but its crypto):")
    rows = []
    plain = cell(cells, "plaintext", "-", "-", "udp64-sent")
    csvrows.append(["cost", "udp64-sent", "", "", "", "plaintext", "packets/s sent",
                    plain.median(), min(plain.values, default=None),
                    max(plain.values, default=None), len(plain.values), plain.why()])
    for alg in ALGS:
        for mode in MODES:
            nb = esp_bytes(alg, mode)
            enc = interp(crypto.get((alg, "enc"), []), nb)
            dec = interp(crypto.get((alg, "dec"), []), nb)
            cns = enc + dec if enc is not None and dec is not None else None
            row = [alg, mode, nb, fmt(cns)]
            for st in ("xfrm", "nfipsec"):
                c = cell(cells, st, alg, mode, "udp64-sent")
                csvrows.append(["cost", "udp64-sent", alg, mode, nb, st,
                                "packets/s sent", c.median(),
                                min(c.values, default=None),
                                max(c.values, default=None), len(c.values),
                                c.why()])
                extra = None
                if c.median() and plain.median():
                    extra = 1e9 / c.median() - 1e9 / plain.median()
                mult = extra / cns if extra is not None and cns else None
                row += [fmt(extra), fmt_ratio(mult)]
                csvrows.append(["cost", "udp64-sent", alg, mode, nb, st,
                                "ns/packet over plaintext", extra, "", "", "",
                                "" if extra is not None else "a figure is missing"])
                csvrows.append(["cost", "udp64-sent", alg, mode, nb, st,
                                "x crypto", mult, "", "", "",
                                "crypto %s ns" % fmt(cns)])
            n_x = None
            if row[5] != "n/a" and row[7] != "n/a" and float(row[5]):
                n_x = float(row[7]) / float(row[5])
            rows.append(row + [fmt_ratio(n_x)])
    lines += table(rows, ["alg", "mode", "ESP bytes", "crypto ns", "XFRM ns",
                          "XFRM/crypto", "nfipsec ns", "nfipsec/crypto",
                          "nfipsec/XFRM"])

    lines.append("")

    # The SPD at scale (tests/bench/scale.bash).
    lines.append("SPD at scale (AES-GCM-128 transport): N outbound policies in ns0, the matching one last;")
    lines.append("install: seconds for all N (ip -batch / setkey -f); udp64: packets/s through that SPD:")
    rows = []
    for n in sizes(cells, "xfrm-spd") or sizes(cells, "nfipsec-spd"):
        row = [n]
        for wl in ("install", "udp64"):
            x = cells.get(("xfrm-spd", n, "-", wl), Cell())
            f = cells.get(("nfipsec-spd", n, "-", wl), Cell())
            row += [figure(x), figure(f), fmt_ratio(ratio(f, x))]
            unit = "s" if wl == "install" else "packets/s"
            for c, st in [(x, "xfrm"), (f, "nfipsec")]:
                csvrows.append(["scale", wl, "gcm", "transport", n, st, unit,
                                c.median(), min(c.values, default=None),
                                max(c.values, default=None), len(c.values),
                                c.why()])
        rows.append(row)
    lines += table(rows, ["N", "XFRM install s", "nfipsec install s",
                          "nfipsec/XFRM", "XFRM pps", "nfipsec pps",
                          "nfipsec/XFRM"])

    lines.append("")

    # The SAD at scale (tests/bench/scale.bash).
    lines.append("SAD at scale (AES-GCM-128 transport): N inbound SAs in ns1 (the receiver), the used one among")
    lines.append("N-1 from other peers; install: seconds for N-1 (ip -batch / setkey -f, once); kernel bytes per SA;")
    lines.append("udp64: packets/s through the used one:")
    rows = []
    for n in sorted(set(sizes(cells, "xfrm-sad")) | set(sizes(cells, "nfipsec-sad")), key=int):
        row = [n]
        for wl in ("install", "mem-per-sa", "udp64"):
            x = cells.get(("xfrm-sad", n, "-", wl), Cell())
            f = cells.get(("nfipsec-sad", n, "-", wl), Cell())
            row += [figure(x), figure(f), fmt_ratio(ratio(f, x))]
            unit = {"install": "s", "mem-per-sa": "bytes/SA"}.get(wl, "packets/s")
            for c, st in [(x, "xfrm"), (f, "nfipsec")]:
                csvrows.append(["sad", wl, "gcm", "transport", n, st, unit,
                                c.median(), min(c.values, default=None),
                                max(c.values, default=None), len(c.values),
                                c.why()])
        rows.append(row)
    lines += table(rows, ["N", "XFRM install s", "nfipsec install s", "nfipsec/XFRM",
                          "XFRM B/SA", "nfipsec B/SA", "nfipsec/XFRM",
                          "XFRM pps", "nfipsec pps", "nfipsec/XFRM"])
    lines.append("")

    # One SA on two CPUs (kmod/parallel.c; XFRM through cryptouser).
    lines.append("One SA on two CPUs with pcrypt (transport): XFRM with seqiv/echainiv(pcrypt(...)) made by cryptouser,")
    lines.append("nfipsec with parallel=1; each against the same stack serial (the tables above):")
    rows = []
    for wl, (wtitle, unit) in WORKLOADS.items():
        for alg in ALGS:
            x = cell(cells, "xfrm", alg, "transport", wl)
            xp = cell(cells, "xfrm-pcrypt", alg, "transport", wl)
            n = cell(cells, "nfipsec", alg, "transport", wl)
            npar = cell(cells, "nfipsec-par", alg, "transport", wl)
            rows.append([wl, alg, figure(xp), fmt_ratio(ratio(xp, x)),
                         figure(npar), fmt_ratio(ratio(npar, n)),
                         fmt_ratio(ratio(npar, xp))])
            for c, st in [(xp, "xfrm-pcrypt"), (npar, "nfipsec-par")]:
                csvrows.append(["parallel", wl, alg, "transport", "", st, unit,
                                c.median(), min(c.values, default=None),
                                max(c.values, default=None), len(c.values),
                                c.why()])
    lines += table(rows, ["workload", "alg", "XFRM+pcrypt", "/XFRM serial",
                          "nfipsec parallel", "/nfipsec serial",
                          "nfipsec par/XFRM+pcrypt"])

    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["section", "workload", "alg", "mode", "bytes", "stack",
                    "unit", "median", "min", "max", "runs", "note"])
        for r in csvrows:
            w.writerow(["" if v is None else
                        ("%.6g" % v if isinstance(v, float) else v) for v in r])
    with open(os.path.join(outdir, "plot.dat"), "w") as f:
        for wl in WORKLOADS:
            f.write("# %s: label xfrm lo hi nfipsec lo hi nfipsec_na xfrm_na\n" % wl)
            for w, row in plot:
                if w == wl:
                    f.write(" ".join('"%s"' % v if i == 0 or i >= 7 else v
                                     for i, v in enumerate(row)) + "\n")
            f.write("\n\n")
    plain_fig = {wl: figure(cell(cells, "plaintext", "-", "-", wl))
                 for wl in WORKLOADS}
    with open(os.path.join(outdir, "plot.titles"), "w") as f:
        for wl, (wtitle, unit) in WORKLOADS.items():
            f.write("%s\nplaintext: %s %s\n" % (wtitle, plain_fig[wl], unit))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
