# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remediate role over real SSH on real Debian 11 and 12 nodes (tests/hosts/debian_nodes.py).

Each test gets fresh nodes (an overlay over the cached debootstrapped roots), so what one test installs
is gone in the next. The install path targets the kernel ABI of the node's current linux-image-amd64
(a kernel its repositories carry: real linux-headers packages, installed by real apt-get); the node's
running kernel is this machine's, which Debian has no headers for: the "not in the repositories" case.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support_hosts  # noqa: E402  pylint: disable=wrong-import-position

PLAY = """\
- name: Install the kernel headers Pixie needs
  hosts: {hosts}
  gather_facts: false
  roles:
    - role: pixie_ops.preflight.remediate
      remediate_kernel_release: "{release}"
      remediate_become: "{{{{ inventory_hostname != 'localhost' }}}}"
      # Never refresh this machine's own apt lists from a test (the nodes' lists are marked fresh).
      remediate_apt_cache_valid_time: "{{{{ 315360000 if inventory_hostname == 'localhost' else 3600 }}}}"
"""
TARGET_RELEASE = '{{ pixie_test_headers_release }}'


@pytest.fixture
def nodes():
    with support_hosts.start_debian_nodes() as started:
        yield started


def write_play(tmp_path, hosts='debian_nodes', release=TARGET_RELEASE):
    path = tmp_path / 'remediate.yml'
    path.write_text(PLAY.format(hosts=hosts, release=release))
    return str(path)


def play(bin_dir, ansible_env, nodes, playbook, *args):
    started = time.time()
    proc, counts = support_hosts.run_playbook(bin_dir, ansible_env, nodes.inventory, playbook, *args)
    print('ansible-playbook %s took %.1f s' % (' '.join(args) or '(real run)', time.time() - started))
    return proc, counts


def installed_headers(node):
    """The linux-headers-* packages installed on the node."""
    out = node.chroot_cmd('dpkg-query', '-W', '-f=${Package} ${Status}\n', 'linux-headers-*')
    return sorted(line.split()[0] for line in out.stdout.splitlines() if line.endswith('install ok installed'))


def host_headers_installable():
    """Whether this machine's apt could install the headers of its running kernel (then localhost stays out)."""
    try:
        out = subprocess.run(['apt-cache', 'policy', 'linux-headers-' + os.uname()[2]], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True, env=dict(os.environ, LC_ALL='C'),
                             check=False)
    except OSError:
        return True
    return 'Candidate:' in out.stdout and 'Candidate: (none)' not in out.stdout


def test_check_mode_reports_what_it_would_install_and_installs_nothing(nodes, tmp_path, bin_dir, ansible_env):
    proc, counts = play(bin_dir, ansible_env, nodes, write_play(tmp_path), '--check')
    assert proc.returncode == 0
    for node in nodes.nodes:
        package = 'linux-headers-' + node.headers_release
        assert counts[node.name]['changed'] >= 1 and counts[node.name]['failed'] == 0
        assert '%s: would install %s with apt for kernel %s' % (node.name, package, node.headers_release) in proc.stdout
        assert not node.package_installed(package)
        assert installed_headers(node) == []
        assert not os.path.lexists(os.path.join(node.root, 'usr/lib/modules', node.headers_release, 'build'))


def test_install_then_node_facts_pass_and_second_run_changes_nothing(nodes, tmp_path, bin_dir, ansible_env):
    playbook = write_play(tmp_path)
    for node in nodes.nodes:
        assert not node.package_installed('linux-headers-' + node.headers_release)

    proc, counts = play(bin_dir, ansible_env, nodes, playbook)
    assert proc.returncode == 0
    for node in nodes.nodes:
        assert counts[node.name]['changed'] >= 1 and counts[node.name]['failed'] == 0
        assert node.package_installed('linux-headers-' + node.headers_release)

    # node_facts, run on its own over SSH, now finds the headers where Pixie looks for them.
    for node in nodes.nodes:
        results = support_hosts.run_module(bin_dir, ansible_env, nodes.inventory, node.name,
                                           'pixie_ops.preflight.node_facts', 'kernel_release=' + node.headers_release)
        status, result = results[node.name]
        assert status == 'SUCCESS'
        facts = result['ansible_facts']['pixie_node']
        assert facts['distribution']['id'] == 'debian'
        assert facts['distribution']['version_id'] == node.version_id
        assert facts['checks']['kernel_headers']['status'] == 'pass'
        assert facts['kernel_headers_path'] == '/usr/src/linux-headers-' + node.headers_release

    proc, counts = play(bin_dir, ansible_env, nodes, playbook)
    assert proc.returncode == 0
    for node in nodes.nodes:
        assert counts[node.name] == {'ok': counts[node.name]['ok'], 'changed': 0, 'unreachable': 0, 'failed': 0}
        assert re.search(r'"%s: [^"]*/usr/src/linux-headers-%s; nothing to install\."' % (
            node.name, re.escape(node.headers_release)), proc.stdout)

    # Check mode after the install: nothing to report either.
    proc, counts = play(bin_dir, ansible_env, nodes, playbook, '--check')
    assert proc.returncode == 0
    assert all(counts[node.name]['changed'] == 0 for node in nodes.nodes)


