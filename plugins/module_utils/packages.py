# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Package manager detection and the names of the packages that hold a kernel's headers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Image-based systems with no package manager an operator can install headers with.
IMMUTABLE_IDS = frozenset([
    'cos', 'bottlerocket', 'flatcar', 'talos', 'coreos', 'rhcos', 'fedora-coreos', 'k3os',
    'chromeos', 'gardenlinux-immutable',
])

# Package managers by how to find them on the node, in the order they are preferred.
PACKAGE_MANAGER_BINARIES = (
    ('apt', ('/usr/bin/apt-get',)),
    ('dnf', ('/usr/bin/dnf', '/usr/bin/dnf5', '/usr/bin/microdnf')),
    ('yum', ('/usr/bin/yum',)),
    ('zypper', ('/usr/bin/zypper',)),
    ('tdnf', ('/usr/bin/tdnf',)),
    ('pacman', ('/usr/bin/pacman',)),
)

PACKAGE_MANAGERS = tuple(name for name, dummy in PACKAGE_MANAGER_BINARIES) + ('none',)

_DEBIAN_FAMILY = ('debian', 'ubuntu')
_RPM_FAMILY = ('rhel', 'fedora', 'centos', 'amzn', 'ol', 'rocky', 'almalinux')
_SUSE_FAMILY = ('suse', 'sles', 'opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sle-micro')

# Which package managers a family uses, most preferred first.
_PREFERRED = {
    'debian': ('apt',),
    'rpm': ('dnf', 'yum'),
    'suse': ('zypper',),
    'photon': ('tdnf',),
    'mariner': ('tdnf', 'dnf'),
    'arch': ('pacman',),
}

# SUSE kernels end in their flavour: 5.14.21-150500.55.39-default
_SUSE_RELEASE_RE = re.compile(r'^(?P<version>.+)-(?P<flavour>default|azure|rt|64kb|kvmsmall|preempt|vanilla)$')
# Arch kernels: 6.1.0-arch1-1 (linux), 6.6.10-1-lts, 6.7.0-zen3-1-zen, 6.7.0-hardened1-1-hardened
_ARCH_FLAVOURS = ('lts', 'zen', 'hardened', 'rt', 'rt-lts')
# Photon kernels carry their flavour too: 4.19.225-3.ph3-esx
_PHOTON_FLAVOURS = ('esx', 'aws', 'secure', 'rt')


def family(dist):
    """``debian``, ``rpm``, ``suse``, ``arch``, ``photon``, ``mariner`` or None for a distribution dict."""
    ids = [dist.get('id') or ''] + list(dist.get('like') or [])
    if dist.get('id') == 'photon':
        return 'photon'
    if dist.get('id') in ('mariner', 'azurelinux'):
        return 'mariner'
    for ident in ids:
        if ident in _DEBIAN_FAMILY:
            return 'debian'
        if ident in _SUSE_FAMILY or ident.startswith('opensuse') or ident.startswith('sle'):
            return 'suse'
        if ident in _RPM_FAMILY:
            return 'rpm'
        if ident in ('arch', 'archlinux', 'manjaro'):
            return 'arch'
    return None


def detect_package_manager(dist, present):
    """The node's package manager.

    ``dist`` is the distribution dict (see osrelease.distribution); ``present`` is a predicate
    telling whether a path exists on the node. Image-based systems (COS, Bottlerocket, Flatcar,
    Talos, ...) report ``none`` even when a binary of that name happens to be present.
    """
    if dist is not None and dist.get('id') in IMMUTABLE_IDS:
        return 'none'
    binaries = dict(PACKAGE_MANAGER_BINARIES)
    order = list(_PREFERRED.get(family(dist or {}), ()))
    order.extend(name for name, dummy in PACKAGE_MANAGER_BINARIES if name not in order)
    for name in order:
        for binary in binaries[name]:
            if present(binary):
                return name
    return 'none'


def headers_packages(package_manager, dist, release):
    """The packages that install the headers of exactly ``release`` with ``package_manager``.

    Empty when no package manager can provide them (or the release is unknown).
    """
    if not release or package_manager == 'none' or package_manager not in PACKAGE_MANAGERS:
        return []
    fam = family(dist or {})
    if package_manager == 'apt':
        return ['linux-headers-%s' % release]
    if package_manager == 'zypper' or fam == 'suse':
        # SUSE splits headers by flavour (the uname suffix). The RPM release has one more component
        # than uname shows (6.4.0-150600.21-default is kernel-default 6.4.0-150600.21.<N>), so the
        # exact version cannot be derived from the node's files: only the name is returned. The
        # remediate role refuses names that do not carry the release, so it does not install these.
        match = _SUSE_RELEASE_RE.match(release)
        return ['kernel-%s-devel' % (match.group('flavour') if match else 'default')]
    if package_manager == 'pacman':
        for flavour in _ARCH_FLAVOURS:
            if release.endswith('-' + flavour):
                return ['linux-%s-headers' % flavour]
        return ['linux-headers']
    if fam == 'photon':
        for flavour in _PHOTON_FLAVOURS:
            if release.endswith('-' + flavour):
                return ['linux-%s-devel-%s' % (flavour, release[:-len(flavour) - 1])]
        return ['linux-devel-%s' % release]
    # The RPM family (RHEL and rebuilds, Fedora, Amazon Linux, Azure Linux): the package is
    # named after the kernel flavour, its version-release is the uname release.
    if 'uek' in release:
        return ['kernel-uek-devel-%s' % release]
    if re.search(r'\.rt\d', release) or release.endswith('+rt'):
        return ['kernel-rt-devel-%s' % release]
    if release.endswith('+64k'):
        return ['kernel-64k-devel-%s' % release[:-4]]
    return ['kernel-devel-%s' % release]
