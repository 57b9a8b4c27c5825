# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The egress probe's ``proxy`` stage: an HTTP CONNECT tunnel through a proxy to the target.

:func:`open_tunnel` connects to the proxy, asks it for a tunnel and returns the socket, or raises
:class:`~._errors.StageFailure` for the ``proxy`` stage, all within the probe's one deadline. The
proxy credentials go into ``Proxy-Authorization`` only. Used by ``_probe`` when a proxy is in use;
private to this collection; standard library only (Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import socket

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _sockets as sockets
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress_remedies as words
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import StageFailure
from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy import host_for_url
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import sanitize

# The largest CONNECT response header block we read before giving up (a proxy error page body is
# never read: only the status line and headers).
MAX_PROXY_RESPONSE = 65536


def _connect_request(target):
    # Control characters in the name (CR LF would add headers) never reach the proxy.
    where = sanitize('%s:%d' % (host_for_url(target.host), target.port))
    lines = ['CONNECT %s HTTP/1.1' % where, 'Host: %s' % where, 'User-Agent: pixie_ops.preflight egress_info']
    if target.proxy.get('username') is not None:
        token = '%s:%s' % (target.proxy['username'], target.proxy.get('password') or '')
        lines.append('Proxy-Authorization: Basic %s' % base64.b64encode(token.encode('utf-8')).decode('ascii'))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')


def parse_connect_response(head):
    """Parse the status line of a CONNECT response; return ``(code, reason)``."""
    first = head.split(b'\r\n', 1)[0].decode('latin-1', 'replace').strip()
    parts = first.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith('HTTP/') or not parts[1].isdigit():
        raise ValueError('not an HTTP response: %r' % first[:80])
    return int(parts[1]), sanitize(parts[2], 200) if len(parts) > 2 else ''


def _read_connect_response(sock, deadline):
    """Read the proxy's answer up to the blank line, one byte at a time (nothing of the tunnel
    may be consumed), within ``deadline``."""
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        if len(head) >= MAX_PROXY_RESPONSE:
            raise ValueError('the proxy answer is longer than %d bytes' % MAX_PROXY_RESPONSE)
        if deadline.expired():
            raise socket.timeout('timed out')
        sock.settimeout(deadline.left())
        byte = sock.recv(1)
        if not byte:
            raise EOFError('the proxy closed the connection' + (' after %r' % head[:80] if head else ''))
        head += byte
    return head


def _connect_to_proxy(target):
    """TCP to the proxy; return the socket."""
    where = target.proxy['display']
    try:
        infos = sockets.resolve(target.proxy['host'], target.proxy['port'], target.deadline.left(), target.resolver)
    except (socket.gaierror, socket.timeout, OSError, UnicodeError, ValueError, TypeError) as exc:
        raise StageFailure('proxy', 'cannot resolve the proxy %s: %s' % (where, sockets.describe_os_error(exc)),
                           'Check the proxy address (the proxy option or https_proxy on the node): its name '
                           'does not resolve from this node.')
    if not infos:
        raise StageFailure('proxy', 'the proxy name %s has no address' % where,
                           'Check the proxy address (the proxy option or https_proxy on the node).')
    sock, errors = sockets.connect_any(infos, target.deadline.left())
    if sock is None:
        raise StageFailure('proxy', 'cannot connect to the proxy %s (%s)' % (where, '; '.join(errors)),
                           'Check the proxy address and port (the proxy option or https_proxy on the node), '
                           'that the proxy is running, and that the firewall lets this node reach it.')
    return sock


def open_tunnel(target):
    """TCP to the proxy and a CONNECT tunnel to the target; return the socket."""
    where = target.proxy['display']
    sock = _connect_to_proxy(target)
    try:
        sock.settimeout(target.deadline.left())
        sock.sendall(_connect_request(target))
        code, reason = parse_connect_response(_read_connect_response(sock, target.deadline))
    except (socket.timeout, OSError, EOFError, ValueError) as exc:
        sock.close()
        raise StageFailure('proxy', 'the proxy %s did not open a tunnel to %s:%d: %s'
                           % (where, target.host, target.port, sockets.failure(exc, target.timeout)),
                           'Check that %s is an HTTP proxy that accepts CONNECT requests.' % where)
    if 200 <= code < 300:
        return sock
    sock.close()
    raise StageFailure('proxy', 'the proxy %s refused CONNECT %s:%d: %d %s' % (where, target.host, target.port, code, reason),
                       words.proxy_refusal_remedy(code, target.host, target.port))
