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
import stat

# How many symlinks a resolution follows before it gives up (the kernel's own limit).
MAX_SYMLINKS = 40


def under_root(host_root, path):
    """``path`` (absolute, as seen on the node) joined under ``host_root``, links not followed."""
    return os.path.join(host_root, path.lstrip('/'))


class Missing(str):
    """A problem that says nothing is there (as opposed to something there that cannot be read)."""


def resolve_in_root(host_root, path):
    """Resolve ``path`` as the node sees it, following every symlink inside ``host_root``.

    An absolute symlink target is re-rooted under ``host_root`` (as Pixie's node agent does for
    ``/lib/modules/<release>/build`` with the host mounted at ``/host``), a relative one is joined
    to the link's directory; this holds for every component, so ``/lib -> /usr/lib`` style links
    are followed inside the host root too. Returns ``(resolved_path_on_node, None)`` when the
    whole path exists, else ``(None, problem)`` with a short description (a :class:`Missing` when
    the path does not exist).
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
                    return None, Missing('%s does not exist' % path)
                if links:
                    return None, Missing('%s does not exist (%s -> %s, and %s is missing)' % (
                        path, links[-1][0], links[-1][1], candidate))
                return None, Missing('%s does not exist (%s is missing)' % (path, candidate))
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


# What any one node file may hold before it counts as unreadable (a kernel config is a few hundred KiB).
DEFAULT_LIMIT = 1024 * 1024
# How much is read from the file at a time.
_CHUNK = 65536


def open_regular(real):
    """Open ``real`` (a path on this machine) for reading only if it is a regular file.

    Never blocks: the file is looked at before it is opened (a FIFO, a socket or a device is refused
    unopened) and opened with O_NONBLOCK (a FIFO put in its place in between opens at once, and is
    refused by the second look). Returns ``(file object, None)``, ``(None, None)`` when nothing is
    there, or ``(None, problem)`` when something is there that cannot be read.
    """
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None, '%s' % _kind(os.stat(real).st_mode)
        fd = os.open(real, os.O_RDONLY | getattr(os, 'O_NONBLOCK', 0) | getattr(os, 'O_NOCTTY', 0)
                     | getattr(os, 'O_CLOEXEC', 0))
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None, None
        return None, exc.strerror or str(exc)
    except ValueError as exc:  # a NUL byte in the path
        return None, str(exc)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            return None, _kind(mode)
        return os.fdopen(fd, 'rb'), None
    except (IOError, OSError) as exc:
        os.close(fd)
        return None, exc.strerror or str(exc)


def _kind(mode):
    for test, name in ((stat.S_ISDIR, 'a directory'), (stat.S_ISFIFO, 'a FIFO'), (stat.S_ISSOCK, 'a socket'),
                       (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device')):
        if test(mode):
            return 'not a regular file but %s' % name
    return 'not a regular file'


def read_limited(handle, limit, whole=True):
    """At most ``limit`` bytes of an open file. When it holds more: ValueError if the ``whole`` file
    was wanted, else its first ``limit`` bytes."""
    chunks = []
    size = 0
    while True:
        chunk = handle.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            if whole:
                raise ValueError('larger than %d bytes' % limit)
            return b''.join(chunks)[:limit]


def read_file(host_root, path, limit=DEFAULT_LIMIT, whole=True):
    """The bytes of ``path`` on the node: ``(data, None)``; ``(None, None)`` when it does not exist;
    ``(None, problem)`` when it exists and cannot be read (not a regular file, permission, larger
    than ``limit`` when the ``whole`` file is wanted; else only its first ``limit`` bytes are read).
    """
    if '\x00' in path:
        return None, 'cannot read %r: it holds a NUL byte' % (path,)
    real = path
    if os.path.normpath(host_root) != '/':
        resolved, problem = resolve_in_root(host_root, path)
        if resolved is None:
            return None, None if isinstance(problem, Missing) else problem
        real = under_root(host_root, resolved)
    handle, problem = open_regular(real)
    if handle is None:
        return None, ('cannot read %s: %s' % (path, problem)) if problem else None
    try:
        with handle:
            return read_limited(handle, limit, whole), None
    except (IOError, OSError, ValueError) as exc:
        return None, 'cannot read %s: %s' % (path, getattr(exc, 'strerror', None) or exc)


def read_text(host_root, path, limit=DEFAULT_LIMIT):
    """A small text file on the node; None when it is missing or cannot be read (see read_file)."""
    data = read_file(host_root, path, limit)[0]
    return data.decode('utf-8', 'replace') if data is not None else None


def first_line(data):
    """The first line of file bytes, stripped, or None when there is none."""
    text = data.decode('utf-8', 'replace').strip() if data is not None else ''
    return text.splitlines()[0].strip() if text else None


def read_first_line(host_root, path):
    """The first line of a file on the node, stripped, or None (missing, unreadable, empty)."""
    return first_line(read_file(host_root, path, limit=4096, whole=False)[0])


def exists(host_root, path):
    """True when ``path`` exists on the node (after following links inside the host root)."""
    real = host_path(host_root, path)
    return real is not None and os.path.exists(real)
