# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod mode as data: which nodes get a pod, the pod and namespace manifests (against the real
Kubernetes OpenAPI schema), the rights, and what a pod's status says."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import kubernetes_validate
import kubernetes_validate.utils
import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods as pods
from ansible_collections.pixie_ops.preflight.plugins.module_utils._node_pods_status import pod_state

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'k8s')


def _nodes(case):
    with open(os.path.join(FIXTURES, case, 'nodes.json')) as handle:
        return json.load(handle)


def _node(name, ready='True', os_label='linux', extra_labels=None, reason=None, message=None):
    labels = {'kubernetes.io/os': os_label} if os_label else {}
    labels.update(extra_labels or {})
    condition = {'type': 'Ready', 'status': ready}
    condition.update(dict((k, v) for k, v in (('reason', reason), ('message', message)) if v))
    return {'metadata': {'name': name, 'labels': labels}, 'status': {'conditions': [condition] if ready else []}}


# --- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('node, expected', [
    ('node-a', 'pixie-preflight-node-a'),
    ('ip-10-0-1-23.eu-west-1.compute.internal', None),
    ('Worker_1', None),
    ('a' * 60, None),
])
def test_pod_name_is_a_dns_label(node, expected):
    name = pods.pod_name(node)
    if expected:
        assert name == expected
    assert len(name) <= 63
    assert name.startswith(pods.POD_PREFIX)
    assert all(char.isdigit() or char == '-' or 'a' <= char <= 'z' for char in name)
    assert not name.endswith('-')


def test_long_or_odd_names_stay_distinct():
    names = ['%s-%d' % ('a' * 70, index) for index in range(3)] + ['node.a', 'node-a', 'Node-A']
    assert len(set(pods.pod_name(name) for name in names)) == len(names)


# --- which nodes get a pod ------------------------------------------------------------------------

def test_plan_recorded_aks_cluster_with_a_windows_node():
    planned = pods.plan(_nodes('aks_windows'))
    assert [node['name'] for node in planned] == sorted(node['name'] for node in planned)
    windows = [node for node in planned if node['name'] == 'akswm000000']
    assert windows[0]['pod'] is None and windows[0]['skip'].startswith('windows node')
    linux = [node for node in planned if node['name'] != 'akswm000000']
    assert len(linux) == 4 and all(node['pod'] and not node['skip'] and not node['not_ready'] for node in linux)


def test_plan_recorded_eks_cluster_with_fargate_nodes():
    planned = pods.plan(_nodes('eks_mixed'))
    fargate = [node for node in planned if node['name'].startswith('fargate-')]
    assert len(fargate) == 2 and all('Fargate' in node['skip'] and node['pod'] is None for node in fargate)
    assert [node['skip'] for node in planned if not node['name'].startswith('fargate-')] == [None]


def test_plan_not_ready_and_odd_nodes():
    node_list = {'items': [
        _node('b-down', ready='Unknown', reason='NodeStatusUnknown', message='Kubelet stopped posting node status.'),
        _node('a-up'),
        _node('c-vk', extra_labels={'type': 'virtual-kubelet'}),
        _node('d-beta', os_label=None, extra_labels={'beta.kubernetes.io/os': 'windows'}),
        {'metadata': {'labels': {}}}, 'junk', None,
    ]}
    planned = dict((node['name'], node) for node in pods.plan(node_list))
    assert sorted(planned) == ['a-up', 'b-down', 'c-vk', 'd-beta']
    assert planned['a-up']['not_ready'] is None and planned['a-up']['pod'] == 'pixie-preflight-a-up'
    assert planned['b-down']['not_ready'] == ('the node is not Ready (Ready=Unknown: NodeStatusUnknown: '
                                              'Kubelet stopped posting node status.)')
    assert 'virtual-kubelet' in planned['c-vk']['skip']
    assert planned['d-beta']['skip'].startswith('windows node')


def test_plan_of_garbage_is_empty():
    for answer in (None, [], 'text', {'items': 'x'}, {'items': [1, 2]}):
        assert pods.plan(answer) == []


# --- manifests ---------------------------------------------------------------------------------------

def test_pod_manifest_has_what_pod_mode_needs():
    pod = pods.pod_manifest('node-a', 'pixie-preflight', lifetime=900)
    spec = pod['spec']
    assert pod['metadata']['name'] == 'pixie-preflight-node-a'
    assert pod['metadata']['labels'][pods.MANAGED_BY] == 'pixie-preflight'
    assert pod['metadata']['annotations'][pods.NODE_ANNOTATION] == 'node-a'
    assert spec['nodeName'] == 'node-a' and spec['hostPID'] is True and 'hostNetwork' not in spec
    assert spec['tolerations'] == [{'operator': 'Exists'}]
    assert spec['restartPolicy'] == 'Never' and spec['activeDeadlineSeconds'] == 900
    assert spec['automountServiceAccountToken'] is False
    container = spec['containers'][0]
    assert container['name'] == pods.CONTAINER and container['image'] == pods.IMAGE
    assert container['volumeMounts'] == [{'name': 'host-root', 'mountPath': '/host', 'readOnly': True}]
    assert spec['volumes'] == [{'name': 'host-root', 'hostPath': {'path': '/', 'type': 'Directory'}}]
    assert container['securityContext'] == {'allowPrivilegeEscalation': False}
    assert 'sleep 900' in container['command'][-1]
    assert container['resources']['requests'] == {'cpu': '10m', 'memory': '32Mi'}
    assert 'imagePullSecrets' not in spec


