# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment rules (_environments) over API objects recorded from real clusters
(tests/fixtures/k8s/*/SOURCE.md)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _environments as environments

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'k8s')


def load(env, name, default=None):
    path = os.path.join(FIXTURES, env, name)
    if not os.path.exists(path):
        return default
    with open(path) as handle:
        return json.load(handle)


def nodes_of(env):
    return load(env, 'nodes.json')['items']


# --- classification over the recorded clusters ----------------------------------------------------

CLASSIFIED = {
    'eks': 'eks',
    'eks_mixed': 'eks',
    'eks_fargate': 'eks_fargate',
    'gke': 'gke',
    'gke_autopilot': 'gke_autopilot',
    'aks': 'aks',
    'aks_windows': 'aks',
    'openshift': 'openshift',
    'kops': 'kops',
    'k0s': 'k0s',
    'k3s': 'k3s',
    'k3d': 'k3d',
    'kind': 'kind',
    'minikube_vm': 'minikube_vm',
    'minikube_container': 'minikube_container',
    'docker_desktop': 'docker_desktop',
    'self_hosted': 'self_hosted',
    'old_k8s_1_15': 'minikube_vm',
}


def test_every_fixture_is_classified_and_every_environment_has_a_fixture():
    dirs = sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)))
    assert dirs == sorted(CLASSIFIED)
    assert set(CLASSIFIED.values()) == set(environments.ENVIRONMENTS)
    for env in dirs:
        assert os.path.exists(os.path.join(FIXTURES, env, 'SOURCE.md')), env


@pytest.mark.parametrize('env', sorted(CLASSIFIED))
def test_classify_recorded_cluster(env):
    groups = [g['name'] for g in load(env, 'apis.json')['groups']]
    environment, evidence = environments.classify_environment(load(env, 'version.json')['gitVersion'], nodes_of(env), groups)
    assert environment == CLASSIFIED[env]
    assert evidence and all(isinstance(e, str) and e for e in evidence)


def test_classification_needs_its_evidence():
    """Take the deciding evidence away and the answer changes: the rules really use it."""
    gke_ap = [g['name'] for g in load('gke_autopilot', 'apis.json')['groups']]
    nodes = nodes_of('gke_autopilot')
    assert environments.classify_environment('v1.27.8-gke.1067004', nodes, gke_ap)[0] == 'gke_autopilot'
    renamed = copy.deepcopy(nodes)
    for node in renamed:
        node['metadata']['name'] = node['metadata']['name'].replace('gk3-', 'gke-')
    assert environments.classify_environment('v1.27.8-gke.1067004', renamed, gke_ap)[0] == 'gke_autopilot'
    without_group = [g for g in gke_ap if g != 'auto.gke.io']
    assert environments.classify_environment('v1.27.8-gke.1067004', nodes, without_group)[0] == 'gke_autopilot'
    assert environments.classify_environment('v1.27.8-gke.1067004', renamed, without_group)[0] == 'gke'

    openshift_nodes = nodes_of('openshift')
    assert environments.classify_environment('v1.20.0+bd9e442', openshift_nodes, [])[0] == 'openshift'
    for node in openshift_nodes:
        del node['metadata']['labels']['node.openshift.io/os_id']
    assert environments.classify_environment('v1.20.0+bd9e442', openshift_nodes, [])[0] == 'self_hosted'
    assert environments.classify_environment('v1.20.0+bd9e442', openshift_nodes, ['config.openshift.io'])[0] == 'openshift'

    minikube = nodes_of('minikube_vm')
    minikube[0]['status']['nodeInfo']['osImage'] = 'Ubuntu 22.04.4 LTS'
    assert environments.classify_environment('v1.19.2', minikube, [])[0] == 'minikube_container'
    old = nodes_of('old_k8s_1_15')
    old[0]['status']['nodeInfo']['osImage'] = 'Ubuntu 16.04.6 LTS'   # minikube v1.2 with --driver=none
    assert environments.classify_environment('v1.15.0', old, [])[0] == 'self_hosted'

    k3d = nodes_of('k3d')
    assert environments.classify_environment('v1.28.6-rc2+k3s1', k3d, [])[0] == 'k3d'
    k3d[0]['metadata']['name'] = 'k3s-server-128'
    assert environments.classify_environment('v1.28.6-rc2+k3s1', k3d, [])[0] == 'k3s'

    eks = nodes_of('eks')
    assert environments.classify_environment('v1.24.7', eks, [])[0] == 'self_hosted'   # aws:/// alone is not EKS
    assert environments.classify_environment('v1.24.7-eks-fb459a0', eks, [])[0] == 'eks'


def test_fargate_only_cluster_without_eks_version_is_still_eks_fargate():
    environment, evidence = environments.classify_environment('v1.24.7', nodes_of('eks_fargate'), [])
    assert environment == 'eks_fargate'
    assert any('Fargate' in e for e in evidence)


def test_no_evidence_is_self_hosted():
    assert environments.classify_environment('', [], []) == ('self_hosted', [
        'no managed-service or local-cluster marker in the version, node labels, names, provider IDs or API groups'])


# --- the rule table -------------------------------------------------------------------------------

def test_every_row_names_a_known_environment_and_known_evidence():
    kinds = set(environments._NODE_TESTS) | {'api_group', 'git_version', 'every_node_label', 'some_nodes_label',
                                             'no_os_image'}
    for rule in environments.RULES:
        assert rule.environment in environments.ENVIRONMENTS, rule
        assert rule.any_of or rule.all_of, rule
        for evidence in list(rule.any_of) + list(rule.all_of):
            assert evidence.kind in kinds, evidence
    decided = set(rule.environment for rule in environments.RULES) | {'self_hosted'}
    assert decided == set(environments.ENVIRONMENTS)
    # Every unsupported environment says what to do instead.
    unsupported = [env for env, why in environments.ENVIRONMENTS.items() if why]
    assert sorted(unsupported) == sorted(environments.ENVIRONMENT_REMEDIES)


def test_a_new_environment_is_one_more_row(monkeypatch):
    """What a newcomer does: add the environment and a row; the evidence text comes with the answer."""
    nodes = [{'metadata': {'name': 'n1', 'labels': {'example.com/flavour': 'x'}}, 'spec': {'providerID': 'acme://1'}}]
    assert environments.classify_environment('v1.30.1', nodes, [])[0] == 'self_hosted'
    monkeypatch.setitem(environments.ENVIRONMENTS, 'acme', None)
    row = environments.Rule('acme', [environments.Evidence('provider', 'acme://', 'providerID acme:// on {nodes}'),
                                     environments.Evidence('label', 'example.com/', 'example.com/ labels on {nodes}')], [])
    monkeypatch.setattr(environments, 'RULES', environments.RULES + (row,))
    assert environments.classify_environment('v1.30.1', nodes, []) == (
        'acme', ['providerID acme:// on n1', 'example.com/ labels on n1'])


def test_the_first_matching_row_decides():
    # OpenShift nodes on EKS: the OpenShift rows come first.
    nodes = [{'metadata': {'name': 'n1', 'labels': {'node.openshift.io/os_id': 'rhcos',
                                                    'eks.amazonaws.com/nodegroup': 'ng'}}}]
    assert environments.classify_environment('v1.27.4-eks-2d98532', nodes, [])[0] == 'openshift'
    nodes[0]['metadata']['labels'].pop('node.openshift.io/os_id')
    assert environments.classify_environment('v1.27.4-eks-2d98532', nodes, [])[0] == 'eks'


def test_long_node_lists_are_shortened():
    nodes = [{'metadata': {'name': 'k3d-n%d' % i}} for i in range(8)]
    environment, evidence = environments.classify_environment('', nodes, [])
    assert environment == 'k3d'
    assert evidence == ['k3d node names (k3d-...): k3d-n0, k3d-n1, k3d-n2, k3d-n3, k3d-n4 and 3 more']


def test_gke_node_labels_alone_are_gke():
    """cloud.google.com/gke-* labels (gke-nodepool, gke-os-distribution, ...) are GKE evidence of their own."""
    environment, evidence = environments.classify_environment('v1.34.4', nodes_of('gke'), [])
    assert environment == 'gke'
    assert evidence[0].startswith('cloud.google.com/gke-* node labels on gke-cluster-1-')
    bare = copy.deepcopy(nodes_of('gke'))
    for node in bare:
        node['metadata']['labels'] = dict((k, v) for k, v in node['metadata']['labels'].items()
                                          if not k.startswith('cloud.google.com/gke-'))
    assert environments.classify_environment('v1.34.4', bare, [])[0] == 'self_hosted'
