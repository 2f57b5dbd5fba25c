#!/usr/bin/env python3
"""Drives benches/hostile_documents.sh: starts `chancery serve` (the binary given) on a fresh
data directory, polls /healthz every 50 ms (5 s client timeout) while documents are archived
through the API, and prints the worst /healthz latency, the server's peak RSS (VmHWM from
/proc/<pid>/status) and what became of each document.

Usage: hostile_documents.py BINARY attack|baseline
  attack:   PDFs with an array nested 1,000, 10,000 and 100,000 deep, a PDF whose content
            stream inflates to 4 GiB of zeros, HTML nested 200,000 deep;
  baseline: the same number of ordinary documents (a one-page PDF, a small HTML page).
"""
import json, os, subprocess, sys, tempfile, threading, time, urllib.request, zlib


def pdf(objects):
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objects):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def page_pdf(content, content_dict=b"", font=b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"):
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s>>\nstream\n" % (len(content), content_dict) + content + b"\nendstream",
        font,
    ])


def nested_pdf(depth):
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Widths " + b"[" * depth + b"1" + b"]" * depth + b" >>"
    return page_pdf(b"BT /F1 12 Tf 72 712 Td (Deep) Tj ET", font=font)


def zeros_zlib(mib):
    # With a full flush the compressor forgets its history, so each further MiB of zeros
    # compresses to the same bytes: repeat them, then fix the Adler-32 of n zeros.
    c = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    nxt = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)[:-4]
    n = mib << 20
    return first + nxt * (mib - 1) + end + (((n % 65521) << 16) | 1).to_bytes(4, "big")


def bomb(mib):
    return page_pdf(zeros_zlib(mib), b"/Filter /FlateDecode ")


def nested_html(depth):
    return ("<html><body>" + "<div>" * depth + "deep" + "</div>" * depth + "</body></html>").encode()


def documents(kind):
    if kind == "attack":
        return [
            ("PDF, array nested 1,000", "application/pdf", nested_pdf(1000)),
            ("PDF, array nested 10,000", "application/pdf", nested_pdf(10000)),
            ("PDF, array nested 100,000", "application/pdf", nested_pdf(100000)),
            ("PDF bomb (4 GiB of zeros)", "application/pdf", bomb(4096)),
            ("HTML nested 200,000", "text/html", nested_html(200000)),
        ]
    plain = page_pdf(b"BT /F1 12 Tf 72 712 Td (An ordinary judgment) Tj ET")
    page = b"<html><body><h1>Statement</h1><p>The new rules apply from 1 March 2024.</p></body></html>"
    return [("ordinary PDF %d" % i, "application/pdf", plain) for i in range(3)] + [
        ("ordinary HTML %d" % i, "text/html", page) for i in range(2)
    ]


def main():
    binary, kind = sys.argv[1], sys.argv[2]
    data = tempfile.mkdtemp(prefix="chancery-hostile-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANCERY_")}
    run = lambda *a, stdin="": subprocess.run([binary, *a, "--data", data], input=stdin, capture_output=True, text=True, env=env, check=True)
    run("user", "add", "--email", "bench@test.example", "--role", "hq_editor", "--sbu", "--password-stdin", stdin="a long enough password\n")
    token = run("token", "create", "--email", "bench@test.example").stdout.strip().splitlines()[-1]
    server = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    addr = None
    for line in server.stdout:
        if "Open http://" in line:
            addr = line.split("Open http://")[1].split("/")[0]
            break
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    base = "http://" + addr

    def call(method, path, body=None, ctype="application/json", timeout=120):
        req = urllib.request.Request(base + path, data=body, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    status, body = call("POST", "/api/v1/sources", json.dumps({"kind": "court_judgment", "title": "Bench", "publisher": "Example", "language": "en", "published": "2023-11-28", "verified": False, "marking": "U"}).encode())
    assert status == 201, body
    source = json.loads(body)["id"]
    docs = documents(kind)

    latencies, failures, stop = [], [], threading.Event()

    def poll():
        while not stop.is_set():
            t = time.monotonic()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
                    code = r.status
            except urllib.error.HTTPError as e:
                code = e.code
            except Exception as e:  # the 5 s client timeout, or a refused connection
                failures.append(repr(e))
                code = None
            latencies.append((time.monotonic() - t, code))
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1)
    results = []
    started = time.monotonic()
    for name, media, doc in docs:
        t = time.monotonic()
        status, body = call("POST", "/api/v1/sources/%d/archives" % source, doc, media)
        took = time.monotonic() - t
        try:
            e = json.loads(body).get("extraction", {})
            outcome = e.get("status", "?") + (": " + e["reason"] if "reason" in e else "")
        except Exception:
            outcome = body[:200]
        results.append((name, len(doc), status, took, outcome))
    time.sleep(1)
    stop.set()
    poller.join()
    alive = server.poll() is None
    hwm = "?"
    with open("/proc/%d/status" % server.pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    server.terminate()
    server.wait()
    subprocess.run(["rm", "-rf", data])

    print("run: %s (%d documents in %.1f s)" % (kind, len(docs), time.monotonic() - started))
    for name, size, status, took, outcome in results:
        print("  %-28s %9d B  HTTP %d  %6.2f s  extraction %s" % (name, size, status, took, outcome[:110]))
    codes = [c for _, c in latencies]
    worst = max(l for l, _ in latencies)
    ordered = sorted(l for l, _ in latencies)
    print("  /healthz polls: %d, worst %.1f ms, median %.1f ms, 5xx: %d, failed: %d" % (
        len(latencies), worst * 1000, ordered[len(ordered) // 2] * 1000,
        sum(1 for c in codes if c and c >= 500), len(failures)))
    print("  server alive after the run: %s; server peak RSS (VmHWM): %.1f MB" % (alive, hwm / 1024))
    if not alive or failures or any(c != 200 for c in codes):
        sys.exit(1)


if __name__ == "__main__":
    main()
