# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One node against Pixie's requirements: gather the facts under a host root, evaluate the checks.

``gather`` reads files (never runs a command); ``evaluate`` is a pure function of the facts and
the thresholds; ``node_facts`` is both, as the module returns them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks as chk
from ansible_collections.pixie_ops.preflight.plugins.module_utils import container
from ansible_collections.pixie_ops.preflight.plugins.module_utils import egress as egress_probe
from ansible_collections.pixie_ops.preflight.plugins.module_utils import hostfs
from ansible_collections.pixie_ops.preflight.plugins.module_utils import kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import packages
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

# The check ids, in report order. They are stable: playbooks, reports and users key on them.
CHECK_IDS = ('os', 'architecture', 'kernel_version', 'distribution', 'memory', 'kernel_headers',
             'kernel_config', 'container', 'lockdown')

LOCKDOWN_PATH = '/sys/kernel/security/lockdown'


class UsageError(ValueError):
    """A module option misused: thresholds that make no sense, a host root that is not a directory."""


def validate_requirements(options):
    """Check and normalise the thresholds; raise UsageError naming the bad option."""
    result = requirements.defaults()
    for key, value in options.items():
        if value is not None:
            result[key] = value
    try:
        kernel.parse_version(str(result['min_kernel_version']))
    except kernel.KernelReleaseError:
        raise UsageError('min_kernel_version %r is not a kernel version like 4.14'
                         % (result['min_kernel_version'],))
    result['min_kernel_version'] = str(result['min_kernel_version'])
    for key in ('min_memory_mib', 'recommended_memory_mib'):
        if not isinstance(result[key], int) or result[key] < 0:
            raise UsageError('%s must be a whole number of MiB, got %r' % (key, result[key]))
    if result['recommended_memory_mib'] < result['min_memory_mib']:
        raise UsageError('recommended_memory_mib (%d) is below min_memory_mib (%d)'
                         % (result['recommended_memory_mib'], result['min_memory_mib']))
    if not result['supported_architectures']:
        raise UsageError('supported_architectures must name at least one architecture')
    tested = {}
    for ident, minimum in (result['tested_distributions'] or {}).items():
        minimum = '' if minimum is None else str(minimum)
        if minimum and osrelease.version_tuple(minimum) is None:
            raise UsageError('tested_distributions[%s]: %r is not a version' % (ident, minimum))
        tested[str(ident).lower()] = minimum
    result['tested_distributions'] = tested
    return result


