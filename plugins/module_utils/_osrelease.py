# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""os-release parsing and distribution identity (private to this collection).

``parse_os_release`` follows os-release(5): newline-separated ``KEY=VALUE`` assignments in a
shell-compatible subset; values may be enclosed in double or single quotes; in double quotes and
unquoted values a backslash escapes ``$``, quotes, backslash and backtick; lines starting with
``#`` are comments; blank lines are ignored; anything else that is not an assignment is ignored.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _hostfs as hostfs
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions

OS_RELEASE_PATHS = ('/etc/os-release', '/usr/lib/os-release')

_ASSIGNMENT_RE = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)=(.*)$')
_DOUBLE_QUOTE_ESCAPES = '$"\\`'


def _unquote(raw):
    """Shell-style unquoting of one os-release value (no expansion, no concatenation needed)."""
    value = []
    i = 0
    quote = None
    length = len(raw)
    while i < length:
        char = raw[i]
        if quote == "'":
            if char == "'":
                quote = None
            else:
                value.append(char)
        elif quote == '"':
            if char == '"':
                quote = None
            elif char == '\\' and i + 1 < length and raw[i + 1] in _DOUBLE_QUOTE_ESCAPES:
                i += 1
                value.append(raw[i])
            else:
                value.append(char)
        else:
            if char in '"\'':
                quote = char
            elif char == '\\' and i + 1 < length:
                i += 1
                value.append(raw[i])
            elif char in ' \t':
                # An unquoted space ends the value (a shell would start a command there).
                break
            else:
                value.append(char)
        i += 1
    return ''.join(value)


def parse_os_release(text):
    """Parse os-release text into a dict of the keys it assigns (later assignments win)."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        match = _ASSIGNMENT_RE.match(line)
        if not match:
            continue
        result[match.group(1)] = _unquote(match.group(2))
    return result


def read_os_release(host_root):
    """Return ``(path_on_node, parsed dict)`` for the node's os-release, or ``(None, None)``."""
    for path in OS_RELEASE_PATHS:
        text = hostfs.read_text(host_root, path)
        if text is not None:
            return path, parse_os_release(text)
    return None, None


def release_version(fields):
    """``(version, key)``: the version the file says and which key said it, or ``(None, None)``.

    ``VERSION_ID`` first; without it the number ``VERSION`` starts with (COS images that carry only
    ``VERSION=101``, ``VERSION="12 (bookworm)"``). ``BUILD_ID`` is never a version (COS's is a build
    number, Arch's ``rolling``), and Debian testing/sid has neither: no version, not an old one.
    """
    for key in ('VERSION_ID', 'VERSION'):
        text = (fields.get(key) or '').strip()
        parsed = versions.try_parse(text) if text else None
        if parsed is not None:
            return ('.'.join(str(number) for number in parsed.numbers) if key == 'VERSION' else text), key
    return None, None


def distribution(fields):
    """The distribution identity ``{id, version_id, name, like, pretty_name, version, version_source,
    build_id}`` from parsed fields (``version`` and ``version_source``: see ``release_version``).

    Defaults are os-release(5)'s: ``ID=linux`` and ``NAME=Linux`` when absent.
    """
    like = fields.get('ID_LIKE') or ''
    version, source = release_version(fields)
    return {
        'id': (fields.get('ID') or 'linux').strip().lower(),
        'version_id': (fields.get('VERSION_ID') or '').strip() or None,
        'name': fields.get('NAME') or 'Linux',
        'like': [item.lower() for item in like.split()],
        'pretty_name': fields.get('PRETTY_NAME') or None,
        'version': version,
        'version_source': source,
        'build_id': (fields.get('BUILD_ID') or '').strip() or None,
    }


def tested_key(dist, tested):
    """Which entry of the tested list a distribution is judged against, or None.

    Its own id first; then, for the RHEL rebuilds in ``requirements.RHEL_COMPATIBLE_IDS``, ``rhel``.
    """
    if dist['id'] in tested:
        return dist['id']
    if dist['id'] in requirements.RHEL_COMPATIBLE_IDS and 'rhel' in tested:
        return 'rhel'
    return None
