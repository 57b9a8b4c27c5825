# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OS and architecture of a tree that does not say them in ``/proc`` (a mounted image, a chroot).

The architecture comes from the ELF header of one of its own programs (``/bin/sh``, ``/usr/bin/env``,
...), the OS from its os-release; never from the machine running the module. What cannot be told
is None with the reason. ``_node`` asks ``/proc`` and ``uname`` first, and imports this only when
they do not answer. Private to this collection; standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _hostfs as hostfs

# Programs every Linux tree has one of; the first ELF file among them tells the architecture.
ELF_PROBES = ('/bin/sh', '/usr/bin/sh', '/usr/bin/env', '/bin/ls', '/usr/bin/ls', '/sbin/init', '/usr/lib/systemd/systemd')

# e_machine (the ELF header's machine field) as uname -m names it; 64-bit classes where it matters.
_MACHINES = {
    (62, 2): 'x86_64', (3, 1): 'i386', (183, 2): 'aarch64', (40, 1): 'armv7l',
    (21, 2): 'ppc64', (20, 1): 'ppc', (22, 2): 's390x', (22, 1): 's390', (243, 2): 'riscv64',
    (258, 2): 'loongarch64', (8, 1): 'mips', (8, 2): 'mips64',
}
# OS ids of os-release files that are not Linux (FreeBSD writes an os-release too).
NOT_LINUX_IDS = ('freebsd', 'netbsd', 'openbsd', 'dragonfly', 'midnightbsd', 'illumos', 'solaris')


def elf_architecture(header):
    """The architecture (``uname -m`` name) of an ELF header's bytes, or None when it is no ELF file
    or names a machine not in the table."""
    if not isinstance(header, (bytes, bytearray)) or len(header) < 20 or header[:4] != b'\x7fELF':
        return None
    elf_class, data = header[4], header[5]
    if elf_class not in (1, 2) or data not in (1, 2):
        return None
    machine = struct.unpack('<H' if data == 1 else '>H', bytes(header[18:20]))[0]
    name = _MACHINES.get((machine, elf_class))
    if name == 'ppc64' and data == 1:
        return 'ppc64le'
    if name == 'armv7l' and data == 2:
        return 'armv7b'
    return name


def tree_architecture(host_root):
    """``(architecture, where it came from, problem)`` from the ELF header of the tree's programs."""
    for path in ELF_PROBES:
        data, dummy = hostfs.read_file(host_root, path, 64, whole=False)
        arch = elf_architecture(data) if data is not None else None
        if arch:
            return arch, 'ELF header of %s' % path, None
    return None, None, ('no /proc/sys/kernel/arch under the host root, and none of %s is an ELF program '
                        'of a known machine' % ', '.join(ELF_PROBES))


def tree_os(distribution):
    """``(os, where it came from, problem)`` from the tree's os-release (a parsed distribution or None)."""
    if distribution is None:
        return None, None, 'no /proc/sys/kernel/ostype and no readable os-release under the host root'
    if distribution['id'] in NOT_LINUX_IDS:
        return distribution['name'], 'os-release', None
    return 'Linux', 'os-release', None
