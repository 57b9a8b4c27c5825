# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster checks (_cluster_checks), API objects (_k8s_objects) and quantities (_quantities) over
API objects recorded from real clusters (tests/fixtures/k8s/*/SOURCE.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster_checks as cluster_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s_objects
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _quantities as quantities
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import QuantityError, VersionError
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'k8s')


def load(env, name, default=None):
    path = os.path.join(FIXTURES, env, name)
    if not os.path.exists(path):
        return default
    with open(path) as handle:
        return json.load(handle)


def evaluate_fixture(env, **options):
    groups = [g['name'] for g in load(env, 'apis.json')['groups']]
    verdict = load(env, 'access.json', {'allowed': True})
    review = {'status': {'allowed': verdict['allowed']}}
    return cluster_checks.evaluate(load(env, 'version.json'), load(env, 'nodes.json'), groups,
                                   load(env, 'storageclasses.json'), review, **options)


def nodes_of(env):
    return load(env, 'nodes.json')['items']


@pytest.mark.parametrize('git_version, minimum, status', [
    ('v1.15.0', '1.16', 'fail'),
    ('v1.15.12-gke.20', '1.16', 'fail'),
    ('v1.16.0', '1.16', 'pass'),
    ('v1.16.0-rc.1', '1.16', 'pass'),   # a 1.16 release candidate serves the 1.16 API
    ('v1.27.4-eks-2d98532', '1.16', 'pass'),
    ('v1.27.4-eks-2d98532', '1.28', 'fail'),
    ('v1.28.2+k3s1', '1.28.2', 'pass'),
])
def test_check_k8s_version(git_version, minimum, status):
    check = cluster_checks.check_k8s_version(k8s_objects.kubernetes_version(git_version), git_version, minimum)
    assert check['status'] == status
    assert check['actual'] == git_version
    assert check['expected'] == '>= %s' % minimum
    assert (check['remedy'] is not None) == (status == 'fail')


def test_server_version_falls_back_on_major_minor():
    git_version, parsed = k8s_objects.server_version({'major': '1', 'minor': '27+', 'gitVersion': 'unknown'})
    assert git_version == 'unknown'
    assert parsed['version'] == '1.27.0'
    with pytest.raises(VersionError):
        k8s_objects.server_version({'gitVersion': 'weird'})
    with pytest.raises(VersionError):
        k8s_objects.server_version(['not', 'an', 'object'])


@pytest.mark.parametrize('text, expected', [
    ('2032964Ki', 2032964 * 1024),
    ('16Gi', 16 * 2 ** 30),
    ('1500M', 1500 * 10 ** 6),
    ('129e6', 129 * 10 ** 6),
    ('123456789', 123456789),
    ('0.5Gi', 2 ** 29),
    ('1024m', 1),
])
def test_parse_quantity(text, expected):
    assert quantities.parse_quantity(text) == expected


@pytest.mark.parametrize('text', ['', 'lots', '12 Ki', '1KB', '--1'])
def test_parse_quantity_rejects(text):
    with pytest.raises(QuantityError):
        quantities.parse_quantity(text)


# --- the checks over the recorded clusters --------------------------------------------------------

# env -> expected statuses of (k8s_version, environment, node_kernels, node_architectures, node_os,
#                              fargate_nodes, permissions, storage_class), and the overall status
MATRIX = {
    'eks': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'eks_mixed': ('pass', 'pass', 'pass', 'pass', 'pass', 'warn', 'pass', 'pass', 'warn'),
    'eks_fargate': ('pass', 'fail', 'pass', 'pass', 'pass', 'fail', 'pass', 'pass', 'fail'),
    'gke': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'gke_autopilot': ('pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
    'aks': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'aks_windows': ('pass', 'pass', 'pass', 'pass', 'warn', 'pass', 'pass', 'pass', 'warn'),
    'openshift': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'warn', 'warn'),
    'kops': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'k0s': ('pass', 'pass', 'unknown', 'unknown', 'unknown', 'unknown', 'pass', 'warn', 'warn'),
    'k3s': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'k3d': ('pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
    'kind': ('pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
    'minikube_vm': ('pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'),
    'minikube_container': ('pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
    'docker_desktop': ('pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
    'self_hosted': ('pass', 'pass', 'pass', 'pass', 'warn', 'pass', 'fail', 'warn', 'fail'),
    'old_k8s_1_15': ('fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail'),
}


@pytest.mark.parametrize('env', sorted(MATRIX))
def test_checks_of_recorded_cluster(env):
    result = evaluate_fixture(env)
    statuses = tuple(result['checks'][check_id]['status'] for check_id in cluster_checks.CHECK_IDS) + (result['status'],)
    assert dict(zip(cluster_checks.CHECK_IDS + ('status',), statuses)) == dict(zip(cluster_checks.CHECK_IDS + ('status',), MATRIX[env]))
    assert sorted(result['checks']) == sorted(cluster_checks.CHECK_IDS)
    for check in result['checks'].values():
        assert sorted(check) == ['actual', 'expected', 'msg', 'remedy', 'status']
        assert check['msg']
        if check['status'] == 'fail':
            assert check['remedy']
    assert len(result['nodes']) == len(nodes_of(env))
    for node in result['nodes']:
        assert sorted(node) == sorted(['name', 'kernel_version', 'os_image', 'operating_system', 'architecture',
                                       'container_runtime', 'provider_id', 'allocatable_memory_mib', 'unsupported'])


def test_mixed_eks_names_the_fargate_nodes():
    result = evaluate_fixture('eks_mixed')
    check = result['checks']['fargate_nodes']
    fargate = ['fargate-ip-192-168-141-147.region-code.compute.internal',
               'fargate-ip-192-168-164-53.region-code.compute.internal']
    assert check['actual'] == fargate
    for name in fargate:
        assert name in check['msg']
    assert 'ip-xx-xxx-xx-xx.ec2.internal' not in check['msg']
    unsupported = dict((n['name'], n['unsupported']) for n in result['nodes'])
    assert unsupported['ip-xx-xxx-xx-xx.ec2.internal'] is None
    assert 'Fargate' in unsupported[fargate[0]]
    assert any('2 of 3 nodes are Fargate nodes' in e for e in result['environment_evidence'])


def test_windows_nodes_warn_and_are_named():
    result = evaluate_fixture('aks_windows')
    check = result['checks']['node_os']
    assert check['status'] == 'warn'
    assert 'akswm000000 (windows)' in check['msg']
    assert 'aks-default' not in check['msg']
    assert check['actual']['akswm000000'] == 'windows'
    node = [n for n in result['nodes'] if n['name'] == 'akswm000000'][0]
    assert 'Windows node' in node['unsupported']
    # the Windows kernel (10.0.17763) is not judged against Linux's 4.14
    assert 'akswm000000' not in result['checks']['node_kernels']['actual']


def test_only_windows_nodes_fail_node_os():
    windows = [n for n in nodes_of('aks_windows') if n['metadata']['name'] == 'akswm000000']
    summaries = [k8s_objects.node_summary(n) for n in windows]
    assert cluster_checks.check_node_os(summaries)['status'] == 'fail'
    assert cluster_checks.check_node_kernels(summaries, '4.14')['status'] == 'unknown'


def test_old_kernel_fails_and_names_the_node():
    nodes = nodes_of('eks')
    nodes[1]['status']['nodeInfo']['kernelVersion'] = '4.9.0-12-amd64'
    summaries = [k8s_objects.node_summary(n) for n in nodes]
    check = cluster_checks.check_node_kernels(summaries, '4.14')
    assert check['status'] == 'fail'
    assert 'ip-snip.ec2.internal (4.9.0-12-amd64)' in check['msg']
    assert 'ip-xx-xxx-xx-xx' not in check['msg']
    assert summaries[1]['unsupported'] == 'kernel 4.9.0-12-amd64 is older than 4.14'
    # the threshold is an option: with 5.10 as the minimum the Amazon Linux 2 5.4 kernel fails too
    assert cluster_checks.check_node_kernels([k8s_objects.node_summary(n) for n in nodes_of('eks')], '5.10')['status'] == 'fail'


# nodeInfo of an arm64 node (docker://24.0.7, 6.10.11-linuxkit, Ubuntu 22.04.3 LTS, v1.31.0) pasted in
# https://github.com/mondoohq/mql/pull/5018
ARM_NODE = {
    'metadata': {'name': 'arm-node', 'labels': {'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64'}},
    'spec': {},
    'status': {'nodeInfo': {'architecture': 'arm64', 'containerRuntimeVersion': 'docker://24.0.7',
                            'kernelVersion': '6.10.11-linuxkit', 'kubeletVersion': 'v1.31.0',
                            'operatingSystem': 'linux', 'osImage': 'Ubuntu 22.04.3 LTS'}},
}


def test_arm_nodes():
    amd = [k8s_objects.node_summary(n) for n in nodes_of('k3s')]
    arm = k8s_objects.node_summary(ARM_NODE)
    assert arm['unsupported'] == 'architecture arm64: Pixie supports x86_64 only'
    mixed = cluster_checks.check_node_architectures(amd + [arm], requirements.SUPPORTED_ARCHITECTURES)
    assert mixed['status'] == 'warn'
    assert 'arm-node (arm64)' in mixed['msg'] and 'k8s1' not in mixed['msg']
    assert cluster_checks.check_node_architectures([arm], ['x86_64'])['status'] == 'fail'
    # the supported list is an option, and takes either naming
    assert cluster_checks.check_node_architectures([arm], ['aarch64'])['status'] == 'pass'
    assert cluster_checks.check_node_architectures(amd, ['amd64'])['status'] == 'pass'


def test_node_summary_reads_the_recorded_node():
    summary = k8s_objects.node_summary(nodes_of('kind')[0])
    assert summary == {
        'name': 'trishanku-control-plane',
        'kernel_version': '5.10.47-linuxkit',
        'os_image': 'Ubuntu 21.04',
        'operating_system': 'linux',
        'architecture': 'amd64',
        'container_runtime': 'containerd://1.5.2',
        'provider_id': 'kind://docker/trishanku/trishanku-control-plane',
        'allocatable_memory_mib': 1985,
        'fargate': False,
        'unsupported': None,
    }


def test_node_summary_tolerates_sparse_nodes():
    summary = k8s_objects.node_summary({'metadata': {'name': 'bare'}})
    assert summary['operating_system'] is None
    assert summary['allocatable_memory_mib'] is None
    assert 'Unknown OS node' in summary['unsupported']
    bad_memory = {'metadata': {'name': 'x', 'labels': {'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64'}},
                  'status': {'allocatable': {'memory': 'plenty'}, 'nodeInfo': {'kernelVersion': 'weird'}}}
    summary = k8s_objects.node_summary(bad_memory)
    assert summary['allocatable_memory_mib'] is None
    assert summary['unsupported'] is None
    assert cluster_checks.check_node_kernels([summary], '4.14')['status'] == 'unknown'


def test_permissions():
    denied = cluster_checks.check_permissions({'status': {'allowed': False, 'reason': 'RBAC: no binding'}})
    assert denied['status'] == 'fail'
    assert 'RBAC: no binding' in denied['msg']
    assert cluster_checks.check_permissions({'status': {'allowed': True}})['status'] == 'pass'
    assert cluster_checks.check_permissions({})['status'] == 'fail'


def test_storage_class_annotations():
    beta = {'items': [{'metadata': {'name': 'old', 'annotations': {
        'storageclass.beta.kubernetes.io/is-default-class': 'true'}}}]}
    assert cluster_checks.check_storage_class(beta)['status'] == 'pass'
    not_default = {'items': [{'metadata': {'name': 'standard', 'annotations': {
        'storageclass.kubernetes.io/is-default-class': 'false'}}}, {'metadata': {'name': 'fast'}}]}
    check = cluster_checks.check_storage_class(not_default)
    assert check['status'] == 'warn'
    assert 'standard, fast' in check['msg']
    assert cluster_checks.check_storage_class({'items': []})['status'] == 'warn'
    assert cluster_checks.check_storage_class(load('gke', 'storageclasses.json'))['actual'] == ['standard-rwo']


def test_failed_requests_make_their_checks_unknown():
    result = cluster_checks.evaluate(load('gke', 'version.json'), None, [], None, None,
                                     errors={'nodes': 'Error from server (Forbidden): nodes is forbidden',
                                             'storage_classes': 'forbidden too', 'access_review': 'timeout'})
    for check_id in ('node_kernels', 'node_architectures', 'node_os', 'fargate_nodes'):
        assert result['checks'][check_id]['status'] == 'unknown'
        assert 'nodes is forbidden' in result['checks'][check_id]['msg']
    assert result['checks']['storage_class']['status'] == 'unknown'
    assert result['checks']['permissions']['status'] == 'unknown'
    assert result['checks']['k8s_version']['status'] == 'pass'
    assert result['environment'] == 'gke'
    assert result['status'] == 'warn'


def test_unreadable_version_is_unknown():
    result = cluster_checks.evaluate({'gitVersion': 'nonsense'}, load('kind', 'nodes.json'), [], None, {'status': {'allowed': True}})
    assert result['checks']['k8s_version']['status'] == 'unknown'
    assert result['version'] is None
    assert result['environment'] == 'kind'


def test_unknown_facts():
    facts = cluster_checks.unknown_facts('no kubeconfig here')
    assert facts['status'] == 'warn'
    assert facts['reachable'] is False
    assert sorted(facts['checks']) == sorted(cluster_checks.CHECK_IDS)
    assert all(c['status'] == 'unknown' and c['msg'] == 'no kubeconfig here' for c in facts['checks'].values())
