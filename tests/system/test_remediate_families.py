# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role on every distribution family, over real SSH, with the real package managers.

Nodes come from tests/hosts/package_nodes.py: Debian 12 roots that say they are RHEL 9.3 (dnf), Amazon Linux 2023
(dnf), Amazon Linux 2 (yum, no dnf), SLES 15 SP5 (zypper), Ubuntu 22.04 with the HWE kernel (apt) and Fedora CoreOS
(ostree: no package manager), each with a local repository of header packages built by the harness with the names,
versions and file layout of the real ones, plus the headers of a newer kernel of the same series. Debian's real
dnf, rpm, zypper and apt do the work. Each test gets fresh nodes (an overlay over the cached layer).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import re
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'hosts'))

import support_hosts  # noqa: E402  pylint: disable=wrong-import-position
import package_nodes  # noqa: E402  pylint: disable=wrong-import-position

PLAY = """\
- name: Install the kernel headers Pixie needs
  hosts: package_nodes
  gather_facts: false
  roles:
    - role: pixie_ops.preflight.remediate
      remediate_kernel_release: "{release}"
"""

# What a run for the node's kernel must add to the node, exactly (rpm NEVRA, or dpkg name=version).
INSTALLED_BY_THE_ROLE = {
    'rhel9': ['kernel-devel-5.14.0-362.8.1.el9_3.x86_64'],
    'amzn2023': ['kernel-devel-6.1.61-85.141.amzn2023.x86_64'],
    'amzn2': ['kernel-devel-5.10.205-195.807.amzn2.x86_64'],
    'sles15': ['kernel-default-devel-5.14.21-150500.55.39.1.x86_64'],
    'ubuntu2204': ['linux-headers-6.5.0-35-generic=6.5.0-35.35~22.04.1',
                   'linux-hwe-6.5-headers-6.5.0-35=6.5.0-35.35~22.04.1'],
}
# Where node_facts then finds the headers (/lib/modules/<release>/build resolved, as Pixie does).
HEADERS_PATH = {
    'rhel9': '/usr/src/kernels/5.14.0-362.8.1.el9_3.x86_64',
    'amzn2023': '/usr/src/kernels/6.1.61-85.141.amzn2023.x86_64',
    'amzn2': '/usr/src/kernels/5.10.205-195.807.amzn2.x86_64',
    'sles15': '/usr/src/linux-5.14.21-150500.55.39-obj/x86_64/default',
    'ubuntu2204': '/usr/src/linux-headers-6.5.0-35-generic',
}
# How each node's failure message names the repositories it asked.
REPOSITORIES = {
    'rhel9': 'rhel-9-for-x86_64-baseos-rpms',
    'amzn2023': 'amazonlinux',
    'amzn2': 'amzn2-core',
    'sles15': 'SLE-Module-Basesystem15-SP5-Updates file:/srv/repos/sles15',
    'ubuntu2204': 'file:/srv/repos/ubuntu2204 ./',
}
MANAGED = sorted(INSTALLED_BY_THE_ROLE)
FATAL_RE = re.compile(r'^fatal: \[(?P<host>[^\]]+)\]: FAILED! => (?P<json>\{.*\})\s*$', re.M)


@contextlib.contextmanager
def start_package_nodes(names=package_nodes.NODES):
    why = package_nodes.base.missing_requirements()
    if why:
        pytest.skip(why)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, package_nodes.base.raise_exit)
    nodes = package_nodes.PackageNodes(names)
    try:
        nodes.start()
        print('package test nodes up in %.1f s (%s)' % (nodes.setup_seconds, ', '.join(
            '%s:%d' % (n.name, n.port) for n in nodes.nodes)))
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
def nodes():
    with start_package_nodes() as started:
        yield started


def play(tmp_path, bin_dir, ansible_env, nodes, release, *args):
    path = tmp_path / 'remediate.yml'
    path.write_text(PLAY.format(release=release))
    started = time.time()
    proc, counts = support_hosts.run_playbook(bin_dir, ansible_env, nodes.inventory, str(path), '-f', '10', *args)
    took = time.time() - started
    print('WALL ansible-playbook %s over %d nodes: %.1f s' % (' '.join(args) or '(real run)', len(counts), took))
    return proc, counts


def failures(output):
    """The message of the last failed task of each host."""
    found = {}
    for match in FATAL_RE.finditer(output):
        found[match.group('host')] = json.loads(match.group('json')).get('msg', '')
    return found


def snapshot(nodes):
    return dict((n.name, n.installed()) for n in nodes.nodes)


