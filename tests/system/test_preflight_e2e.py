# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/preflight.yml end to end: real ansible-playbook over real SSH to Debian 11 and 12 nodes
(debootstrapped roots, tests/hosts), this machine, and a host with no sshd behind it; the cluster is
a replay of recorded AKS API responses driven by the real kubectl; the cloud address is an HTTP/2
server on loopback with a throwaway CA. The console table, the three report files and the exit code
are checked, for a failing run and for one where failing checks are skipped or fixed by remediation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

import support_hosts
import support_k8s
import support_report
import support_tls

AKS_NODES = ['aks-default-xxxxxxxx-vmss000000', 'aks-ll-xxxxxxxx-vmss000000', 'aks-lm-xxxxxxxx-vmss000000',
             'aks-mon-xxxxxxxx-vmss000000']
NODE_CA = '/etc/pixie-test/cloud-ca.pem'


class World:
    """Everything one run needs: nodes, cluster, cloud address, inventory."""

    def __init__(self, nodes, kubeconfig, cloud, workdir):
        self.nodes = nodes
        self.kubeconfig = kubeconfig
        # By address: the debootstrapped roots have no /etc/hosts entry for localhost; the test
        # certificate names 127.0.0.1 too, so verification still holds.
        dummy, self.cloud_port, self.ca_path = cloud
        self.cloud_host = '127.0.0.1'
        self.workdir = workdir

    def inventory(self, name, remediate=False, dead=True):
        data = self.nodes.inventory_data()
        nodes = data['all']['children']['debian_nodes']['hosts']
        for index, (host, hostvars) in enumerate(sorted(nodes.items())):
            hostvars['pixie_preflight_egress_ca_path'] = NODE_CA
            hostvars['pixie_preflight_node_name'] = AKS_NODES[index]
            if remediate:
                hostvars['pixie_preflight_remediate'] = True
                hostvars['pixie_preflight_kernel_release'] = hostvars['pixie_test_headers_release']
        data['all']['children']['local']['hosts']['localhost']['pixie_preflight_egress_ca_path'] = self.ca_path
        if dead:
            some = nodes[sorted(nodes)[0]]
            data['all']['children']['gone'] = {'hosts': {'deadnode': dict(
                some, ansible_port=support_tls.free_port(), pixie_preflight_node_name='deadnode')}}
        data['all']['vars'] = {
            'pixie_preflight_cloud_host': self.cloud_host,
            'pixie_preflight_cloud_port': self.cloud_port,
            'pixie_preflight_kubeconfig': self.kubeconfig,
            'pixie_preflight_egress_timeout': 5,
        }
        path = os.path.join(self.workdir, name + '.yml')
        with open(path, 'w') as handle:
            json.dump(data, handle, indent=1)
        return path


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    if support_k8s.find_kubectl() is None:
        pytest.skip('no kubectl: install kubernetes-client or set PIXIE_KUBECTL')
    workdir = str(tmp_path_factory.mktemp('e2e'))
    with support_hosts.start_debian_nodes() as nodes, \
            support_k8s.replay_cluster(support_k8s.fixture_dir('aks'), workdir=workdir) as (dummy, kubeconfig), \
            support_tls.cloud_server(workdir) as cloud:
        for node in nodes.nodes:            # the nodes verify the cloud's certificate with the test CA
            target = os.path.join(node.root, NODE_CA.lstrip('/'))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy(cloud[2], target)
            os.chmod(target, 0o644)
        yield World(nodes, kubeconfig, cloud, workdir)


def run(bin_dir, ansible_env, collection_root, inventory, *args):
    playbook = os.path.join(collection_root, 'playbooks', 'preflight.yml')
    return support_hosts.run_playbook(bin_dir, ansible_env, inventory, playbook, *args)


@pytest.fixture(scope='module')
def failing_run(world, bin_dir, ansible_env, collection_root):
    report_dir = os.path.join(world.workdir, 'report-fail')
    proc, recap = run(bin_dir, ansible_env, collection_root, world.inventory('failing'),
                      '-e', 'pixie_preflight_report_dir=%s' % report_dir)
    return proc, recap, report_dir


def test_failing_run_exit_code_and_table(failing_run):
    proc, recap, dummy = failing_run
    assert proc.returncode == 2, proc.stdout[-3000:]
    rows = support_report.table_rows(proc.stdout)
    assert set(rows) == {'debian11', 'debian12', 'localhost', 'deadnode', 'cluster'}, rows
    assert 'FAIL' in rows['deadnode'] and 'UNREACHABLE/ERROR' in rows['deadnode']
    for host in ('debian11', 'debian12'):                 # the dead host stopped nobody
        assert recap[host]['unreachable'] == 0 and 'UNREACHABLE' not in rows[host]
    # The verdict fails the play once, for every host: none goes on to the play's next task.
    assert sum(counts['failed'] for counts in recap.values()) == 1
    assert '[FAIL] reachable on 1 host(s): deadnode' in proc.stdout
    assert 'inventory_coverage' in proc.stdout
    assert 'Pixie preflight FAIL' in proc.stdout