def test_running_kernel_without_packages_fails_that_node_and_the_others_carry_on(
        nodes, tmp_path, bin_dir, ansible_env):
    running = os.uname()[2]
    debian11, debian12 = nodes.node('debian11'), nodes.node('debian12')
    with_localhost = not host_headers_installable()
    # debian11 (and this machine) check the running kernel; debian12 installs for the kernel its repositories carry.
    release = "{{ pixie_test_headers_release if inventory_hostname == 'debian12' else '' }}"
    args = [] if with_localhost else ['--limit', 'debian_nodes']
    proc, counts = play(bin_dir, ansible_env, nodes, write_play(tmp_path, hosts='all', release=release), *args)

    assert proc.returncode == 2
    failing = ['debian11'] + (['localhost'] if with_localhost else [])
    for host in failing:
        assert counts[host]['failed'] == 1
        text = proc.stdout
        assert ('%s: the kernel headers for kernel %s are not in this node\'s package repositories: apt has no '
                'installable linux-headers-%s' % (host, running, running)) in text
    assert 'update the kernel and its headers together' in proc.stdout
    assert 'and reboot into the new kernel' in proc.stdout
    assert 'snapshot.debian.org or archive.debian.org' in proc.stdout
    assert installed_headers(debian11) == []

    # The same play went on to install debian12's headers.
    assert counts['debian12']['failed'] == 0 and counts['debian12']['changed'] >= 1
    assert debian12.package_installed('linux-headers-' + debian12.headers_release)
    assert re.search(r'"debian12: installed linux-headers-%s; [^"]*/usr/src/linux-headers-%s"' % (
        (re.escape(debian12.headers_release),) * 2), proc.stdout)


def test_node_without_package_manager_is_left_alone(nodes, tmp_path, bin_dir, ansible_env):
    """A node whose os-release says Flatcar: node_facts reports no package manager; the role does not fail."""
    node = nodes.node('debian12')
    os_release = os.path.join(node.root, 'etc/os-release')
    os.remove(os_release)   # a symlink into usr/lib in the root; replace it on the node's overlay only
    with open(os_release, 'w') as f:
        f.write('NAME="Flatcar Container Linux by Kinvolk"\nID=flatcar\nVERSION_ID=3815.2.0\n')
    proc, counts = play(bin_dir, ansible_env, nodes, write_play(tmp_path), '--limit', 'debian12')
    assert proc.returncode == 0
    assert counts['debian12'] == {'ok': counts['debian12']['ok'], 'changed': 0, 'unreachable': 0, 'failed': 0}
    assert 'debian12 (Flatcar Container Linux by Kinvolk) has no package manager' in proc.stdout
    assert 'falls back to the kernel headers packaged in its image' in proc.stdout
    assert installed_headers(node) == []


def test_headers_still_missing_after_the_install_fail_with_what_was_installed(nodes, tmp_path, bin_dir, ansible_env):
    """dpkg on this node drops /usr/lib/modules (a path-exclude, as minimised images have): the package installs,
    the build link does not appear, and the role says so instead of reporting success."""
    node = nodes.node('debian12')
    with open(os.path.join(node.root, 'etc/dpkg/dpkg.cfg.d/pixie-test-excludes'), 'w') as f:
        f.write('path-exclude=/usr/lib/modules/*\npath-exclude=/lib/modules/*\n')
    proc, counts = play(bin_dir, ansible_env, nodes, write_play(tmp_path), '--limit', 'debian12')
    assert proc.returncode == 2
    assert counts['debian12']['failed'] == 1
    assert node.package_installed('linux-headers-' + node.headers_release)
    assert ('debian12: installed linux-headers-{0} with apt, but the headers of kernel {0} are still missing: '
            'no headers for kernel {0}').format(node.headers_release) in proc.stdout


