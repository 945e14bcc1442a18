"""Run the Locust scenario headless against a running server; report latency per request type.

Prints p50, p95, p99, requests/s and failures per request type, then, last, one JSON line:
users, duration_s, requests, failures, p50_ms, p95_ms, p99_ms, requests_per_s and
cache_hit_rate (from the admin-only /admin/cache-stats of the worker that answers).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

import requests

BENCH = os.path.dirname(os.path.abspath(__file__))
# The browser tests' selenium 4.2 pins urllib3 1.26, whose urllib3.util does not re-export
# the one function locust 2.x imports from it; the function is there, one module down.
# gevent patches ssl first, as locust itself would, before urllib3 touches it.
LOCUST_BOOTSTRAP = (
    "from gevent import monkey\n"
    "monkey.patch_all()\n"
    "import sys, urllib3.util, urllib3.util.ssl_\n"
    "if not hasattr(urllib3.util, 'create_urllib3_context'):\n"
    "    urllib3.util.create_urllib3_context = urllib3.util.ssl_.create_urllib3_context\n"
    "from locust.main import main\n"
    "sys.argv[0] = 'locust'\n"
    "sys.exit(main())\n")
CSRF_FIELD = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="http://127.0.0.1:8050")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--spawn-rate", type=float, default=None,
                        help="users started per second (default: all within about 5 s)")
    options = parser.parse_args(argv)
    spawn_rate = options.spawn_rate or max(1.0, options.users / 5)

    with tempfile.TemporaryDirectory(prefix="loadtest-") as workdir:
        prefix = os.path.join(workdir, "locust")
        command = [sys.executable, "-c", LOCUST_BOOTSTRAP,
                   "-f", os.path.join(BENCH, "locustfile.py"), "--headless", "--only-summary", "-u", str(options.users),
                   "-r", str(spawn_rate), "-t", f"{options.duration}s",
                   "--host", options.host, "--csv", prefix, "--loglevel", "WARNING"]
        # Locust exits non-zero when any request failed; the table below says which. Its
        # own summary is left out (stdout): the table below says the same per request type.
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
        rows = read_stats(f"{prefix}_stats.csv")
    if not rows:
        print("Locust wrote no statistics: is the server running at "
              f"{options.host}? Start it with `make serve`.", file=sys.stderr)
        return 1

    print_table(rows)
    total = next((row for row in rows if row["Name"] == "Aggregated"), rows[-1])
    summary = {
        "users": options.users,
        "duration_s": options.duration,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50_ms": number(total["50%"]),
        "p95_ms": number(total["95%"]),
        "p99_ms": number(total["99%"]),
        "requests_per_s": round(number(total["Requests/s"]), 2),
        "cache_hit_rate": cache_hit_rate(options.host),
    }
    print(json.dumps(summary))
    return 0


def read_stats(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as stats_file:
        return list(csv.DictReader(stats_file))


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def print_table(rows):
    header = f"{'request type':<58} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} " \
             f"{'p99 ms':>7} {'req/s':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        name = row["Name"] if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        print(f"{name[:58]:<58} {row['Request Count']:>7} {row['Failure Count']:>5} "
              f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
              f"{float(row['Requests/s']):>7.2f}")


def cache_hit_rate(host):
    """hits / (hits + misses) as the admin endpoint reports it; None if it cannot be read."""
    session = requests.Session()
    try:
        form = session.get(f"{host}/login", timeout=10)
        fields = {"username": "admin", "password": "admin-demo-pass"}
        match = CSRF_FIELD.search(form.text)
        if match:
            fields["csrf_token"] = match.group(1) or match.group(2)
        session.post(f"{host}/login", data=fields, timeout=10)
        response = session.get(f"{host}/admin/cache-stats", timeout=10,
                               allow_redirects=False)
    except requests.RequestException as error:
        print(f"Could not read the cache statistics: {error}", file=sys.stderr)
        return None
    if response.status_code != 200:
        print(f"Could not read the cache statistics: /admin/cache-stats answered "
              f"{response.status_code}.", file=sys.stderr)
        return None
    rate = response.json().get("hit_rate")
    return None if rate is None else round(rate, 4)


if __name__ == "__main__":
    sys.exit(main())
