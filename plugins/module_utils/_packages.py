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

# ostree-based systems (Fedora CoreOS, RHCOS, Silverblue): /usr is an immutable image.
OSTREE_MARKERS = ('/run/ostree-booted', '/usr/bin/rpm-ostree')

# The release patterns are compiled on first use (``re`` keeps them compiled for the rest of the
# process): only RPM and SUSE nodes use them, and compiling them at import cost every node run.
# SUSE kernels end in their flavour (default, azure, rt, 64kb, kvmsmall, preempt, vanilla, debug, ...):
# 5.14.21-150500.55.39-default is %version-%source_rel of kernel-default plus "-default".
_SUSE_RELEASE = r'^(?P<version>[0-9][^-\s]*-[0-9][^-\s]*)-(?P<flavour>[a-z][a-z0-9_]*)$'
# RHEL-family variants after a "+": 5.14.0-362.8.1.el9_3.x86_64+debug, +rt, +rt-debug, +64k, +64k-debug
_RPM_VARIANT = r'^(?P<base>[^+\s]+)\+(?P<variant>[a-z0-9]+(?:-[a-z0-9]+)*)$'
# Real-time kernels before RHEL 9.3 carry ".rtN" in their release: 4.18.0-372.9.1.rt7.166.el8.x86_64
_RPM_RT = r'\.rt\d'
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
    Talos, ...) report ``none`` even when a binary of that name happens to be present, and so do
    ostree-based systems (Fedora CoreOS, RHCOS: their os-release says ``fedora`` or ``rhel``, but
    their /usr is read-only; ``/run/ostree-booted`` exists there and ``rpm-ostree`` layers packages
    only with a reboot, which is not this collection's call).
    """
    if dist is not None and dist.get('id') in IMMUTABLE_IDS:
        return 'none'
    if any(present(marker) for marker in OSTREE_MARKERS):
        return 'none'
    binaries = dict(PACKAGE_MANAGER_BINARIES)
    order = list(_PREFERRED.get(family(dist or {}), ()))
    order.extend(name for name, dummy in PACKAGE_MANAGER_BINARIES if name not in order)
    for name in order:
        for binary in binaries[name]:
            if present(binary):
                return name
    return 'none'


def rpm_headers_package(release):
    """The RHEL-family package (RHEL and rebuilds, Fedora, Amazon Linux, Oracle Linux) with the headers of ``release``.

    kernel.spec of Fedora/RHEL builds one devel package per variant, named kernel[-<variant>]-devel, whose
    version-release.arch is the uname release without the variant suffix: uname 5.14.0-362.8.1.el9_3.x86_64+debug
    is kernel-debug-devel-5.14.0-362.8.1.el9_3.x86_64 (its ``Provides: kernel-devel-uname-r = %{KVERREL}+debug``
    names the same kernel). Variants: ``+debug``, ``+rt`` and ``+rt-debug`` (RHEL 9.3 and later), ``+64k`` and
    ``+64k-debug`` (aarch64), ``.debug`` (RHEL 7 wrote the variant after a dot). Older real-time kernels carry
    ``.rtN`` in the release itself (4.18.0-372.9.1.rt7.166.el8.x86_64, kernel-rt-devel) and Oracle's UEK ``uek``
    (5.15.0-200.131.27.el9uek.x86_64, kernel-uek-devel).
    """
    base, variant = release, None
    match = re.match(_RPM_VARIANT, release)
    if match:
        base, variant = match.group('base'), match.group('variant')
    elif release.endswith('.debug'):
        base, variant = release[:-len('.debug')], 'debug'
    flavours = []
    if 'uek' in base:
        flavours.append('uek')
    elif re.search(_RPM_RT, base):
        flavours.append('rt')
    if variant:
        parts = variant.split('-')
        if flavours and parts[0] == flavours[0]:
            parts = parts[1:]
        flavours.extend(parts)
    return '-'.join(['kernel'] + flavours + ['devel']) + '-' + base


def suse_headers_capability(release):
    """What zypper must install for the headers of SUSE kernel ``release``, or None when the release has no flavour.

    openSUSE's kernel-source (rpm/kernel-binary.spec.in, e.g. as expanded in kernel-default.spec) builds, per
    flavour, ``%package devel`` with ``Provides: %name-devel = %version-%source_rel`` and
    ``Provides: multiversion(kernel)``; its %files (kernel-devel.files) hold ``/lib/modules/<uname -r>/build``,
    a link to ``/usr/src/linux-<version>-<source_rel>-obj/<arch>/<flavour>``. uname -r is
    ``%kernelrelease-%build_flavor`` with ``%kernelrelease`` = ``%version-%source_rel``; the package's own
    release has one more component (the rebuild counter: 150500.55.39.1), which uname does not show. So
    ``kernel-<flavour>-devel = <uname -r without -flavour>`` is satisfied by exactly the devel package of this
    kernel (kernel-syms requires kernel-default-devel in the same form), and zypper installs it with
    ``zypper install 'kernel-default-devel = 5.14.21-150500.55.39'``.
    """
    match = re.match(_SUSE_RELEASE, release)
    if not match:
        return None
    return 'kernel-%s-devel = %s' % (match.group('flavour'), match.group('version'))


def headers_packages(package_manager, dist, release):
    """The packages that install the headers of exactly ``release`` with ``package_manager``.

    Each entry is what the package manager's install command takes: a package name that embeds the
    release (apt, dnf, yum, tdnf) or, for zypper, a versioned capability (``kernel-default-devel =
    5.14.21-150500.55.39``). Empty when no package manager can provide them (or the release is unknown).
    """
    if not release or package_manager == 'none' or package_manager not in PACKAGE_MANAGERS:
        return []
    fam = family(dist or {})
    if package_manager == 'apt':
        return ['linux-headers-%s' % release]
    if package_manager == 'zypper' or fam == 'suse':
        capability = suse_headers_capability(release)
        return [capability] if capability else []
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
    if fam == 'mariner':
        return ['kernel-devel-%s' % release]
    return [rpm_headers_package(release)]
