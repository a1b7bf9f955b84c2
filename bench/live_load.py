#!/usr/bin/env python3
"""live_load.py PORT BATCH_DIR RATE SECONDS [THREADS]: sustained load on `wachter run`.

Posts the batch files of BATCH_DIR (made by tests/live/order.py, in order) to
http://127.0.0.1:PORT/ingest at RATE events per second for SECONDS, over THREADS
keep-alive connections (default 4). A batch answered 503 is retried after its
Retry-After. Prints the achieved rate, the acknowledgement latency of the posts (p50,
p99), and from /metrics the server's own latency from receipt to analysis and to the
alert stored (p99, read off the histogram buckets: an upper bound).
Standard library only.
"""
import http.client, os, sys, threading, time

port, batch_dir, rate, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
files = sorted(os.path.join(batch_dir, f) for f in os.listdir(batch_dir))
bodies = [open(f, "rb").read() for f in files]
counts = [b.count(b"\n") for b in bodies]
lock = threading.Lock()
state = {"next": 0, "events": 0, "lat": [], "busy": 0}
start = time.monotonic()
deadline = start + seconds

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        with lock:
            i = state["next"]
            if i >= len(bodies) or time.monotonic() >= deadline:
                return
            state["next"] += 1
            # Pace: batch i may start once the events before it fit the rate.
            due = start + state["events"] / rate
            state["events"] += counts[i]
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        while True:
            t0 = time.monotonic()
            conn.request("POST", "/ingest", bodies[i], {"Content-Type": "application/x-ndjson"})
            r = conn.getresponse()
            r.read()
            if r.status == 503:
                with lock:
                    state["busy"] += 1
                time.sleep(float(r.getheader("Retry-After", "1")))
                continue
            if r.status != 200:
                raise SystemExit("POST failed: %d" % r.status)
            with lock:
                state["lat"].append(time.monotonic() - t0)
            break

ts = [threading.Thread(target=worker) for _ in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
elapsed = time.monotonic() - start
lat = sorted(state["lat"])
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")

def metrics():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics")
    return c.getresponse().read().decode()

def hist_quantile(text, name, p):
    buckets = []
    for line in text.splitlines():
        if line.startswith(name + "_bucket{le=\""):
            le = line.split("\"")[1]
            buckets.append((float("inf") if le == "+Inf" else float(le), int(line.split()[-1])))
    total = buckets[-1][1] if buckets else 0
    if total == 0:
        return float("nan"), 0
    for le, c in buckets:
        if c >= p * total:
            return le, total
    return float("inf"), total

# Wait for the engine to catch up before reading its latencies.
for _ in range(600):
    m = metrics()
    lag = [l for l in m.splitlines() if l.startswith("wachter_lag_events ")]
    if lag and lag[0].split()[1] == "0":
        break
    time.sleep(0.1)
ev99, n_ev = hist_quantile(m, "wachter_event_latency_seconds", 0.99)
al99, n_al = hist_quantile(m, "wachter_alert_latency_seconds", 0.99)
print("posted %d events in %.1f s: %.0f events/s (target %.0f), %d posts, %d answered 503"
      % (state["events"], elapsed, state["events"] / elapsed, rate, len(lat), state["busy"]))
print("post acknowledged (durable): p50 %.1f ms, p99 %.1f ms" % (q(0.5) * 1e3, q(0.99) * 1e3))
print("receipt -> analysed: p99 <= %g s over %d events" % (ev99, n_ev))
print("receipt -> alert stored: p99 <= %g s over %d alert writes" % (al99, n_al))
