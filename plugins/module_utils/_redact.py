# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What leaves a module is sanitised and masked here, in one place.

Secrets are masked by what they are first: the parsed credentials of every URL (the password of a
proxy URL, as written and percent-decoded) and of the kubeconfig in use (tokens, passwords, client
keys, exec credential plugin environments, auth-provider configs). Then the known forms of a
credential in free text are masked as well (``Bearer X``, ``--token X``, ``"token": "X"``,
``Authorization: Basic X``, a bare JWT, ``client-key-data: X``, ``password=X``), for secrets nobody
told us about. Control characters from outside never reach a message. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy import proxy_credentials

MASK = '********'

# A secret shorter than this is not masked by value (masking "a" would shred every message); the
# patterns still catch it in its usual places.
MIN_SECRET_LENGTH = 4

_KEY = r'(?:token|id-token|refresh-token|access-token|password|passwd|secret|client-key-data|client-secret|api-key)'
# Compiled on first use (``re`` keeps them compiled for the rest of the process): a node check only
# sanitises, and compiling them at import cost every node run more than the rest of this module.
_PATTERN_SOURCES = (
    # Authorization: Bearer X / Basic X, and a bare "Bearer X"
    r'(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+',
    # --token X, --token=X, --password=X
    r'(?i)(--' + _KEY + r'[=\s]+)\S+',
    # "token": "X" (JSON) and token: X / token=X (YAML, query strings, logs)
    r'(?i)("' + _KEY + r'"\s*:\s*")[^"]*',
    r'(?i)(\b' + _KEY + r'\s*[=:]\s*)(?!")[^\s,;&"\'}]+',
    # a bare JWT (three base64url parts, the first one a JSON header)
    r'()\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*',
)
_CONTROL = re.compile(r'[\x00-\x08\x0b-\x1f\x7f-\x9f]')

# Kubeconfig fields that hold a secret (``kubectl config view --raw`` prints them as they are).
_KUBECONFIG_SECRET_KEYS = ('token', 'password', 'client-key-data', 'client-key', 'id-token', 'refresh-token',
                           'access-token', 'client-secret')


def url_secrets(url):
    """The credentials of one URL (its password, as written and percent-decoded)."""
    return set(proxy_credentials(url)) if isinstance(url, str) else set()


def kubeconfig_secrets(view):
    """Every credential of a kubeconfig as ``kubectl config view --raw -o json`` prints it."""
    found = set()
    for user in _items(view, 'users'):
        auth = user.get('user') if isinstance(user.get('user'), dict) else {}
        for key in _KUBECONFIG_SECRET_KEYS:
            _add(found, auth.get(key))
        provider = auth.get('auth-provider') if isinstance(auth.get('auth-provider'), dict) else {}
        config = provider.get('config') if isinstance(provider.get('config'), dict) else {}
        for key, value in config.items():
            if any(word in str(key).lower() for word in ('token', 'secret', 'password', 'key')):
                _add(found, value)
        execution = auth.get('exec') if isinstance(auth.get('exec'), dict) else {}
        for env in execution.get('env') or []:
            if isinstance(env, dict):
                _add(found, env.get('value'))
    for cluster in _items(view, 'clusters'):
        server = (cluster.get('cluster') or {}).get('server') if isinstance(cluster.get('cluster'), dict) else None
        found.update(url_secrets(server))
    return found


def _items(view, key):
    items = view.get(key) if isinstance(view, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _add(found, value):
    if isinstance(value, str) and value.strip():
        found.add(value.strip())


def sanitize(text, limit=None):
    """Text from outside as a message may show it: control characters replaced, at most ``limit`` long."""
    text = _CONTROL.sub('?', text if isinstance(text, str) else str(text))
    return text if limit is None or len(text) <= limit else text[:limit] + '...'


def redact(text, secrets=()):
    """``text`` with every known secret and every credential-looking value masked, sanitised."""
    text = text if isinstance(text, str) else str(text)
    for secret in sorted((s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True):
        text = text.replace(secret, MASK)
    for source in _PATTERN_SOURCES:
        text = re.sub(source, lambda m: m.group(1) + MASK, text)
    return sanitize(text)