def test_harness_unmounts_and_removes_everything_even_when_start_fails():
    why = support_hosts.harness.missing_requirements()
    if why:
        pytest.skip(why)

    class Failing(support_hosts.harness.Nodes):
        def _start_node(self, suite, lower, pubkey):
            node = super(Failing, self)._start_node(suite, lower, pubkey)
            raise support_hosts.harness.HarnessError('failing on purpose after starting %s' % node.name)

    nodes = Failing(['bookworm'])
    with pytest.raises(support_hosts.harness.HarnessError, match='failing on purpose'):
        nodes.start()
    assert nodes.rundir and not os.path.exists(nodes.rundir)
    assert support_hosts.harness.mounts_under(nodes.rundir) == []

    with support_hosts.start_debian_nodes(['bookworm']) as started:
        node = started.nodes[0]
        rundir, root = started.rundir, node.root
        assert support_hosts.harness.mounts_under(root)   # overlay, proc, sys, dev, dev/pts
        assert node.processes()                           # sshd
    assert not os.path.exists(rundir)
    assert support_hosts.harness.mounts_under(rundir) == []
    assert node.processes() == []
    assert os.path.isdir(os.path.join(support_hosts.harness.root_path('bookworm'), 'etc'))   # the cache stays


def test_facts_the_play_already_gathered_are_reused(nodes, tmp_path, bin_dir, ansible_env):
    path = tmp_path / 'reuse.yml'
    path.write_text("""\
- name: Gather, then remediate
  hosts: debian_nodes
  gather_facts: false
  pre_tasks:
    - name: Gather the node facts in the play
      pixie_ops.preflight.node_facts:
        kernel_release: "{{ pixie_test_headers_release }}"
  roles:
    - role: pixie_ops.preflight.remediate
      remediate_kernel_release: "{{ pixie_test_headers_release }}"
""")
    proc, counts = play(bin_dir, ansible_env, nodes, str(path), '--check')
    assert proc.returncode == 0
    block = proc.stdout.split('TASK [pixie_ops.preflight.remediate : Gather the node facts Pixie needs]')[1]
    block = block.split('TASK [')[0]
    for node in nodes.nodes:
        assert 'skipping: [%s]' % node.name in block
        assert '%s: would install linux-headers-%s' % (node.name, node.headers_release) in proc.stdout


FAKE_FACTS_MODULE = '''#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(facts=dict(type='dict', required=True)), supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts={'pixie_node': module.params['facts']})


main()
'''


def test_unpinned_headers_package_is_refused(nodes, tmp_path, bin_dir, ansible_env):
    """Facts as node_facts reports them on Arch Linux (the play gathered them; the role reuses them): the package
    'linux-headers' is whatever the repository has now, so the role refuses it instead of installing "latest"."""
    (tmp_path / 'library').mkdir()
    (tmp_path / 'library' / 'fake_pixie_node.py').write_text(FAKE_FACTS_MODULE)
    release = '6.7.4-arch1-1'
    arch_facts = {
        'host_root': '/', 'kernel_release': release, 'kernel_release_source': '/proc/sys/kernel/osrelease',
        'distribution': {'id': 'arch', 'name': 'Arch Linux'}, 'package_manager': 'pacman',
        'headers_packages': ['linux-headers'],
        'checks': {'kernel_headers': {'status': 'fail', 'msg': 'no headers for kernel %s' % release}},
    }
    path = tmp_path / 'arch.yml'
    path.write_text("""\
- name: Facts of an Arch node, then remediate
  hosts: debian12
  gather_facts: false
  pre_tasks:
    - name: Report the facts of an Arch node
      fake_pixie_node:
        facts: %s
  roles:
    - role: pixie_ops.preflight.remediate
""" % json.dumps(arch_facts))
    proc, counts = play(bin_dir, ansible_env, nodes, str(path))
    assert proc.returncode == 2
    assert counts['debian12']['failed'] == 1 and counts['debian12']['changed'] == 0
    assert ('debian12: linux-headers (pacman) does not name kernel %s: installing it would install whatever '
            'headers the repositories carry now' % release) in proc.stdout
    assert 'TASK [pixie_ops.preflight.remediate : Install the headers packages' not in proc.stdout
