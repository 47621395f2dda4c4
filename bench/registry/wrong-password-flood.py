#!/usr/bin/env python3
"""The wrong-password flood of bench/registry/login-flood.sh: CONNECTIONS keep-alive HTTPS connections, each sending
GET URL with a wrong password for USER every 200 ms (5 a second, the rate that took a node down before the login
gate) while the file ON exists, until the file STOP exists; half send a new random password each time, half always
the same wrong one. Then prints one line per HTTP status (or "error"): "<status> <count>".
A separate process, so the flood does not share an interpreter (or a GIL) with anything timed.
Usage: wrong-password-flood.py URL USER CA-FILE CONNECTIONS ON STOP"""
import base64, collections, http.client, os, ssl, sys, threading, time, urllib.parse, uuid

url, user, ca, connections, on, stop = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
parts = urllib.parse.urlsplit(url)
context = ssl.create_default_context(cafile=ca)
counts = collections.Counter()
lock = threading.Lock()

def flood(random_passwords):
    conn = None
    while not os.path.exists(stop):
        if not os.path.exists(on):
            time.sleep(0.05)
            continue
        password = uuid.uuid4().hex if random_passwords else "always-the-same-wrong-one"
        auth = base64.b64encode(f"{user}:{password}".encode()).decode()
        try:
            if conn is None:
                conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=context, timeout=30)
            conn.request("GET", parts.path, headers={"Authorization": "Basic " + auth})
            response = conn.getresponse()
            response.read()
            status = str(response.status)
        except (OSError, http.client.HTTPException):
            status, conn = "error", None
        with lock:
            counts[status] += 1
        time.sleep(0.2)

threads = [threading.Thread(target=flood, args=(i % 2 == 0,)) for i in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for status, count in sorted(counts.items()):
    print(status, count)
