# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxy configuration: the proxy URL, ``no_proxy`` and which proxy a connection uses.

One parser reads a proxy URL (:func:`split_proxy_url`, on top of urllib's ``urlsplit``); the
redaction, the credentials to mask and the parsed proxy all come from it. Private to this
collection; standard library only (Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from collections import namedtuple
from urllib.parse import quote, unquote, urlsplit

from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError

ENV_PROXY_NAMES = ('https_proxy', 'HTTPS_PROXY')
ENV_NO_PROXY_NAMES = ('no_proxy', 'NO_PROXY')

# What an unencoded userinfo may hold and urlsplit would take for the end of the host part.
_USERINFO_SAFE = "!$&'()*+,;=:%-._~"

ProxyURL = namedtuple('ProxyURL', ['scheme', 'username', 'password', 'raw_password', 'host', 'port', 'redacted'])


def _userinfo(url):
    """``(scheme, userinfo or None, host part, redacted URL)`` of a proxy URL; never raises.

    The user information ends at the last ``@``: a password may hold ``/``, ``?``, ``#`` and ``@``.
    """
    text = url.strip()
    scheme, sep, rest = text.partition('://')
    if not sep:
        scheme, rest = 'http', text
    userinfo, at, hostpart = rest.rpartition('@')
    return scheme, (userinfo if at else None), hostpart, (text[:len(text) - len(rest)] + hostpart)


def split_proxy_url(url):
    """Split a proxy URL into a :class:`ProxyURL`; raise ProxyURLError when it cannot be split.

    A URL without a scheme is taken as ``http://`` (as curl and Go do). The user information ends
    at the last ``@`` of the URL, so a password may hold ``/``, ``?``, ``#`` or ``@`` written as they
    are (curl accepts them) or percent-encoded; ``username`` and ``password`` are percent-decoded,
    ``raw_password`` is as written. ``port`` is None when the URL gives none; ``redacted`` is the
    URL without its user information. The host and port are urllib's ``urlsplit``'s.
    """
    if not isinstance(url, str) or not url.strip():
        raise ProxyURLError('the proxy URL is empty')
    scheme, userinfo, hostpart, redacted = _userinfo(url)
    # Percent-encode the user information, so urlsplit cannot take a character of it for the end of the host.
    netloc = (quote(userinfo, safe=_USERINFO_SAFE) + '@' if userinfo is not None else '') + hostpart
    try:
        parts = urlsplit('%s://%s' % (scheme, netloc))
        port = parts.port
    except ValueError as exc:
        raise ProxyURLError('cannot parse the proxy URL %s: %s' % (redacted, exc))
    username, colon, raw_password = (userinfo or '').partition(':')
    return ProxyURL(
        scheme=(parts.scheme or '').lower(),
        username=unquote(username) if userinfo is not None else None,
        password=unquote(raw_password) if colon else None,
        raw_password=raw_password if colon else None,
        host=parts.hostname,
        port=port,
        redacted=redacted,
    )


def parse_proxy_url(url):
    """The proxy to use as a dict; raise ProxyURLError when it cannot be used.

    ``http://[user[:password]@]host[:port][/]``; the default port is 80 (Go) -- write the port to
    be sure. ``https://`` proxies (TLS to the proxy itself) and SOCKS proxies are not supported.
    """
    parts = split_proxy_url(url)
    if parts.scheme != 'http':
        raise ProxyURLError(
            'proxy scheme %r is not supported by this check (only http:// proxies that accept '
            'CONNECT): %s' % (parts.scheme, parts.redacted))
    if not parts.host:
        raise ProxyURLError('the proxy URL %s has no host' % parts.redacted)
    port = 80 if parts.port is None else parts.port
    return {
        'scheme': parts.scheme,
        'host': parts.host,
        'port': port,
        'username': parts.username,
        'password': parts.password,
        'display': '%s://%s:%d' % (parts.scheme, host_for_url(parts.host), port),
    }


def redact_proxy_url(url):
    """Return ``url`` without its user information (credentials never leave this module)."""
    if not isinstance(url, str):
        return url
    return _userinfo(url)[3]


def proxy_credentials(url):
    """The secret strings of a proxy URL (raw and percent-decoded password), for masking."""
    if not isinstance(url, str):
        return []
    userinfo = _userinfo(url)[1]
    if userinfo is None or ':' not in userinfo:
        return []
    raw = userinfo.partition(':')[2]
    return sorted(set(s for s in (raw, unquote(raw)) if s))


def host_for_url(host):
    """``host`` as it is written in a URL or a CONNECT line (IPv6 addresses in brackets)."""
    return '[%s]' % host if ':' in host else host


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


def select_proxy(host, port, proxy=None, use_proxy=True, environ=None):
    """Decide how to reach ``host:port``: return ``(proxy_url or None, source, note)``.

    ``source`` is ``option``, ``environment`` or None. An explicit ``proxy`` is always used
    (when ``use_proxy``); a proxy from ``https_proxy``/``HTTPS_PROXY`` is skipped when
    ``no_proxy``/``NO_PROXY`` matches the host, as Go's and curl's clients do. ``note`` says why
    no proxy is used, or None.
    """
    if not use_proxy:
        return None, None, 'use_proxy is false: connecting directly'
    if proxy:
        return proxy, 'option', None
    environ = environ if environ is not None else {}
    env_proxy = _first_env(environ, ENV_PROXY_NAMES)
    if not env_proxy:
        return None, None, None
    no_proxy = _first_env(environ, ENV_NO_PROXY_NAMES)
    if no_proxy_matches(host, port, no_proxy):
        return None, None, 'no_proxy matches %s: connecting directly, not through %s' % (
            host, redact_proxy_url(env_proxy))
    return env_proxy, 'environment', None


def _first_env(environ, names):
    for name in names:
        value = environ.get(name)
        if value and value.strip():
            return value.strip()
    return None
