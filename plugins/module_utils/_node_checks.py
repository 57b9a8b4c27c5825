# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node checks: one pure function per check id over the gathered facts and the thresholds.

Private to this collection. Each returns a ``checks.make_check`` record; ``evaluate`` runs them all
in report order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks as chk
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions

# The check ids, in report order. They are stable: playbooks, reports and users key on them.
CHECK_IDS = ('os', 'architecture', 'kernel_version', 'distribution', 'memory', 'kernel_headers',
             'kernel_config', 'container', 'lockdown')

# The facts key of what could not be read, by check id (the checks say unknown with the reason).
PROBLEMS = '_problems'


def _problem(facts, check_id):
    return (facts.get(PROBLEMS) or {}).get(check_id)


def _check_os(facts, req):
    actual = facts.get('os')
    if not actual:
        return chk.make_check(chk.UNKNOWN, 'cannot tell the OS: %s' % (_problem(facts, 'os') or 'nothing says'),
                              'Linux', None, 'Check that the host root is right (with /proc, or os-release).')
    if actual == 'Linux':
        return chk.make_check(chk.PASS, 'Linux node', 'Linux', actual)
    return chk.make_check(
        chk.FAIL, 'Pixie runs on Linux nodes only; this node runs %s' % (actual or 'an unknown OS'),
        'Linux', actual, 'Run Pixie on the Linux nodes of the cluster; this node cannot host its agent.')


def _check_architecture(facts, req):
    actual = facts.get('architecture')
    supported = [requirements.canonical_architecture(item) for item in req['supported_architectures']]
    if not actual:
        return chk.make_check(
            chk.UNKNOWN, 'cannot tell the architecture: %s' % (_problem(facts, 'architecture') or 'nothing says'),
            supported, None, 'Check that the host root is right (with /proc, or the programs of the node).')
    if requirements.canonical_architecture(actual) in supported:
        return chk.make_check(chk.PASS, 'architecture %s is supported' % actual, supported, actual)
    return chk.make_check(
        chk.FAIL, 'architecture %s is not supported by Pixie (it requires %s)'
        % (actual or 'unknown', ', '.join(supported)), supported, actual,
        'Schedule Pixie on x86-64 nodes; ARM nodes are not supported.')


def _check_kernel_version(facts, req):
    release = facts.get('kernel_release')
    minimum = req['min_kernel_version']
    version = facts.get('kernel_version')
    if version is None:
        return chk.make_check(
            chk.UNKNOWN, 'cannot tell the kernel version from %r' % (release,) if release
            else 'cannot read the kernel release (no /proc/sys/kernel/osrelease under the host root)',
            '>= %s' % minimum, release,
            'Set the kernel_release option to the release this node boots.')
    if versions.at_least(version, minimum):
        return chk.make_check(chk.PASS, 'kernel %s is %s or newer' % (release, minimum),
                              '>= %s' % minimum, release)
    return chk.make_check(
        chk.FAIL, 'kernel %s is older than %s' % (release, minimum), '>= %s' % minimum, release,
        'Upgrade the node to a kernel %s or newer (a newer distribution release or its HWE/cloud kernel).'
        % minimum)


def _check_distribution(facts, req):
    dist = facts.get('distribution')
    tested = req['tested_distributions']
    expected = ', '.join('%s %s+' % (key, value) for key, value in sorted(tested.items()))
    if dist is None:
        return chk.make_check(
            chk.UNKNOWN, 'no readable /etc/os-release or /usr/lib/os-release', expected, None,
            'Check that the host root is right and os-release is readable.')
    actual = '%s %s' % (dist['id'], dist['version_id'] or (
        '%s (from %s)' % (dist['version'], dist['version_source']) if dist.get('version') else '(no VERSION_ID)'))
    key = osrelease.tested_key(dist, tested)
    if key is None:
        return chk.make_check(
            chk.WARN, '%s is not in the tested list; Pixie may still work' % actual, expected, actual,
            'Nothing to do if the other checks pass; Pixie is tested on %s.' % expected)
    minimum = tested[key]
    have = versions.try_parse(dist.get('version') or dist['version_id'] or '')
    alias = '' if key == dist['id'] else ' (as %s)' % key
    if not minimum or (have is not None and versions.at_least(have, minimum)):
        return chk.make_check(chk.PASS, '%s%s is a tested distribution' % (actual, alias), expected, actual)
    if have is None:
        return chk.make_check(
            chk.UNKNOWN, '%s%s: os-release gives no version (it says %r), so whether it is %s %s or newer cannot '
            'be told; Pixie may still work' % (actual, alias, dist.get('pretty_name') or dist['name'], key, minimum),
            expected, actual, 'Nothing to do if the other checks pass (a rolling or testing release is newer than '
            'every numbered one).')
    return chk.make_check(
        chk.WARN, '%s%s is older than the tested %s %s; Pixie may still work'
        % (actual, alias, key, minimum), expected, actual,
        'Nothing to do if the other checks pass; upgrading to %s %s or newer puts the node on tested ground.'
        % (key, minimum))


