# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a node's files under a host root (private to this collection).

The node may be this machine (``/``), a mounted image or chroot, or a host mounted into a
privileged pod (``/host``). Paths are always written as the node sees them (``/etc/os-release``);
symlinks are followed inside the host root, so an absolute link never escapes to the files of
the machine the module runs on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

# How many symlinks a resolution follows before it gives up (the kernel's own limit).
MAX_SYMLINKS = 40


def under_root(host_root, path):
    """``path`` (absolute, as seen on the node) joined under ``host_root``, links not followed."""
    return os.path.join(host_root, path.lstrip('/'))


def resolve_in_root(host_root, path):
    """Resolve ``path`` as the node sees it, following every symlink inside ``host_root``.

    An absolute symlink target is re-rooted under ``host_root`` (as Pixie's node agent does for
    ``/lib/modules/<release>/build`` with the host mounted at ``/host``), a relative one is joined
    to the link's directory; this holds for every component, so ``/lib -> /usr/lib`` style links
    are followed inside the host root too. Returns ``(resolved_path_on_node, None)`` when the
    whole path exists, else ``(None, problem)`` with a short description.
    """
    if '\x00' in path:
        return None, 'the path %r holds a NUL byte' % (path,)
    pending = [part for part in path.split('/') if part]
    resolved = []
    links = []
    path = '/' + '/'.join(pending)
    while pending:
        part = pending.pop(0)
        if part == '.':
            continue
        if part == '..':
            if resolved:
                resolved.pop()
            continue
        candidate = '/' + '/'.join(resolved + [part])
        try:
            target = os.readlink(under_root(host_root, candidate))
        except (IOError, OSError) as exc:
            if exc.errno == errno.EINVAL:
                resolved.append(part)
                continue
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                if candidate == path:
                    return None, '%s does not exist' % path
                if links:
                    return None, '%s does not exist (%s -> %s, and %s is missing)' % (
                        path, links[-1][0], links[-1][1], candidate)
                return None, '%s does not exist (%s is missing)' % (path, candidate)
            return None, 'cannot read %s: %s' % (candidate, exc.strerror)
        links.append((candidate, target))
        if len(links) > MAX_SYMLINKS:
            return None, 'too many levels of symbolic links in %s' % path
        if target.startswith('/'):
            resolved = []
        pending = [item for item in target.split('/') if item] + pending
    return '/' + '/'.join(resolved), None


def host_path(host_root, path):
    """The real path to open for ``path`` on the node, or None when it does not exist.

    With ``host_root`` ``/`` this is ``path`` itself (the operating system follows links the
    same way); under another root every link is resolved inside that root first.
    """
    if '\x00' in path:
        return None
    if os.path.normpath(host_root) == '/':
        return path
    resolved, dummy = resolve_in_root(host_root, path)
    if resolved is None:
        return None
    return under_root(host_root, resolved)


def read_text(host_root, path, limit=1024 * 1024):
    """Read a small text file on the node; None when it is missing, unreadable or not a file."""
    real = host_path(host_root, path)
    if real is None:
        return None
    try:
        with open(real, 'rb') as handle:
            data = handle.read(limit)
    except (IOError, OSError):
        return None
    return data.decode('utf-8', 'replace')


def read_first_line(host_root, path):
    """The first line of a file on the node, stripped, or None (missing, unreadable, empty)."""
    text = read_text(host_root, path, limit=4096)
    if text is None:
        return None
    text = text.strip()
    return text.splitlines()[0].strip() if text else None


def exists(host_root, path):
    """True when ``path`` exists on the node (after following links inside the host root)."""
    real = host_path(host_root, path)
    return real is not None and os.path.exists(real)