def test_failing_run_json_matches_the_modules(failing_run, world, bin_dir, ansible_env):
    dummy, dummy, report_dir = failing_run
    with open(os.path.join(report_dir, 'preflight-report.json')) as handle:
        report = json.load(handle)
    hosts = report['hosts']
    with open('/proc/sys/kernel/osrelease') as handle:
        release = handle.read().strip()
    for host, version in (('debian11', '11'), ('debian12', '12')):
        node = hosts[host]['node']
        assert node['distribution']['id'] == 'debian' and node['distribution']['version_id'] == version
        assert node['kernel_release'] == release          # a chroot runs this machine's kernel
        assert node['egress']['stage'] == 'ok' and node['egress']['alpn_protocol'] == 'h2'
        assert node['checks']['egress']['status'] == 'pass'
    assert hosts['localhost']['node']['checks']['container']['status'] == ('fail' if os.path.exists('/.dockerenv')
                                                                           else 'pass')
    assert 'unreachable' in hosts['deadnode']['error'] and hosts['deadnode']['checks'] is None
    assert report['cluster']['environment'] == 'aks'
    coverage = report['cluster']['checks']['inventory_coverage']
    assert coverage['status'] == 'warn' and sorted(coverage['actual']) == AKS_NODES[2:]
    assert report['summary']['status'] == 'fail'

    # The same module, run on its own against the same node, returns what the report holds.
    inventory = world.inventory('adhoc', dead=False)
    done = subprocess.run([os.path.join(bin_dir, 'ansible'), 'debian12', '-i', inventory, '-m',
                           'pixie_ops.preflight.node_facts'], env=dict(ansible_env, ANSIBLE_STDOUT_CALLBACK='ansible.builtin.minimal'),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    direct = json.loads(done.stdout.split(' => ', 1)[1])['ansible_facts']['pixie_node']
    reported = hosts['debian12']['node']
    for key in ('kernel_release', 'kernel_version', 'architecture', 'distribution', 'kernel_config_path',
                'kernel_headers_path', 'package_manager', 'headers_packages', 'container', 'lockdown'):
        assert direct[key] == reported[key], key
    for check_id, check in direct['checks'].items():
        assert check['status'] == reported['checks'][check_id]['status'], check_id


def test_failing_run_junit_and_markdown(failing_run):
    dummy, dummy, report_dir = failing_run
    with open(os.path.join(report_dir, 'preflight-report.json')) as handle:
        report = json.load(handle)
    failing = sum(1 for row in report['summary']['rows'] for check_id, check in row['checks'].items()
                  if check['status'] == 'fail' and check_id != 'reachable')
    totals = support_report.junit_counts(os.path.join(report_dir, 'preflight-report.xml'))
    assert failing > 0
    assert totals['failures'] == failing
    assert totals['errors'] == 1                      # the unreachable host
    with open(os.path.join(report_dir, 'preflight-report.md')) as handle:
        markdown = handle.read()
    assert '| debian12 |' in markdown and '| deadnode | fail |' in markdown and 'Overall: **FAIL**' in markdown


def test_passing_run_with_skips_and_remediation(world, bin_dir, ansible_env, collection_root):
    report_dir = os.path.join(world.workdir, 'report-pass')
    inventory = world.inventory('passing', remediate=True, dead=False)
    proc, recap = run(bin_dir, ansible_env, collection_root, inventory,
                      '-e', 'pixie_preflight_report_dir=%s' % report_dir,
                      '-e', 'pixie_preflight_skip_checks=container,kernel_config')
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert 'Pixie preflight WARN' in proc.stdout or 'Pixie preflight PASS' in proc.stdout
    with open(os.path.join(report_dir, 'preflight-report.json')) as handle:
        report = json.load(handle)
    for host in ('debian11', 'debian12'):
        node = world.nodes.node(host)
        record = report['hosts'][host]
        assert record['node_before_remediation']['checks']['kernel_headers']['status'] != 'pass'
        assert record['checks']['kernel_headers']['status'] == 'pass'
        assert record['node']['kernel_headers_path'] == '/usr/src/linux-headers-%s' % node.headers_release
        assert node.package_installed('linux-headers-%s' % node.headers_release)
    assert report['summary']['rows'][-1]['name'] == 'cluster'
    localhost = [row for row in report['summary']['rows'] if row['name'] == 'localhost'][0]
    assert localhost['checks']['container']['status'] == 'skipped'
    assert localhost['checks']['kernel_config']['status'] == 'skipped'
    assert report['summary']['failed'] is False
    totals = support_report.junit_counts(os.path.join(report_dir, 'preflight-report.xml'))
    assert totals['failures'] == 0 and totals['errors'] == 0 and totals['skipped'] >= 6

    # Warnings are fatal on request: the same run then fails.
    proc, dummy = run(bin_dir, ansible_env, collection_root, world.inventory('passing-nofix', dead=False),
                      '-e', 'pixie_preflight_skip_checks=container,kernel_config',
                      '-e', 'pixie_preflight_warnings_fatal=true')
    assert proc.returncode == 2
    assert '(warnings are fatal)' in proc.stdout
