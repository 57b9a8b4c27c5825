# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``no_proxy``: which hosts are reached directly, not through the proxy of the environment.

Consulted only when ``https_proxy``/``HTTPS_PROXY`` names a proxy (see ``_proxy.select_proxy``), so
a node run without a proxy never compiles it. Private to this collection; standard library only
(Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


def _no_proxy_entry(entry):
    """``(name or address or CIDR, port or None)`` of one ``no_proxy`` entry."""
    if entry.startswith('['):
        close = entry.find(']')
        if close > 0:
            rest = entry[close + 1:]
            port = int(rest[1:]) if rest.startswith(':') and rest[1:].isdigit() else None
            return entry[1:close], port
    elif entry.count(':') == 1:
        name, maybe_port = entry.split(':')
        if maybe_port.isdigit():
            return name, int(maybe_port)
    return entry, None


def _entry_matches(entry, host, host_ip):
    if '/' in entry:
        if host_ip is None:
            return False
        try:
            return host_ip in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    entry_ip = _as_ip(entry)
    if entry_ip is not None or host_ip is not None:
        return entry_ip is not None and entry_ip == host_ip
    if entry.startswith('*.'):
        entry = entry[2:]
    entry = entry.lstrip('.').rstrip('.')
    return bool(entry) and (host == entry or host.endswith('.' + entry))


def no_proxy_matches(host, port, no_proxy):
    """True when the ``no_proxy`` list says ``host:port`` must be reached directly.

    Entries are separated by commas or spaces. ``*`` matches every host; a name matches itself
    and every name under it (a leading ``.`` or ``*.`` is ignored: ``.example.com`` and
    ``example.com`` both match ``example.com`` and ``api.example.com``); an IP address matches
    itself, a CIDR block (``10.0.0.0/8``) the addresses in it; ``name:port`` only that port.
    Matching is on the name as given (no DNS lookup), case-insensitive, like curl and Go.
    """
    if not no_proxy:
        return False
    host = host.strip().lower().rstrip('.')
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    host_ip = _as_ip(host)
    for entry in no_proxy.lower().replace(',', ' ').split():
        if entry == '*':
            return True
        entry, entry_port = _no_proxy_entry(entry)
        if entry_port is not None and entry_port != port:
            continue
        if _entry_matches(entry, host, host_ip):
            return True
    return False


def _as_ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