def parse_meminfo(text):
    """``{total, available}`` in MiB from /proc/meminfo text; None when MemTotal is absent.

    MemAvailable appeared in Linux 3.14; older kernels get MemFree + Buffers + Cached.
    """
    values = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(':')
        if not sep:
            continue
        fields = rest.split()
        if not fields:
            continue
        try:
            number = int(fields[0])
        except ValueError:
            continue
        unit = fields[1].lower() if len(fields) > 1 else 'b'
        factor = {'kb': 1024, 'mb': 1024 ** 2, 'gb': 1024 ** 3, 'b': 1}.get(unit, 1)
        values[name.strip()] = number * factor
    if 'MemTotal' not in values:
        return None
    if 'MemAvailable' in values:
        available = values['MemAvailable']
    else:
        available = sum(values.get(key, 0) for key in ('MemFree', 'Buffers', 'Cached'))
    mib = 1024 * 1024
    return {'total': values['MemTotal'] // mib, 'available': available // mib}


def parse_lockdown(text):
    """The active lockdown mode from ``[none] integrity confidentiality``, or None."""
    for word in (text or '').split():
        if word.startswith('[') and word.endswith(']'):
            return word[1:-1]
    return None


def _uname():
    try:
        return os.uname()
    except AttributeError:  # pragma: no cover - not a POSIX system
        return None


def gather(host_root='/', kernel_release=None):
    """Read everything the checks need from the node under ``host_root``.

    Never raises for missing or unreadable files: a fact that cannot be read is None.
    """
    live = os.path.normpath(host_root) == '/'
    uname = _uname()
    facts = {'host_root': host_root}

    ostype = hostfs.read_first_line(host_root, '/proc/sys/kernel/ostype')
    if not ostype and uname is not None:
        ostype = uname.sysname
    facts['os'] = ostype

    running = hostfs.read_first_line(host_root, '/proc/sys/kernel/osrelease')
    running_source = '/proc/sys/kernel/osrelease' if running else None
    if not running and live and uname is not None:
        running, running_source = uname.release, 'uname'
    if kernel_release:
        release, source = kernel_release, 'option kernel_release'
    else:
        release, source = running, running_source
    facts['kernel_release'] = release
    facts['kernel_release_source'] = source
    facts['kernel_release_running'] = bool(release) and release == running
    facts['kernel_version'] = kernel.normalize_version(release) if release else None

    arch = hostfs.read_first_line(host_root, '/proc/sys/kernel/arch')
    if not arch and uname is not None:
        arch = uname.machine
    facts['architecture'] = arch

    path, fields = osrelease.read_os_release(host_root)
    facts['os_release_path'] = path
    facts['distribution'] = osrelease.distribution(fields) if fields is not None else None

    meminfo = hostfs.read_text(host_root, '/proc/meminfo')
    facts['memory_mib'] = parse_meminfo(meminfo) if meminfo is not None else None

    config_path, config_text = kernel.find_kernel_config(host_root, release, facts['kernel_release_running'])
    facts['kernel_config_path'] = config_path
    if config_text is not None:
        options = kernel.parse_kernel_config(config_text)
        facts['kernel_config_missing'] = kernel.missing_config_options(
            options, requirements.REQUIRED_KERNEL_CONFIG)
    else:
        facts['kernel_config_missing'] = None

    headers, problem = kernel.resolve_headers(host_root, release)
    facts['kernel_headers_path'] = headers
    facts['kernel_headers_problem'] = problem

    manager = packages.detect_package_manager(
        facts['distribution'], lambda binary: hostfs.exists(host_root, binary))
    facts['package_manager'] = manager
    facts['headers_packages'] = packages.headers_packages(manager, facts['distribution'], release)

    kind, evidence = container.detect_container(host_root)
    facts['container'] = kind
    facts['container_evidence'] = evidence

    lockdown = hostfs.read_first_line(host_root, LOCKDOWN_PATH)
    facts['lockdown'] = parse_lockdown(lockdown) if lockdown is not None else None
    return facts


def _check_os(facts, req):
    actual = facts.get('os')
    if actual == 'Linux':
        return chk.make_check(chk.PASS, 'Linux node', 'Linux', actual)
    return chk.make_check(
        chk.FAIL, 'Pixie runs on Linux nodes only; this node runs %s' % (actual or 'an unknown OS'),
        'Linux', actual, 'Run Pixie on the Linux nodes of the cluster; this node cannot host its agent.')


def _check_architecture(facts, req):
    actual = facts.get('architecture')
    supported = [requirements.canonical_architecture(item) for item in req['supported_architectures']]
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
    if kernel.version_at_least(version, minimum):
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
    actual = '%s %s' % (dist['id'], dist['version_id'] or '(no VERSION_ID)')
    key = osrelease.tested_key(dist, tested)
    if key is None:
        return chk.make_check(
            chk.WARN, '%s is not in the tested list; Pixie may still work' % actual, expected, actual,
            'Nothing to do if the other checks pass; Pixie is tested on %s.' % expected)
    minimum = tested[key]
    have = osrelease.version_tuple(dist['version_id'])
    alias = '' if key == dist['id'] else ' (as %s)' % key
    if not minimum or (have is not None and have >= osrelease.version_tuple(minimum)):
        return chk.make_check(chk.PASS, '%s%s is a tested distribution' % (actual, alias), expected, actual)
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
        return chk.make_check(chk.UNKNOWN, 'cannot read MemTotal from /proc/meminfo', expected, None,
                              'Check that /proc is mounted under the host root.')
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
    if not kind:
        return chk.make_check(chk.PASS, 'the node is not a container', 'not a container', None)
    return chk.make_check(
        chk.FAIL, 'the node itself runs in a %s container (%s): Pixie cannot trace from inside a container '
        '(kind, k3d, minikube with the docker driver are unsupported)' % (kind, facts.get('container_evidence')),
        'not a container', kind,
        'Run Pixie on real or virtual machines (minikube with the kvm2 or hyperkit driver for local work).')


def _check_lockdown(facts, req):
    mode = facts.get('lockdown')
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


def node_facts(host_root='/', kernel_release=None, egress=None, environ=None, **thresholds):
    """Gather and evaluate: the ``pixie_node`` fact the module returns.

    With ``egress`` (the egress_check options), the node's egress to the cloud address is probed in
    the same run and reported as ``egress`` and the ``egress`` check: one module run per node
    instead of two, which is what keeps the preflight near the cost of ``ansible -m ping``.
    """
    req = validate_requirements(thresholds)
    if not os.path.isdir(host_root):
        raise UsageError('host_root %s is not a directory' % host_root)
    if egress is not None:
        error = egress_probe.option_error(egress)
        if error:
            raise UsageError('egress: %s' % error)
    facts = gather(host_root, kernel_release)
    facts['checks'] = evaluate(facts, req)
    if egress is not None:
        try:
            probed = egress_probe.run_options(egress, environ)
        except egress_probe.ProxyURLError as exc:
            raise UsageError('egress: proxy: %s' % exc)
        facts['egress'] = probed['egress']
        facts['checks']['egress'] = probed['checks']['egress']
    facts['status'] = chk.overall_status(facts['checks'])
    return facts
