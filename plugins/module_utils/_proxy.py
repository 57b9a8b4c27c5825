# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which proxy a connection uses: the ``proxy`` option, ``https_proxy`` and ``no_proxy``.

:func:`select_proxy` decides; a proxy URL is read only where one is present: its parser, credentials
and redaction are ``_proxy_url``'s, the ``no_proxy`` list is ``_no_proxy``'s. Both are imported
inside the functions that need them: AnsiballZ ships sources, so a node run compiles each
module_utils file it imports, and most nodes have no proxy. Private to this collection; standard
library only (Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ENV_PROXY_NAMES = ('https_proxy', 'HTTPS_PROXY')
ENV_NO_PROXY_NAMES = ('no_proxy', 'NO_PROXY')


def host_for_url(host):
    """``host`` as it is written in a URL or a CONNECT line (IPv6 addresses in brackets)."""
    return '[%s]' % host if ':' in host else host


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
    # Imported here: only a proxy from the environment needs no_proxy and its redaction, and AnsiballZ
    # ships sources, so every module run compiles each module_utils file it imports.
    from ansible_collections.pixie_ops.preflight.plugins.module_utils._no_proxy import no_proxy_matches
    from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy_url import redact_proxy_url
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