def test_pod_manifest_options():
    pod = pods.pod_manifest('node-a', 'ns', image='registry.internal/python:3', pull_secrets=['regcred'],
                            host_network_probe=True)
    assert pod['spec']['imagePullSecrets'] == [{'name': 'regcred'}]
    assert pod['spec']['containers'][0]['securityContext'] == {'privileged': True}
    assert pod['spec']['containers'][0]['image'] == 'registry.internal/python:3'


def test_namespace_manifest_is_labelled_and_privileged():
    labels = pods.namespace_manifest('pixie-preflight')['metadata']['labels']
    assert labels[pods.MANAGED_BY] == pods.MANAGER
    assert labels['pod-security.kubernetes.io/enforce'] == 'privileged'


# The oldest Kubernetes the collection supports (requirements.MIN_K8S_VERSION is 1.16) is older than any
# schema kubernetes-validate bundles; its oldest bundled schema stands in for it (see test below).
def _numeric(version):
    return tuple(int(part) for part in str(version).split('.'))


BUNDLED = sorted(set(kubernetes_validate.utils.all_versions()), key=_numeric)
SCHEMA_VERSIONS = [BUNDLED[0], BUNDLED[-1]]


def test_schema_versions_are_the_oldest_and_newest_bundled():
    assert _numeric(BUNDLED[-1])[:2] == _numeric(kubernetes_validate.latest_version())[:2]
    assert _numeric(BUNDLED[0]) <= (1, 25, 0)


@pytest.mark.parametrize('version', SCHEMA_VERSIONS)
@pytest.mark.parametrize('manifest', [
    pods.pod_manifest('node-a', 'pixie-preflight'),
    pods.pod_manifest('ip-10-0-1-23.eu-west-1.compute.internal', 'ns', image='r.internal/py:3',
                      lifetime=60, pull_secrets=['a', 'b'], host_network_probe=True),
    pods.namespace_manifest('pixie-preflight'),
    pods.access_review(pods.RIGHTS[-1], 'pixie-preflight'),
    pods.access_review(pods.RIGHTS[0], 'pixie-preflight'),
], ids=['pod', 'pod_all_options', 'namespace', 'access_review_exec', 'access_review_nodes'])
def test_manifests_match_the_kubernetes_openapi_schema(manifest, version):
    kubernetes_validate.validate(manifest, version, strict=True)


@pytest.mark.parametrize('spoil', [
    lambda pod: pod['spec'].update(hostPid=True),
    lambda pod: pod['spec'].update(activeDeadlineSeconds='3600'),
    lambda pod: pod['spec']['containers'][0]['volumeMounts'][0].update(readonly=True),
    lambda pod: pod['spec']['tolerations'][0].update(operator=None, effects='NoSchedule'),
])
def test_the_schema_check_catches_a_typo(spoil):
    pod = copy.deepcopy(pods.pod_manifest('node-a', 'pixie-preflight'))
    spoil(pod)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, kubernetes_validate.latest_version(), strict=True)


# --- rights ---------------------------------------------------------------------------------------------

def test_rights_with_and_without_the_namespace():
    every = [pods.right_text(right, 'ns') for right in pods.rights(True)]
    assert every == ['list nodes', 'create namespaces', 'get namespaces', 'list namespaces', 'delete namespaces',
                     'create pods in namespace ns', 'get pods in namespace ns', 'list pods in namespace ns',
                     'delete pods in namespace ns', 'create pods/exec in namespace ns', 'get pods/exec in namespace ns']
    assert [pods.right_text(right, 'ns') for right in pods.rights(False)] == [
        text for text in every if 'namespaces' not in text]


def test_access_review_body():
    body = pods.access_review(('create', 'pods', 'exec', True), 'ns')
    assert body['spec']['resourceAttributes'] == {'verb': 'create', 'resource': 'pods', 'subresource': 'exec',
                                                  'group': '', 'namespace': 'ns'}
    assert pods.access_review(('list', 'nodes', '', False), 'ns')['spec']['resourceAttributes'] == {
        'verb': 'list', 'resource': 'nodes', 'group': ''}


@pytest.mark.parametrize('answer, expected', [
    ({'status': {'allowed': True}}, (True, None)),
    ({'status': {'allowed': False, 'reason': 'no RBAC policy matched'}}, (False, 'no RBAC policy matched')),
    ({'status': {'allowed': 'true'}}, (False, None)),
    ({'status': {'allowed': False, 'evaluationError': 'webhook down'}}, (False, 'webhook down')),
    (None, (False, None)),
    ([], (False, None)),
])
def test_allowed(answer, expected):
    assert pods.allowed(answer) == expected


