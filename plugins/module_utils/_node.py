# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One node against Pixie's requirements: gather the facts under a host root, then the checks.

``gather`` reads files (never runs a command); ``_node_checks.evaluate`` is a pure function of the
facts and the thresholds; ``node_facts`` is both, as the module returns them. Private to this
collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks as chk
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _packages as packages
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _container as container
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress as egress_probe
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _hostfs as hostfs
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kernel as kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError

# The check ids, in report order (defined with the checks).
CHECK_IDS = _node_checks.CHECK_IDS

LOCKDOWN_PATH = '/sys/kernel/security/lockdown'
# The facts key of what could not be read, by check id; removed before the facts are returned.
PROBLEMS = _node_checks.PROBLEMS


def validate_requirements(options):
    """Check and normalise the thresholds; raise UsageError naming the bad option."""
    result = requirements.defaults()
    for key, value in options.items():
        if value is not None:
            result[key] = value
    result['min_kernel_version'] = _as_text(result['min_kernel_version'], 'min_kernel_version')
    if versions.try_parse(result['min_kernel_version']) is None:
        raise UsageError('min_kernel_version %r is not a kernel version like 4.14'
                         % (result['min_kernel_version'][:80],))
    for key in ('min_memory_mib', 'recommended_memory_mib'):
        if not isinstance(result[key], int) or not 0 <= result[key] < 2 ** 53:
            raise UsageError('%s must be a whole number of MiB, got %s' % (key, _as_text(result[key], key)[:80]))
    if result['recommended_memory_mib'] < result['min_memory_mib']:
        raise UsageError('recommended_memory_mib (%d) is below min_memory_mib (%d)'
                         % (result['recommended_memory_mib'], result['min_memory_mib']))
    if not result['supported_architectures']:
        raise UsageError('supported_architectures must name at least one architecture')
    tested = {}
    for ident, minimum in (result['tested_distributions'] or {}).items():
        minimum = '' if minimum is None else _as_text(minimum, 'tested_distributions[%s]' % (ident,))
        if minimum and versions.try_parse(minimum) is None:
            raise UsageError('tested_distributions[%s]: %r is not a version' % (ident, minimum[:80]))
        tested[str(ident).lower()] = minimum
    result['tested_distributions'] = tested
    return result


def _as_text(value, what):
    """``str(value)``; UsageError for an integer past Python's digit limit (4300 digits)."""
    try:
        return str(value)
    except ValueError:
        raise UsageError('%s is a number too long to be read' % what)


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
        factor = {'kb': 1024, 'mb': 1024 ** 2, 'gb': 1024 ** 3, 'b': 1}.get(unit)
        if factor is None:  # a unit the kernel never writes: not a number of bytes we know
            continue
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


def _identify(host_root, live, uname, distribution):
    """``{os, os_source, architecture, architecture_source}`` and the problems by check id.

    ``/proc/sys/kernel/ostype`` and ``/proc/sys/kernel/arch`` under the host root say them; for the
    node ``/`` itself (``live``), ``uname``; else the tree (``_elf``, imported only then: AnsiballZ
    ships sources, so every module run compiles each module_utils file it imports).
    """
    found = {}
    problems = {}
    ostype = hostfs.read_first_line(host_root, '/proc/sys/kernel/ostype')
    source = '/proc/sys/kernel/ostype' if ostype else None
    if not ostype and live and uname is not None:
        ostype, source = uname.sysname, 'uname'
    if not ostype and not live:
        from ansible_collections.pixie_ops.preflight.plugins.module_utils._elf import tree_os
        ostype, source, problems['os'] = tree_os(distribution)
    arch = hostfs.read_first_line(host_root, '/proc/sys/kernel/arch')
    arch_source = '/proc/sys/kernel/arch' if arch else None
    if not arch and live and uname is not None:
        arch, arch_source = uname.machine, 'uname'
    if not arch:
        from ansible_collections.pixie_ops.preflight.plugins.module_utils._elf import tree_architecture
        arch, arch_source, problems['architecture'] = tree_architecture(host_root)
    found.update(os=ostype, os_source=source, architecture=arch, architecture_source=arch_source)
    return found, problems