def test_check_mode_reports_the_pinned_package_and_installs_nothing(nodes, tmp_path, bin_dir, ansible_env):
    before = snapshot(nodes)
    proc, counts = play(tmp_path, bin_dir, ansible_env, nodes, '{{ pixie_test_release }}', '--check')
    assert proc.returncode == 0
    for name in MANAGED:
        node = nodes.node(name)
        assert counts[name]['changed'] >= 1 and counts[name]['failed'] == 0
        assert '%s: would install %s with %s for kernel %s' % (
            name, node.headers_package(), node.manager, node.release) in proc.stdout
    assert snapshot(nodes) == before
    # Fedora CoreOS: nothing to install with, and the report says why and what Pixie does instead.
    assert counts['fcos'] == {'ok': counts['fcos']['ok'], 'changed': 0, 'unreachable': 0, 'failed': 0}
    assert 'fcos (Fedora Linux) has no package manager the role can install kernel headers with' in proc.stdout
    assert 'Fedora CoreOS and other ostree systems' in proc.stdout
    assert 'falls back to the kernel headers packaged in its image' in proc.stdout
    assert 'none is readable on this node, so that fallback cannot work either' in proc.stdout


def test_install_adds_exactly_the_pinned_package_then_headers_pass_and_a_second_run_changes_nothing(
        nodes, tmp_path, bin_dir, ansible_env):
    before = snapshot(nodes)
    proc, counts = play(tmp_path, bin_dir, ansible_env, nodes, '{{ pixie_test_release }}')
    assert proc.returncode == 0
    after = snapshot(nodes)
    for name in MANAGED:
        assert counts[name]['changed'] >= 1 and counts[name]['failed'] == 0
        # Exactly the pinned package (and, on Ubuntu, its common headers): not the newer kernel's headers also in
        # the repository, and nothing removed (the node's kernel package stays).
        assert sorted(set(after[name]) - set(before[name])) == INSTALLED_BY_THE_ROLE[name]
        assert set(before[name]) <= set(after[name])
        assert '"%s: installed %s; headers for %s at %s"' % (
            name, nodes.node(name).headers_package(), nodes.node(name).release, HEADERS_PATH[name]) in proc.stdout
    assert after['fcos'] == before['fcos'] and counts['fcos']['changed'] == 0

    # node_facts, run on its own over SSH, now finds the headers where Pixie looks for them.
    results = support_hosts.run_module(bin_dir, ansible_env, nodes.inventory, ':'.join(MANAGED),
                                       'pixie_ops.preflight.node_facts', 'kernel_release={{ pixie_test_release }}')
    for name in MANAGED:
        status, result = results[name]
        assert status == 'SUCCESS'
        facts = result['ansible_facts']['pixie_node']
        assert facts['package_manager'] == nodes.node(name).manager
        assert facts['checks']['kernel_headers']['status'] == 'pass'
        assert facts['kernel_headers_path'] == HEADERS_PATH[name]

    proc, counts = play(tmp_path, bin_dir, ansible_env, nodes, '{{ pixie_test_release }}')
    assert proc.returncode == 0
    for name in MANAGED + ['fcos']:
        assert counts[name] == {'ok': counts[name]['ok'], 'changed': 0, 'unreachable': 0, 'failed': 0}
    for name in MANAGED:
        assert '"%s: headers for %s at %s; nothing to install."' % (
            name, nodes.node(name).release, HEADERS_PATH[name]) in proc.stdout
    assert snapshot(nodes) == after


def test_kernel_whose_package_is_absent_fails_naming_the_package_and_the_repositories(
        nodes, tmp_path, bin_dir, ansible_env):
    before = snapshot(nodes)
    proc, counts = play(tmp_path, bin_dir, ansible_env, nodes, '{{ pixie_test_absent_release }}', '--limit', '!fcos')
    assert proc.returncode == 2
    messages = failures(proc.stdout)
    for name in MANAGED:
        node = nodes.node(name)
        assert counts[name]['failed'] == 1 and counts[name]['changed'] == 0
        assert messages[name].startswith(
            "%s: the kernel headers for kernel %s are not in this node's package repositories: %s has no installable "
            "%s (repositories asked: %s)" % (name, node.absent_release, node.manager,
                                             node.headers_package(node.absent_release), REPOSITORIES[name]))
        assert 'update the kernel and its headers together' in messages[name]
    assert snapshot(nodes) == before


def test_unreachable_repository_is_reported_as_such_not_as_a_missing_package(nodes, tmp_path, bin_dir, ansible_env):
    for name in MANAGED:
        nodes.node(name).break_repository()
    before = snapshot(nodes)
    proc, counts = play(tmp_path, bin_dir, ansible_env, nodes, '{{ pixie_test_release }}', '--limit', '!fcos')
    assert proc.returncode == 2
    messages = failures(proc.stdout)
    for name in MANAGED:
        node = nodes.node(name)
        assert counts[name]['failed'] == 1 and counts[name]['changed'] == 0
        assert messages[name].startswith('%s: could not find out whether the %s repositories carry %s for kernel %s: ' % (
            name, node.manager, node.headers_package(), node.release))
        assert '127.0.0.1:9' in messages[name]            # what could not be reached
        assert 'Nothing was installed.' in messages[name]
        assert 'not in this node\'s package repositories' not in messages[name]
    assert 'refreshing the apt package lists failed' in messages['ubuntu2204']
    assert 'zypper could not refresh the repositories' in messages['sles15']
    assert "Failed to download metadata for repo 'rhel-9-for-x86_64-baseos-rpms'" in messages['rhel9']
    assert snapshot(nodes) == before