# --- what a pod's status says ---------------------------------------------------------------------------

def _pod(phase, state=None, ready=False, reason=None, message=None, conditions=None, deleting=False):
    status = {'phase': phase}
    if state is not None:
        status['containerStatuses'] = [{'name': 'preflight', 'ready': ready, 'state': state}]
    status.update(dict((k, v) for k, v in (('reason', reason), ('message', message), ('conditions', conditions))
                       if v))
    metadata = {'name': 'p', 'deletionTimestamp': '2026-11-28T22:00:00Z'} if deleting else {'name': 'p'}
    return {'metadata': metadata, 'status': status}


def _waiting(reason, message=None):
    return {'waiting': dict([('reason', reason)] + ([('message', message)] if message else []))}


STATES = [
    # (id, pod, running, final, reason)
    ('running', _pod('Running', {'running': {'startedAt': 'x'}}, ready=True), True, True, None),
    ('running_not_ready', _pod('Running', {'running': {}}, ready=False), True, True, None),
    ('pending_no_status', _pod('Pending'), False, False, 'still Pending: not started by the kubelet yet'),
    ('container_creating', _pod('Pending', _waiting('ContainerCreating')), False, False,
     'still starting (ContainerCreating)'),
    ('err_image_pull', _pod('Pending', _waiting('ErrImagePull', 'rpc error: code = NotFound desc = failed to pull')),
     False, False, 'ErrImagePull: rpc error: code = NotFound desc = failed to pull'),
    ('image_pull_backoff', _pod('Pending', _waiting('ImagePullBackOff', 'Back-off pulling image "python:x"')),
     False, False, 'ImagePullBackOff: Back-off pulling image "python:x"'),
    ('invalid_image_name', _pod('Pending', _waiting('InvalidImageName', 'couldn\'t parse image reference')),
     False, True, 'InvalidImageName: couldn\'t parse image reference'),
    ('never_pull', _pod('Pending', _waiting('ErrImageNeverPull')), False, True, 'ErrImageNeverPull'),
    ('config_error', _pod('Pending', _waiting('CreateContainerConfigError', 'secret "x" not found')), False, True,
     'CreateContainerConfigError: secret "x" not found'),
    ('create_container_error', _pod('Pending', _waiting('CreateContainerError', 'context deadline exceeded')),
     False, False, 'CreateContainerError: context deadline exceeded'),
    ('run_container_error', _pod('Pending', _waiting('RunContainerError', 'exec: "/bin/sh": not found')),
     False, False, 'RunContainerError: exec: "/bin/sh": not found'),
    ('unschedulable', _pod('Pending', conditions=[{'type': 'PodScheduled', 'status': 'False', 'reason':
                                                   'Unschedulable', 'message': '0/3 nodes are available'}]),
     False, False, 'Unschedulable: 0/3 nodes are available'),
    ('out_of_cpu', _pod('Failed', reason='OutOfcpu', message='Pod Node didn\'t have enough resource: cpu'),
     False, True, 'Failed: OutOfcpu: Pod Node didn\'t have enough resource: cpu'),
    ('deadline', _pod('Failed', reason='DeadlineExceeded', message='Pod was active on the node longer than the '
                      'specified deadline'), False, True,
     'Failed: DeadlineExceeded: Pod was active on the node longer than the specified deadline'),
    ('container_error', _pod('Failed', {'terminated': {'reason': 'Error', 'exitCode': 127}}), False, True,
     'Failed: Error (exit code 127)'),
    ('oom', _pod('Failed', {'terminated': {'reason': 'OOMKilled', 'exitCode': 137}}), False, True,
     'Failed: OOMKilled (exit code 137)'),
    ('succeeded', _pod('Succeeded'), False, True, 'Succeeded: the pod finished before the checks ran'),
    ('unknown', _pod('Unknown', reason='NodeLost'), False, False,
     'Unknown: the node stopped reporting the pod (NodeLost)'),
    ('running_terminated', _pod('Running', {'terminated': {'reason': 'Completed', 'exitCode': 0}}), False, True,
     'Completed (exit code 0)'),
    ('deleting', _pod('Running', {'running': {}}, deleting=True), False, True, 'the pod is being deleted'),
    ('garbage', 'junk', False, False, 'still Pending: not started by the kubelet yet'),
    ('control_chars', _pod('Pending', _waiting('ErrImagePull', 'bad\x1b[31m image')), False, False, None),
]


@pytest.mark.parametrize('pod, running, final, reason', [case[1:] for case in STATES], ids=[c[0] for c in STATES])
def test_pod_state(pod, running, final, reason):
    state = pod_state(pod, 'preflight')
    assert state['running'] is running
    assert state['final'] is final
    if reason is not None:
        assert state['reason'] == reason
    if running:
        assert state['reason'] is None
    else:
        assert state['reason'] and '\x1b' not in state['reason']
