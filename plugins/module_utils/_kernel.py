# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel config lookup and parsing, kernel header resolution (private to this collection).

Pure functions over text and paths under a host root; nothing here imports AnsibleModule. Kernel
releases are versions like any other: see ``_versions``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import re
import zlib

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._hostfs import (
    host_path, open_regular, read_limited, resolve_in_root, under_root)

# A config line: CONFIG_FOO=y / =m / ="string" / =0x10, or "# CONFIG_FOO is not set". A file without
# one is no kernel config. Lines end at \n only, and the whitespace around a line ([^\S\n]) is
# ignored, as str.strip() would remove it (config_options reads a line the same way).
_CONFIG_LINE_RE = re.compile(r'^[^\S\n]*(?:CONFIG_[A-Za-z0-9_]+=|#[^\S\n]*CONFIG_[A-Za-z0-9_]+ is not set[^\S\n]*$)',
                             re.MULTILINE)

# A kernel config is a few hundred KiB; refuse to read more than this from any one file.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def config_candidates(release, running=True):
    """The kernel config paths to try, in order, for ``release`` (None: only release-less ones).

    ``/proc/config*`` describe the running kernel: they are left out when ``running`` is false
    (a release given for a kernel that is installed but not booted).
    """
    paths = []
    for template in requirements.KERNEL_CONFIG_PATHS:
        if template.startswith('/proc/') and not running:
            continue
        if '{release}' in template:
            if not release or '/' in release:
                continue
            template = template.format(release=release)
        paths.append(template)
    return paths


def read_config_file(path):
    """The text of a kernel config (gzip-compressed when it ends in .gz), or None.

    Read only if it is a regular file, never blocking, and at most MAX_CONFIG_BYTES uncompressed.
    """
    handle, dummy = open_regular(path)
    if handle is None:
        return None
    try:
        with handle:
            if path.endswith('.gz'):
                with gzip.GzipFile(fileobj=handle, mode='rb') as unzipped:
                    data = read_limited(unzipped, MAX_CONFIG_BYTES)
            else:
                data = read_limited(handle, MAX_CONFIG_BYTES)
    except (IOError, OSError, EOFError, ValueError, zlib.error):
        return None
    return data.decode('utf-8', 'replace')


def find_kernel_config(host_root, release, running=True):
    """Return ``(path_on_node, text)`` for the first readable kernel config (one with at least one
    option line), or ``(None, None)``."""
    for candidate in config_candidates(release, running):
        real = host_path(host_root, candidate)
        text = read_config_file(real) if real else None
        # An empty, truncated or foreign file (no option line at all) is no config: try the next.
        if text is not None and _CONFIG_LINE_RE.search(text):
            return candidate, text
    return None, None


def config_options(text, names):
    """The options ``names`` as kernel config ``text`` sets them: ``{CONFIG_NAME: value}``.

    Values keep their raw form (``y``, ``m``, ``"string"``, ``0x10``); "is not set" gives ``n``; the
    last line that sets or unsets an option counts, and a name no line sets is left out. Only the
    few options asked for are looked up, each from the end of the text, one line at a time: a
    config has thousands of lines, and reading them all cost each node run more than all its
    checks together.
    """
    options = {}
    for name in names:
        end = len(text)
        while True:
            found = text.rfind(name, 0, end)
            if found == -1:
                break
            end = found + len(name) - 1
            # Most places a name occurs are inside a longer one (CONFIG_BPF in CONFIG_BPF_JIT=y).
            if text[found + len(name):found + len(name) + 1] not in ('=', ' '):
                continue
            start = text.rfind('\n', 0, found) + 1
            stop = text.find('\n', found)
            value = _line_value(text[start:stop if stop != -1 else len(text)], name)
            if value is not None:
                options[name] = value
                break
            # Every other place the name occurs on this line is on the same line: go before it.
            end = start
    return options


def _line_value(line, name):
    """What one config line says of option ``name``, or None when it says nothing of it."""
    line = line.strip()
    if line.startswith(name + '='):
        return line[len(name) + 1:].strip()
    if line.startswith('#') and line[1:].lstrip() == name + ' is not set':
        return 'n'
    return None


def missing_config_options(options, required):
    """The ``required`` options that are not ``y`` or ``m`` in ``options``, as ``name=value``."""
    missing = []
    for name in required:
        value = options.get(name)
        if value not in ('y', 'm'):
            missing.append('%s=%s' % (name, value if value is not None else '(absent)'))
    return missing


def resolve_headers(host_root, release):
    """Where ``/lib/modules/<release>/build`` leads on the node, the way Pixie resolves it.

    Returns ``(resolved_path_on_node, problem)``: the resolved path when it is a directory,
    else None and a short description of what was found instead.
    """
    if not release or '/' in release or release in ('.', '..'):
        return None, 'no usable kernel release'
    node_path = requirements.KERNEL_HEADERS_PATH.format(release=release)
    resolved, problem = resolve_in_root(host_root, node_path)
    if resolved is None:
        return None, problem
    # ``resolved`` has no links left: joining it under the root is enough (no second walk).
    if not os.path.isdir(under_root(host_root, resolved)):
        return None, '%s leads to %s, which is not a directory' % (node_path, resolved)
    return resolved, None
