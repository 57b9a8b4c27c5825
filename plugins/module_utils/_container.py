# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is this node itself a container, and which kind (private to this collection).

Kubernetes "nodes" that are containers (kind, k3d, minikube's docker and podman drivers, Docker
Desktop) cannot run Pixie: its eBPF programs must see the host's processes from the host.
The evidence, strongest first, is what systemd-detect-virt --container looks at.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _hostfs as hostfs

# cgroup paths of pid 1 that only a containerised init has (cgroup v1, or v2 without a namespace).
# Compiled on first use (``re`` keeps them compiled for the rest of the process): they are the last
# evidence, read only when none of the rest is found, and compiling them at import cost every node run.
_CGROUP_PATTERNS = (
    (r'/docker[/-]', 'docker'),
    (r'/libpod[-_]|/machine\.slice/libpod', 'podman'),
    (r'/kubepods', 'kubernetes'),
    (r'/lxc(\.payload)?[/.]', 'lxc'),
    (r'/containerd[/-]|cri-containerd', 'containerd'),
    (r'/crio-', 'cri-o'),
    (r'/machine\.slice/.*nspawn', 'systemd-nspawn'),
)


def normalize_kind(value):
    """Map the spellings of container managers to one name each."""
    value = value.strip().strip('"').lower()
    if value.startswith('lxc'):
        return 'lxc'
    return value or None


def container_from_environ(data):
    """The ``container=`` value in a NUL-separated environment block (/proc/1/environ)."""
    for entry in data.split('\0'):
        if entry.startswith('container='):
            return normalize_kind(entry[len('container='):])
    return None


def container_from_cgroup(text):
    """A container kind from the cgroup paths of pid 1 (/proc/1/cgroup), or None."""
    for line in text.splitlines():
        path = line.split(':', 2)[-1]
        for pattern, kind in _CGROUP_PATTERNS:
            if re.search(pattern, path):
                return kind
    return None


def detect_container(host_root):
    """Return ``(kind or None, evidence or None, problem or None)`` for the node under ``host_root``.

    ``problem`` says which evidence could not be read when none was found: then the node may be a
    container all the same, and the caller cannot say it is not.
    """
    problems = []

    def read(path, limit=hostfs.DEFAULT_LIMIT):
        data, problem = hostfs.read_file(host_root, path, limit, whole=False)
        if problem:
            problems.append(problem)
        return (data or b'').decode('utf-8', 'replace')

    text = hostfs.first_line(read('/run/systemd/container', 4096).encode('utf-8'))
    if text:
        return normalize_kind(text), '/run/systemd/container says %s' % text, None
    kind = container_from_environ(read('/proc/1/environ'))
    if kind:
        return kind, 'container=%s in the environment of pid 1' % kind, None
    if hostfs.exists(host_root, '/run/.containerenv'):
        return 'podman', '/run/.containerenv exists', None
    if hostfs.exists(host_root, '/.dockerenv'):
        return 'docker', '/.dockerenv exists', None
    kind = container_from_cgroup(read('/proc/1/cgroup'))
    if kind:
        return kind, 'the cgroup of pid 1 is a %s container path' % kind, None
    return None, None, '; '.join(problems) or None
