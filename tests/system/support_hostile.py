# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile servers and proxies in a network namespace the test creates, and the adversarial suite's tally.

``netns()`` makes a throwaway network namespace (``ip netns add``) with only its loopback up;
``hostile(ns, behaviour, ...)`` starts this file as a server inside it (``ip netns exec``); the
probe then runs inside the same namespace, so nothing the test does reaches any other network.
Run as a script, this file is the server: ``support_hostile.py BEHAVIOUR PORT [CERT KEY]``.

Behaviours (each reads the client's first request head or TLS ClientHello first):
``trickle-proxy``    answers a CONNECT one byte every 0.3 s, forever
``garbage-proxy``    answers escape sequences, NUL and control characters, then holds the line
``ok-proxy``         answers ``200 Connection established``, then is a TLS server (h2) itself
``slow-untrusted``   waits 0.8 s before its 200, then 0.8 s before a TLS handshake with ``CERT``
                     (from a CA the client does not trust): slow proxy plus slow untrusted server
``stall-tls``        a TLS "server" that reads the ClientHello, sends 5 bytes of a record, stalls
``http1-tls``        a TLS server that offers ALPN http/1.1 only
"""

from __future__ import absolute_import, division, print_function

import collections
import contextlib
import itertools
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import time

BEHAVIOURS = ('trickle-proxy', 'garbage-proxy', 'ok-proxy', 'slow-untrusted', 'stall-tls', 'http1-tls')
_COUNTER = itertools.count()


def have_netns():
    """Whether this process may create network namespaces (root with iproute2)."""
    if os.geteuid() != 0 or not os.path.exists('/usr/sbin/ip') and not os.path.exists('/sbin/ip'):
        return False
    name = 'pxh-probe-%d' % os.getpid()
    made = subprocess.run(['ip', 'netns', 'add', name], capture_output=True, check=False).returncode == 0
    if made:
        subprocess.run(['ip', 'netns', 'del', name], capture_output=True, check=False)
    return made


@contextlib.contextmanager
def netns():
    """A new network namespace with its loopback up; deleted afterwards. Yields its name."""
    name = 'pxh-%d-%d' % (os.getpid(), next(_COUNTER))
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    try:
        subprocess.run(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], check=True)
        yield name
    finally:
        subprocess.run(['ip', 'netns', 'del', name], capture_output=True, check=False)


@contextlib.contextmanager
def hostile(ns, behaviour, port=8443, cert=None, key=None):
    """This file as a ``behaviour`` server on 127.0.0.1:``port`` inside namespace ``ns``."""
    args = ['ip', 'netns', 'exec', ns, sys.executable, os.path.abspath(__file__), behaviour, str(port)]
    process = subprocess.Popen(args + ([cert, key] if cert else []), stdout=subprocess.PIPE)
    try:
        if process.stdout.readline().strip() != b'ready':
            raise RuntimeError('the %s server did not start' % behaviour)
        yield port
    finally:
        process.kill()
        process.wait()


# The adversarial suite's tally: cases run and cases that held, by class (hang, crash, leak, wrong).
CLASSES = ('hang', 'crash', 'leak', 'wrong')
TALLY = collections.OrderedDict((klass, {'run': 0, 'held': 0, 'slowest_s': 0.0}) for klass in CLASSES)
MODULES = 'ansible_collections.pixie_ops.preflight.plugins.modules.'


def run_module(name, args, seconds, directory, ns=None, env=None):
    """Run module ``name`` with ``args`` as a process (inside namespace ``ns`` when given), killed
    at ``seconds``. Returns ``(result dict or None, stdout, stderr, elapsed, timed_out)``."""
    path = os.path.join(str(directory), 'args-%d.json' % next(_COUNTER))
    with open(path, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    argv = (['ip', 'netns', 'exec', ns] if ns else []) + [sys.executable, '-m', MODULES + name, path]
    run_env = dict(os.environ, LC_ALL='C', **(env or {}))
    for key in ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'):
        if not env or key not in env:
            run_env.pop(key, None)
    started = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, timeout=seconds, env=run_env, cwd=str(directory), check=False)
    except subprocess.TimeoutExpired as exc:
        return None, exc.stdout or b'', exc.stderr or b'', time.monotonic() - started, True
    elapsed = time.monotonic() - started
    try:
        result = json.loads(done.stdout.decode('utf-8', 'replace'))
    except ValueError:
        result = None
    return result, done.stdout, done.stderr, elapsed, False


def tally(klass, elapsed, held):
    """Count one case of ``klass``; ``held``: it ended in time, without traceback or leak, right."""
    entry = TALLY[klass]
    entry['run'] += 1
    entry['held'] += 1 if held else 0
    entry['slowest_s'] = max(entry['slowest_s'], round(elapsed, 2))


def tally_lines():
    """The figures, one line a class, and the total."""
    lines = ['%-5s %2d cases, %2d held, slowest %.2f s' % (klass, entry['run'], entry['held'], entry['slowest_s'])
             for klass, entry in TALLY.items()]
    lines.append('total %2d cases, %2d held' % (sum(e['run'] for e in TALLY.values()),
                                                sum(e['held'] for e in TALLY.values())))
    return lines


def _read_head(conn):
    head = b''
    while b'\r\n\r\n' not in head and len(head) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def _hold(conn, seconds=60):
    conn.settimeout(seconds)
    try:
        while conn.recv(4096):
            pass
    except (OSError, ValueError):
        pass


def _tls(conn, cert, key, alpn=('h2', 'http/1.1')):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(list(alpn))
    tls = context.wrap_socket(conn, server_side=True)
    if tls.selected_alpn_protocol() == 'h2':
        tls.recv(24)
        payload = struct.pack('>HI', 0x3, 100)
        tls.sendall(struct.pack('>I', len(payload))[1:] + struct.pack('>BBI', 0x4, 0, 0) + payload)
    return tls


def _serve_one(behaviour, conn, cert, key):
    if behaviour in ('trickle-proxy', 'garbage-proxy', 'ok-proxy', 'slow-untrusted'):
        _read_head(conn)
    if behaviour == 'trickle-proxy':
        for byte in itertools.cycle(b'HTTP/1.1 200 Connection established\r\nX-Slow: yes\r\n'):
            conn.sendall(bytes([byte]))
            time.sleep(0.3)
    elif behaviour == 'garbage-proxy':
        conn.sendall(b'\x1b[2J\x1b]0;owned\x07HTTP/1.1 \x00\x08 200\r\n\x1b[31mX: \x85\xff\r\n\r\n')
        _hold(conn)
    elif behaviour in ('ok-proxy', 'slow-untrusted'):
        if behaviour == 'slow-untrusted':
            time.sleep(0.8)
        conn.sendall(b'HTTP/1.1 200 Connection established\r\n\r\n')
        if behaviour == 'slow-untrusted':
            time.sleep(0.8)
        _hold(_tls(conn, cert, key))
    elif behaviour == 'stall-tls':
        conn.recv(4096)
        conn.sendall(b'\x16\x03\x03\x10\x00')  # a handshake record of 4096 bytes, never sent
        _hold(conn)
    elif behaviour == 'http1-tls':
        _hold(_tls(conn, cert, key, alpn=('http/1.1',)))


def serve(behaviour, port, cert=None, key=None):
    """Accept forever; each connection gets ``behaviour`` (one at a time is enough for a probe, but a
    re-fetch of the certificate is a second connection: each gets its own child)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', port))
    listener.listen(16)
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while True:
        conn = listener.accept()[0]
        if os.fork() == 0:
            listener.close()
            try:
                _serve_one(behaviour, conn, cert, key)
            except (OSError, ValueError, ssl.SSLError):
                pass
            os._exit(0)
        conn.close()
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


if __name__ == '__main__':
    serve(sys.argv[1], int(sys.argv[2]), *(sys.argv[3:5]))
