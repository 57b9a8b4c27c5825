# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The world of the pod-mode tests (test_kube_harness.py, test_preflight_cluster.py): a loopback cluster that keeps
state (support_kube_state.py) and a ``kubectl`` first on PATH whose ``exec`` runs in the cached bookworm root playing
the pod (support_pod_exec.py), with a node's tree read-only at /host.

    from support_pod_world import world  # noqa: F401  (the module fixture)

Nodes: the recorded AKS NodeList with a Windows pool (tests/fixtures/k8s/aks_windows, see its SOURCE.md), each node
given a Ready condition (the recording trimmed conditions; every kubelet reports one) and the kernel of its tree as
``nodeInfo.kernelVersion``. Trees (tests/fixtures/nodes): ubuntu-22.04 (a good node: 5.15, headers, kernel config)
for GOOD, PULL and NOCPU; centos-7 (kernel 3.10) for OLD. The cloud address is a loopback HTTP/2 server with a
throwaway CA, whose certificate the pods' image layer holds at POD_CA.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import time

import pytest

import support_hosts
import support_k8s
import support_kube_state as ks
import support_pod_exec as pe
import support_tls

harness = support_hosts.harness
GOOD, OLD, PULL, NOCPU = ('aks-default-xxxxxxxx-vmss000000', 'aks-ll-xxxxxxxx-vmss000000',
                          'aks-lm-xxxxxxxx-vmss000000', 'aks-mon-xxxxxxxx-vmss000000')
WINDOWS = 'akswm000000'
TREES = {GOOD: 'ubuntu-22.04', OLD: 'centos-7', PULL: 'ubuntu-22.04', NOCPU: 'ubuntu-22.04'}
NODE_FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'nodes')
POD_CA = '/etc/pixie-test/cloud-ca.pem'
START_TIMEOUT = 8


def cluster_nodes(names=None):
    """The recorded NodeList (or the named nodes of it), each Ready, with nodeInfo saying what its tree says."""
    nodes = ks.load_nodes('aks_windows')
    items = []
    for node in nodes['items']:
        name = node['metadata']['name']
        if names is not None and name not in names:
            continue
        node['status']['conditions'] = [{'type': 'Ready', 'status': 'True', 'reason': 'KubeletReady',
                                         'message': 'kubelet is posting ready status'}]
        if name in TREES:
            with open(os.path.join(NODE_FIXTURES, TREES[name], 'expected.json')) as handle:
                expected = json.load(handle)
            node['status']['nodeInfo']['kernelVersion'] = expected['kernel_release']
        items.append(node)
    nodes['items'] = items
    return nodes


class World(object):
    def __init__(self, workdir, bin_dir, real_kubectl, cloud):
        self.workdir, self.bin_dir, self.real_kubectl = workdir, bin_dir, real_kubectl
        self.last_calls = []
        dummy, self.cloud_port, self.ca_path = cloud

    def isolate(self, nodes):
        """From now on the pods of ``nodes`` reach nothing from the pod network (their nodes' network still does)."""
        pe.configure(os.path.join(self.workdir, 'kubectl-wrapper.json'), isolated=list(nodes))

    def env(self, base):
        env = dict(base)
        env['PATH'] = self.bin_dir + os.pathsep + base['PATH']
        return env


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    why = harness.missing_requirements()
    if why:
        pytest.skip(why)
    real_kubectl = support_k8s.find_kubectl()
    if real_kubectl is None:
        pytest.skip('no kubectl: install kubernetes-client or set PIXIE_KUBECTL')
    workdir = str(tmp_path_factory.mktemp('cluster'))
    root = harness.build_root('bookworm')
    trees = dict((node, pe.node_tree(os.path.join(NODE_FIXTURES, tree), os.path.join(workdir, 'tree-' + node)))
                 for node, tree in TREES.items())
    try:
        with support_tls.cloud_server(workdir) as cloud:
            layer = pe.image_layer(workdir, cloud[2])
            bin_dir = pe.install(workdir, real_kubectl, trees, layer + ':' + root)
            yield World(workdir, bin_dir, real_kubectl, cloud)
    finally:
        pe.stop_pods(workdir, harness)


def need_kubernetes_core():
    """kubernetes.core (the connection plugin) comes from PyPI's ``ansible`` pinned in tests/requirements.txt; the
    tests skip only where that pin is absent (a branch before it), never where it is pinned and missing."""
    try:
        __import__('ansible_collections.kubernetes.core')
        return
    except ImportError:
        pass
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'requirements.txt')) as handle:
        pinned = any(line.startswith('ansible==') for line in handle)
    assert not pinned, 'kubernetes.core is not installed although tests/requirements.txt pins ansible: remake .venv'
    pytest.skip('kubernetes.core is not installed (tests/requirements.txt does not pin ansible)')


def kubectl(world, env, cluster, *args, **kwargs):
    """The test kubectl (the wrapper) against ``cluster``; returns the CompletedProcess."""
    return subprocess.run(['kubectl', '--kubeconfig', cluster.kubeconfig] + list(args), env=world.env(env),
                          capture_output=True, text=True, check=False, **kwargs)


def preflight_pod(name, node):
    return {'apiVersion': 'v1', 'kind': 'Pod',
            'metadata': {'name': name, 'labels': {'app.kubernetes.io/managed-by': 'pixie-preflight'}},
            'spec': {'nodeName': node, 'restartPolicy': 'Never', 'activeDeadlineSeconds': 600,
                     'containers': [{'name': 'preflight', 'image': 'docker.io/library/python:3.13-slim-bookworm',
                                     'env': [{'name': 'PIXIE_TEST', 'value': 'pod-env'}]}]}}


def wait_running(cluster, name, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        phases = [p['status']['phase'] for p in cluster.server.pods() if p['metadata']['name'] == name]
        if phases == ['Running']:
            return
        time.sleep(0.1)
    raise AssertionError('pod %s is not Running' % name)
