# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What leaves a module is sanitised and masked here, in one place.

Secrets are masked by what they are first: the parsed credentials of every URL (the password of a
proxy URL, as written and percent-decoded, see :func:`url_secrets`) and of the kubeconfig in use
(tokens, passwords, client keys, exec credential plugin environments, auth-provider configs, which
``_kubectl.kubeconfig_secrets`` finds). Then the known forms of a
credential in free text are masked as well (``Bearer X``, ``--token X``, ``"token": "X"``,
``Authorization: Basic X``, a bare JWT, ``client-key-data: X``, ``password=X``), for secrets nobody
told us about. Control characters from outside never reach a message. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

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


def url_secrets(url):
    """The credentials of one URL (its password, as written and percent-decoded)."""
    if not isinstance(url, str):
        return set()
    # Imported here: only a URL needs the URL parser, and AnsiballZ ships sources, so every module
    # run compiles each module_utils file it imports (a node without a proxy has no URL to mask).
    from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy_url import proxy_credentials
    return set(proxy_credentials(url))


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
