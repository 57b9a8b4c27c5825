# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pixie's requirements as data, in one place.

Every figure here comes from Pixie's "Requirements" page (docs.px.dev/installing-pixie/requirements)
and is only a default: each one is overridable from a module option and from the role and playbook
variables. This is the one place each default is defined: module DOCUMENTATION, the role's defaults
and argument specs and the README's variable table repeat them, and a unit test
(tests/unit/plugins/module_utils/test_requirements.py) keeps every copy in step. Public: other
collections may import it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Kubernetes v1.16+ is required.
MIN_K8S_VERSION = '1.16'

# Linux v4.14+ (the px CLI checks the same figure on each node's kernelVersion).
MIN_KERNEL_VERSION = '4.14'

# 1 GiB minimum; 4 GiB+ per node recommended to leave room for application pods.
MIN_MEMORY_MIB = 1024
RECOMMENDED_MEMORY_MIB = 4096

# Pixie requires x86-64; ARM is not supported.
SUPPORTED_ARCHITECTURES = ['x86_64']

# Names different tools use for the same architecture, mapped to the kernel's name (uname -m).
ARCHITECTURE_ALIASES = {
    'amd64': 'x86_64',
    'x86-64': 'x86_64',
    'x64': 'x86_64',
    'arm64': 'aarch64',
    'armv8': 'aarch64',
    'i686': 'i386',
    'i586': 'i386',
    '386': 'i386',
    'ppc64el': 'ppc64le',
}

# Linux distributions Pixie has been tested on: os-release ID -> minimum VERSION_ID.
TESTED_DISTRIBUTIONS = {
    'ubuntu': '18.04',
    'debian': '10',
    'rhel': '8',
    'cos': '73',
}

# Rebuilds of RHEL that are binary compatible with it, with the same major versions: they are
# evaluated against the ``rhel`` entry of the tested list (Rocky 8.9 counts as RHEL 8, CentOS 7 as
# RHEL 7). Amazon Linux, Fedora and the rest of the Fedora family are not RHEL and are not mapped.
RHEL_COMPATIBLE_IDS = ('centos', 'rocky', 'almalinux', 'ol', 'circle', 'eurolinux', 'navylinux', 'cloudlinux')

# Kernel options eBPF tracing needs; each must be built in (y) or a module (m).
REQUIRED_KERNEL_CONFIG = [
    'CONFIG_BPF',
    'CONFIG_BPF_SYSCALL',
    'CONFIG_BPF_EVENTS',
    'CONFIG_KPROBES',
    'CONFIG_KPROBE_EVENTS',
    'CONFIG_UPROBES',
    'CONFIG_UPROBE_EVENTS',
    'CONFIG_PERF_EVENTS',
]

# Where a kernel config may be found, in the order Pixie's node agent looks (the first four),
# then Bottlerocket's, then the other places Kubernetes' system-validators look.
# ``{release}`` is the kernel release.
KERNEL_CONFIG_PATHS = [
    '/proc/config',
    '/proc/config.gz',
    '/boot/config-{release}',
    '/lib/modules/{release}/config',
    '/boot/config',
    '/usr/lib/modules/{release}/config',
    '/usr/lib/ostree-boot/config-{release}',
    '/usr/lib/kernel/config-{release}',
    '/usr/src/linux-{release}/.config',
    '/usr/src/linux/.config',
    '/usr/src/linux-headers-{release}/.config',
    '/lib/modules/{release}/build/.config',
]

# Where Pixie's node agent looks for the headers of the running kernel.
KERNEL_HEADERS_PATH = '/lib/modules/{release}/build'

# Pixie Cloud: Vizier's cloud connector sends outgoing HTTPS/2 (gRPC) requests here.
CLOUD_HOST = 'withpixie.ai'
CLOUD_PORT = 443

# Seconds each step of the egress probe (DNS, connect, proxy, TLS, HTTP/2) may take.
EGRESS_TIMEOUT = 10.0

# Seconds each Kubernetes API request may take (kubectl --request-timeout).
KUBECTL_TIMEOUT = 10

# The namespace Pixie is deployed to (px deploy's default), where the admission dry runs ask.
PIXIE_NAMESPACE = 'pl'

# The memory limit and request of each PEM pod, one per Linux node: Pixie's pemMemoryLimit default
# (defaultMemoryLimit in src/utils/template_generator/vizier_yamls/vizier_yamls.go of pixie-io/pixie).
PEM_MEMORY_LIMIT = '2Gi'


def canonical_architecture(name):
    """The kernel's name for an architecture (``amd64`` -> ``x86_64``, ``arm64`` -> ``aarch64``)."""
    name = (name or '').strip().lower()
    return ARCHITECTURE_ALIASES.get(name, name)


def defaults():
    """All node-side defaults as the option names the modules and roles use."""
    return {
        'min_kernel_version': MIN_KERNEL_VERSION,
        'min_memory_mib': MIN_MEMORY_MIB,
        'recommended_memory_mib': RECOMMENDED_MEMORY_MIB,
        'supported_architectures': list(SUPPORTED_ARCHITECTURES),
        'tested_distributions': dict(TESTED_DISTRIBUTIONS),
    }
