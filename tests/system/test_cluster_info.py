# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cluster_info end to end: ansible-playbook -> the module -> the real kubectl -> a loopback API server
replaying objects recorded from real clusters of every environment (tests/fixtures/k8s/*/SOURCE.md).

One playbook run asks every cluster (one loop item each), plus the failure cases: a token the server
rejects (401), a port nothing listens on, no kubeconfig at all, no kubectl.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import re
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import support_k8s  # noqa: E402  (the helper next to this file)

CHECK_IDS = ('k8s_version', 'environment', 'node_kernels', 'node_architectures', 'node_os', 'fargate_nodes',
             'permissions', 'storage_class')

# fixture dir -> (environment, overall status, the checks that are not 'pass')
EXPECTED = {
    'eks': ('eks', 'pass', {}),
    'eks_mixed': ('eks', 'warn', {'fargate_nodes': 'warn'}),
    'eks_fargate': ('eks_fargate', 'fail', {'environment': 'fail', 'fargate_nodes': 'fail'}),
    'gke': ('gke', 'pass', {}),
    'gke_autopilot': ('gke_autopilot', 'fail', {'environment': 'fail'}),
    'aks': ('aks', 'pass', {}),
    'aks_windows': ('aks', 'warn', {'node_os': 'warn'}),
    'openshift': ('openshift', 'warn', {'storage_class': 'warn'}),
    'kops': ('kops', 'pass', {}),
    'k0s': ('k0s', 'warn', {'node_kernels': 'unknown', 'node_architectures': 'unknown', 'node_os': 'unknown',
                            'fargate_nodes': 'unknown', 'storage_class': 'warn'}),
    'k3s': ('k3s', 'pass', {}),
    'k3d': ('k3d', 'fail', {'environment': 'fail'}),
    'kind': ('kind', 'fail', {'environment': 'fail'}),
    'minikube_vm': ('minikube_vm', 'pass', {}),
    'minikube_container': ('minikube_container', 'fail', {'environment': 'fail'}),
    'docker_desktop': ('docker_desktop', 'fail', {'environment': 'fail'}),
    'self_hosted': ('self_hosted', 'fail', {'node_os': 'warn', 'permissions': 'fail', 'storage_class': 'warn'}),
    'old_k8s_1_15': ('minikube_vm', 'fail', {'k8s_version': 'fail'}),
}

# The environment the old module name (cluster_facts) is asked about.
OLD_NAME_ENV = 'k3s'

PLAYBOOK = '''
- name: Ask every replayed cluster
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Ask the cluster
      pixie_ops.preflight.cluster_info:
        kubeconfig: "{{ item.kubeconfig | default(omit) }}"
        kubectl: "{{ item.kubectl | default(kubectl_path) }}"
        timeout: 5
        admission: false   # the dry runs are tested in test_admission.py
      loop: "{{ cases }}"
      loop_control:
        label: "{{ item.name }}"
      register: asked

    - name: Ask a cluster of its own by the old name, which still works
      pixie_ops.preflight.cluster_facts:
        kubeconfig: "{{ old_name_kubeconfig }}"
        kubectl: "{{ kubectl_path }}"
        timeout: 5
        admission: false   # as above: the same options, the same checks
      register: asked_as_facts

    - name: Save the results
      ansible.builtin.copy:
        content: "{{ asked.results | to_json }}"
        dest: "{{ out }}"
        mode: '0600'

    - name: Save the result of the old name
      ansible.builtin.copy:
        content: "{{ asked_as_facts | to_json }}"
        dest: "{{ out }}.facts"
        mode: '0600'
'''


class Run(object):
    pass


@pytest.fixture(scope='module')
def run(tmp_path_factory, ansible_env, bin_dir):
    kubectl = support_k8s.require_kubectl()
    work = tmp_path_factory.mktemp('cluster_info')
    home = work / 'home'
    home.mkdir()
    result = Run()
    result.servers = {}
    with contextlib.ExitStack() as stack:
        cases = []
        for env in sorted(EXPECTED):
            served = support_k8s.replay_cluster(support_k8s.fixture_dir(env), workdir=str(work))
            url, kubeconfig = stack.enter_context(served)
            result.servers[env] = support_k8s.replay_cluster.last_server
            cases.append({'name': env, 'kubeconfig': kubeconfig})
        served = support_k8s.replay_cluster(support_k8s.fixture_dir('eks'), bad_token=True, workdir=str(work))
        url, kubeconfig = stack.enter_context(served)
        result.bad_token = support_k8s.replay_cluster.last_token
        result.unauthorized_url = url
        result.servers['unauthorized'] = support_k8s.replay_cluster.last_server
        cases.append({'name': 'unauthorized', 'kubeconfig': kubeconfig})
        # The old module name asks a server of its own (each server counts what it was asked).
        url, old_name_kubeconfig = stack.enter_context(
            support_k8s.replay_cluster(support_k8s.fixture_dir(OLD_NAME_ENV), workdir=str(work)))
        result.unreachable_url, kubeconfig = stack.enter_context(support_k8s.unreachable_cluster(workdir=str(work)))
        cases.append({'name': 'unreachable', 'kubeconfig': kubeconfig})
        cases.append({'name': 'no_kubeconfig'})
        cases.append({'name': 'no_kubectl', 'kubectl': str(work / 'no-such-kubectl'),
                      'kubeconfig': cases[0]['kubeconfig']})

        out = work / 'results.json'
        (work / 'playbook.yml').write_text(PLAYBOOK)
        extra_vars = {'cases': cases, 'kubectl_path': kubectl, 'out': str(out), 'old_name_kubeconfig': old_name_kubeconfig,
                      'ansible_python_interpreter': sys.executable}
        (work / 'vars.json').write_text(json.dumps(extra_vars))
        env = dict(ansible_env)
        env['HOME'] = str(home)          # no ~/.kube/config: the no_kubeconfig case really has none
        for name in ('KUBECONFIG', 'KUBERNETES_SERVICE_HOST'):
            env.pop(name, None)
        proc = subprocess.run(
            [os.path.join(bin_dir, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
             '-e', '@' + str(work / 'vars.json'), str(work / 'playbook.yml')],
            cwd=str(work), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
            timeout=600, check=False)
    result.output = proc.stdout
    assert proc.returncode == 0, proc.stdout
    with open(str(out)) as handle:
        result.results = dict((item['item']['name'], item) for item in json.load(handle))
    with open(str(out) + '.facts') as handle:
        result.as_facts = json.load(handle)
    result.kubectl = kubectl
    return result


def facts(run, name):
    item = run.results[name]
    assert not item.get('failed'), item
    assert item['changed'] is False
    assert 'ansible_facts' not in item
    return item['cluster']


@pytest.mark.parametrize('env', sorted(EXPECTED))
def test_recorded_cluster(run, env):
    environment, status, not_passing = EXPECTED[env]
    pixie = facts(run, env)
    assert pixie['environment'] == environment, pixie['environment_evidence']
    assert pixie['reachable'] is True
    assert pixie['server'].startswith('https://127.0.0.1:')
    statuses = dict((check_id, pixie['checks'][check_id]['status']) for check_id in CHECK_IDS)
    expected = dict((check_id, not_passing.get(check_id, 'pass')) for check_id in CHECK_IDS)
    assert statuses == expected
    assert pixie['status'] == status
    with open(os.path.join(support_k8s.fixture_dir(env), 'version.json')) as handle:
        assert pixie['server_version'] == json.load(handle)['gitVersion']
    with open(os.path.join(support_k8s.fixture_dir(env), 'nodes.json')) as handle:
        assert [n['name'] for n in pixie['nodes']] == [n['metadata']['name'] for n in json.load(handle)['items']]


@pytest.mark.parametrize('env', sorted(EXPECTED))
def test_the_module_only_reads(run, env):
    """kubectl asked each server exactly what the module needs, and wrote nothing but an access review."""
    requests = run.servers[env].requests
    wanted = [('GET', '/version'), ('GET', '/api/v1/nodes'), ('GET', '/apis'),
              ('GET', '/apis/storage.k8s.io/v1/storageclasses'),
              ('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')]
    for request in wanted:
        assert request in requests
    assert set(requests) <= set(wanted), requests
    assert requests.count(('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')) == 1


def test_mixed_eks_warns_about_its_fargate_nodes(run):
    check = facts(run, 'eks_mixed')['checks']['fargate_nodes']
    assert check['actual'] == ['fargate-ip-192-168-141-147.region-code.compute.internal',
                               'fargate-ip-192-168-164-53.region-code.compute.internal']
    assert 'fargate-ip-192-168-164-53.region-code.compute.internal' in check['msg']


def test_linux_plus_windows_warns_and_names_the_windows_nodes(run):
    for env, windows in (('aks_windows', 'akswm000000'), ('self_hosted', 'winw1')):
        pixie = facts(run, env)
        assert '%s (windows)' % windows in pixie['checks']['node_os']['msg']
        node = [n for n in pixie['nodes'] if n['name'] == windows][0]
        assert node['operating_system'] == 'windows'
        assert 'Windows node' in node['unsupported']


def test_a_1_15_server_fails_k8s_version(run):
    check = facts(run, 'old_k8s_1_15')['checks']['k8s_version']
    assert check['status'] == 'fail'
    assert check['actual'] == 'v1.15.0'
    assert check['expected'] == '>= 1.16'
    assert facts(run, 'old_k8s_1_15')['version'] == '1.15.0'


def test_denied_namespace_creation_fails_permissions(run):
    check = facts(run, 'self_hosted')['checks']['permissions']
    assert check['actual'] == 'denied'
    assert 'may not create namespaces' in check['msg']


def test_node_facts_from_the_api(run):
    node = facts(run, 'kind')['nodes'][0]
    assert node == {
        'name': 'trishanku-control-plane', 'kernel_version': '5.10.47-linuxkit', 'os_image': 'Ubuntu 21.04',
        'operating_system': 'linux', 'architecture': 'amd64', 'container_runtime': 'containerd://1.5.2',
        'provider_id': 'kind://docker/trishanku/trishanku-control-plane', 'allocatable_memory_mib': 1985,
        'unsupported': None}


def _all_unknown(pixie):
    assert pixie['reachable'] is False
    assert pixie['status'] == 'warn'
    assert sorted(pixie['checks']) == sorted(CHECK_IDS)
    assert all(c['status'] == 'unknown' for c in pixie['checks'].values())
    messages = set(c['msg'] for c in pixie['checks'].values())
    assert len(messages) == 1
    return messages.pop()


def test_rejected_token_gives_the_server_message_and_no_secret(run):
    pixie = facts(run, 'unauthorized')
    msg = _all_unknown(pixie)
    assert 'rejected the credentials' in msg
    assert 'Unauthorized' in msg
    assert run.unauthorized_url in msg
    assert run.bad_token not in json.dumps(run.results['unauthorized'])
    assert run.bad_token not in run.output
    assert ('GET', '/version') in run.servers['unauthorized'].requests


def test_unreachable_server(run):
    msg = _all_unknown(facts(run, 'unreachable'))
    assert 'did not answer' in msg
    assert run.unreachable_url in msg
    assert 'refused' in msg   # kubectl words it 'connection refused' or 'was refused' by version


def test_no_kubeconfig(run):
    msg = _all_unknown(facts(run, 'no_kubeconfig'))
    assert msg.startswith('no kubeconfig: the kubeconfig option is not set, KUBECONFIG is not set and ')
    assert msg.endswith('/.kube/config does not exist, so there is no cluster to ask')


def test_no_kubectl(run):
    msg = _all_unknown(facts(run, 'no_kubectl'))
    assert 'no-such-kubectl does not exist or is not executable' in msg


def test_the_real_kubectl_was_used(run):
    proc = subprocess.run([run.kubectl, 'version', '--client', '-o', 'json'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['clientVersion']['gitVersion'].startswith('v1.')


def test_old_name_cluster_facts_sets_the_same_fact(run):
    old = run.as_facts['ansible_facts']['pixie_cluster']
    new = facts(run, OLD_NAME_ENV)
    assert old['checks'] == new['checks'] and old['environment'] == new['environment']
    assert old['nodes'] == new['nodes'] and old['server_version'] == new['server_version']
    # The deprecation warning names the module to use instead.
    assert re.search(r'DEPRECATION WARNING.*cluster_facts.*(\n.*)*cluster_info', run.output), run.output