def _kernel_release(host_root, kernel_release, live, uname):
    """``(release to check, where it came from, the running release)``."""
    running = hostfs.read_first_line(host_root, '/proc/sys/kernel/osrelease')
    running_source = '/proc/sys/kernel/osrelease' if running else None
    if not running and live and uname is not None:
        running, running_source = uname.release, 'uname'
    if kernel_release:
        return kernel_release, 'option kernel_release', running
    return running, running_source, running


def gather(host_root='/', kernel_release=None):
    """Read everything the checks need from the node under ``host_root``.

    Never raises for missing or unreadable files: a fact that cannot be read is None.
    """
    live = os.path.normpath(host_root) == '/'
    uname = _uname()
    # What could not be read, by check id: the checks say unknown with it (PROBLEMS never leaves the module).
    problems = {}
    facts = {'host_root': host_root, PROBLEMS: problems}

    release, source, running = _kernel_release(host_root, kernel_release, live, uname)
    facts['kernel_release'] = release
    facts['kernel_release_source'] = source
    facts['kernel_release_running'] = bool(release) and release == running
    facts['kernel_version'] = versions.normalize(release) if release else None

    path, fields = osrelease.read_os_release(host_root)
    facts['os_release_path'] = path
    facts['distribution'] = osrelease.distribution(fields) if fields is not None else None
    # OS and architecture: /proc, uname on the node itself, else the tree (never this machine's uname).
    identity, found_problems = _identify(host_root, live, uname, facts['distribution'])
    facts.update(identity)
    problems.update(found_problems)

    meminfo, problems['memory'] = hostfs.read_file(host_root, '/proc/meminfo')
    facts['memory_mib'] = parse_meminfo(meminfo.decode('utf-8', 'replace')) if meminfo is not None else None

    config_path, config_text = kernel.find_kernel_config(host_root, release, facts['kernel_release_running'])
    facts['kernel_config_path'] = config_path
    if config_text is not None:
        options = kernel.config_options(config_text, requirements.REQUIRED_KERNEL_CONFIG)
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

    kind, evidence, problems['container'] = container.detect_container(host_root)
    facts['container'] = kind
    facts['container_evidence'] = evidence

    lockdown, problems['lockdown'] = hostfs.read_file(host_root, LOCKDOWN_PATH, 4096, whole=False)
    facts['lockdown'] = parse_lockdown(hostfs.first_line(lockdown)) if lockdown is not None else None
    return facts


def node_facts(host_root='/', kernel_release=None, egress=None, environ=None, **thresholds):
    """Gather and evaluate: the ``pixie_node`` fact the module returns.

    With ``egress`` (the egress_info options), the node's egress to the cloud address is probed in
    the same run and reported as ``egress`` and the ``egress`` check: one module run per node
    instead of two, which is what keeps the preflight near the cost of ``ansible -m ping``.
    """
    req = validate_requirements(thresholds)
    if not os.path.isdir(host_root):
        raise UsageError('host_root %s is not a directory' % host_root)
    if egress is not None:
        _egress_usage(egress_probe.validate_options, egress)
    facts = gather(host_root, kernel_release)
    facts['checks'] = _node_checks.evaluate(facts, req)
    facts.pop(PROBLEMS, None)
    if egress is not None:
        probed = _egress_usage(egress_probe.run_options, egress, environ)
        facts['egress'] = probed['egress']
        facts['checks']['egress'] = probed['checks']['egress']
    facts['status'] = chk.overall_status(facts['checks'])
    return facts


def _egress_usage(call, *args):
    """``call(*args)``, with a misused egress option named as ``egress: ...``."""
    try:
        return call(*args)
    except UsageError as exc:
        raise UsageError('egress: %s' % exc)
