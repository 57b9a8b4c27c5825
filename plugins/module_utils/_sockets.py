# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Socket steps under a time budget: resolve with a timeout, connect to the first address that
answers, read an exact number of bytes, and say what went wrong in words.

Private to this collection; standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import threading
import time


class Deadline(object):
    """One step's time budget."""

    def __init__(self, timeout):
        self.end = time.monotonic() + timeout

    def left(self):
        return max(self.end - time.monotonic(), 0.001)

    def expired(self):
        return time.monotonic() >= self.end


def resolve(name, port, timeout, resolver):
    """getaddrinfo bounded by ``timeout`` (it has no timeout of its own: run it in a thread)."""
    box = {}

    def run():
        try:
            box['result'] = resolver(name, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except Exception as exc:  # any resolver error is reported, not raised
            box['error'] = exc

    worker = threading.Thread(target=run, name='egress-dns')
    worker.daemon = True
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise socket.timeout('no answer from the resolver within %gs' % timeout)
    if 'error' in box:
        raise box['error']
    seen = []
    infos = []
    for info in box.get('result') or []:
        address = info[4][0]
        if address not in seen:
            seen.append(address)
            infos.append(info)
    return infos


def connect_any(infos, timeout):
    """Connect to the first address that answers, all within one ``timeout``: ``(sock or None, errors)``."""
    deadline = Deadline(timeout)
    errors = []
    for family, socktype, proto, _canon, sockaddr in infos:
        if deadline.expired():
            errors.append('%s: not tried, time is up' % sockaddr[0])
            continue
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(deadline.left())
        try:
            sock.connect(sockaddr)
            return sock, errors
        except (socket.timeout, OSError) as exc:
            sock.close()
            errors.append('%s: %s' % (sockaddr[0], describe_os_error(exc)))
    return None, errors


def describe_os_error(exc):
    if isinstance(exc, socket.timeout):
        return str(exc) or 'timed out'
    if getattr(exc, 'strerror', None):
        return exc.strerror
    return str(exc) or exc.__class__.__name__


def failure(exc, timeout):
    """What went wrong in a step, in words: a timeout says how long was waited."""
    return 'no answer within %gs' % timeout if isinstance(exc, socket.timeout) else describe_os_error(exc)


def recv_exact(sock, count, deadline):
    data = b''
    while len(data) < count:
        sock.settimeout(deadline.left())
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError('connection closed after %d of %d bytes' % (len(data), count))
        data += chunk
    return data