def _check_memory(facts, req):
    memory = facts.get('memory_mib')
    minimum, recommended = req['min_memory_mib'], req['recommended_memory_mib']
    expected = '>= %d MiB (%d MiB recommended)' % (minimum, recommended)
    if memory is None:
        return chk.make_check(chk.UNKNOWN, _problem(facts, 'memory') or 'cannot read MemTotal from /proc/meminfo',
                              expected, None, 'Check that /proc is mounted under the host root.')
    total = memory['total']
    actual = '%d MiB' % total
    if total >= recommended:
        return chk.make_check(chk.PASS, '%s of memory' % actual, expected, actual)
    if total >= minimum:
        return chk.make_check(
            chk.WARN, '%s of memory: enough for Pixie, but less than the %d MiB recommended to leave room '
            'for application pods' % (actual, recommended), expected, actual,
            'Use nodes with %d MiB or more.' % recommended)
    return chk.make_check(
        chk.FAIL, '%s of memory is below the %d MiB Pixie needs' % (actual, minimum), expected, actual,
        'Use nodes with at least %d MiB (%d MiB recommended).' % (minimum, recommended))


def _check_kernel_headers(facts, req):
    release = facts.get('kernel_release')
    expected = '/lib/modules/%s/build resolves to a directory' % (release or '<release>')
    if not release:
        return chk.make_check(chk.UNKNOWN, 'cannot look for headers without the kernel release', expected, None,
                              'Set the kernel_release option.')
    found = facts.get('kernel_headers_path')
    if found:
        return chk.make_check(chk.PASS, 'headers for %s at %s' % (release, found), expected, found)
    problem = facts.get('kernel_headers_problem')
    pkgs = facts.get('headers_packages') or []
    config = facts.get('kernel_config_path')
    if pkgs:
        remedy = 'Install %s (%s), or run the pixie_ops.preflight.remediate role.' % (
            ', '.join(pkgs), facts.get('package_manager'))
    else:
        remedy = ('This system has no package manager for kernel headers; Pixie falls back to its own '
                  'packaged headers, which need a readable kernel config.')
    if config:
        return chk.make_check(
            chk.WARN, 'no headers for kernel %s: %s; Pixie will fall back to its packaged headers, '
            'using the kernel config at %s' % (release, problem, config), expected, problem, remedy)
    return chk.make_check(
        chk.FAIL, 'no headers for kernel %s: %s; and no readable kernel config: Pixie cannot build its '
        'eBPF programs' % (release, problem), expected, problem,
        remedy if pkgs else 'Provide the kernel config (/proc/config.gz with CONFIG_IKCONFIG_PROC, or '
        '/boot/config-%s) or the kernel headers.' % release)


def _check_kernel_config(facts, req):
    path = facts.get('kernel_config_path')
    required = list(requirements.REQUIRED_KERNEL_CONFIG)
    expected = '%s = y or m' % ', '.join(required)
    if not path:
        return chk.make_check(
            chk.UNKNOWN, 'no readable kernel config (looked in %s)'
            % ', '.join(kernel.config_candidates(facts.get('kernel_release'), facts.get('kernel_release_running', True))),
            expected, None,
            'Enable CONFIG_IKCONFIG_PROC (/proc/config.gz) or install /boot/config-<release>.')
    missing = facts.get('kernel_config_missing') or []
    if missing:
        return chk.make_check(
            chk.FAIL, 'the kernel config at %s lacks what eBPF tracing needs: %s' % (path, ', '.join(missing)),
            expected, missing, 'Boot a kernel built with %s set to y or m.'
            % ', '.join(item.split('=')[0] for item in missing))
    return chk.make_check(chk.PASS, 'the kernel config at %s has every eBPF option' % path, expected, path)


def _check_container(facts, req):
    kind = facts.get('container')
    if not kind and _problem(facts, 'container'):
        return chk.make_check(
            chk.UNKNOWN, 'cannot tell whether the node is a container: %s' % _problem(facts, 'container'),
            'not a container', None, 'Run the check as root (become: true) so it can read what pid 1 shows.')
    if not kind:
        return chk.make_check(chk.PASS, 'the node is not a container', 'not a container', None)
    return chk.make_check(
        chk.FAIL, 'the node itself runs in a %s container (%s): Pixie cannot trace from inside a container '
        '(kind, k3d, minikube with the docker driver are unsupported)' % (kind, facts.get('container_evidence')),
        'not a container', kind,
        'Run Pixie on real or virtual machines (minikube with the kvm2 or hyperkit driver for local work).')


def _check_lockdown(facts, req):
    mode = facts.get('lockdown')
    if _problem(facts, 'lockdown'):
        return chk.make_check(
            chk.UNKNOWN, 'cannot tell the kernel lockdown mode: %s' % _problem(facts, 'lockdown'),
            'none or integrity', None, 'Run the check as root (become: true): %s is readable by root only.'
            % '/sys/kernel/security/lockdown')
    if mode == 'confidentiality':
        return chk.make_check(
            chk.FAIL, 'kernel lockdown is in confidentiality mode, which blocks the kernel memory reads eBPF '
            'tracing needs', 'none or integrity', mode,
            'Boot with lockdown=integrity (or none); with Secure Boot, check the distribution\'s lockdown policy.')
    return chk.make_check(chk.PASS, 'kernel lockdown: %s' % (mode or 'not enabled'), 'none or integrity', mode)


_EVALUATORS = {
    'os': _check_os,
    'architecture': _check_architecture,
    'kernel_version': _check_kernel_version,
    'distribution': _check_distribution,
    'memory': _check_memory,
    'kernel_headers': _check_kernel_headers,
    'kernel_config': _check_kernel_config,
    'container': _check_container,
    'lockdown': _check_lockdown,
}


def evaluate(facts, req):
    """Every check for the gathered ``facts`` against validated thresholds ``req``."""
    return dict((check_id, _EVALUATORS[check_id](facts, req)) for check_id in CHECK_IDS)
