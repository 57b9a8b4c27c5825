# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxy URLs: the one parser (:func:`split_proxy_url`), the proxy to use, credentials, redaction.

One parser reads a proxy URL (:func:`split_proxy_url`, on top of urllib's ``urlsplit``); the
redaction, the credentials to mask and the parsed proxy all come from it. Imported only where a
URL is present (a proxy, see ``_proxy``; a URL whose password is masked, see ``_redact.url_secrets``):
a node run without a proxy never compiles it. Private to this collection; standard library only
(Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple
from urllib.parse import quote, unquote, urlsplit

from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy import host_for_url

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
