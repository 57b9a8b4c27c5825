# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Kubernetes environment a cluster is, decided from the API alone, by an ordered table of rules.

The evidence needs nothing but the API: ``gitVersion`` suffixes, ``spec.providerID`` prefixes, node
labels, names and OS images, and the API groups some flavours serve. No other tool (``kind``,
``minikube``, a cloud CLI) is asked.

To teach it a new environment, add it to :data:`ENVIRONMENTS` (and to :data:`ENVIRONMENT_REMEDIES`
when Pixie does not support it) and add a row to :data:`RULES` above the rows it must win over.
Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.pixie_ops.preflight.plugins.module_utils._k8s_objects import (
    FARGATE_LABEL, labels, name, os_image, provider_id)

# Environment -> None when Pixie supports it, else why not (from Pixie's requirements page).
ENVIRONMENTS = {
    'eks': None,
    'eks_fargate': 'EKS Fargate does not support eBPF',
    'gke': None,
    'gke_autopilot': 'GKE Autopilot does not support eBPF',
    'aks': None,
    'openshift': None,
    'kops': None,
    'k0s': None,
    'k3s': None,
    'k3d': 'k3d runs k3s clusters inside Docker container "nodes"',
    'kind': 'kind runs Kubernetes clusters inside Docker container "nodes"',
    'minikube_vm': None,
    'minikube_container': 'minikube with a container driver (docker, podman) or the none driver is not supported',
    'docker_desktop': 'Docker Desktop runs Kubernetes inside a container',
    'self_hosted': None,
}

ENVIRONMENT_REMEDIES = {
    'eks_fargate': 'Add an EKS managed or self-managed node group of EC2 Linux x86-64 nodes for Pixie.',
    'gke_autopilot': 'Use a GKE Standard cluster.',
    'k3d': 'Use k3s directly on a Linux host or VM, or minikube with a VM driver (kvm2, hyperkit).',
    'kind': 'Use minikube with a VM driver (kvm2 on Linux, hyperkit on macOS) for local development.',
    'minikube_container': 'Start minikube with a VM driver: minikube start --driver=kvm2 (Linux) or hyperkit (macOS).',
    'docker_desktop': 'Use minikube with a VM driver (kvm2 on Linux, hyperkit on macOS) for local development.',
}

# One piece of evidence: how to look (``kind``, see _FINDERS), what for (``argument``), and how it
# reads when found (``{nodes}``: the nodes that show it; ``{git_version}``; ``{count}`` of ``{total}``
# nodes; ``{images}``: the nodes' OS images).
Evidence = namedtuple('Evidence', ['kind', 'argument', 'text'])
# A row: the environment when any evidence of ``any_of`` is found (or none is asked for) and all of
# ``all_of`` is; its evidence is everything of both that was found, in order.
Rule = namedtuple('Rule', ['environment', 'any_of', 'all_of'])

E = Evidence
_EKS = (E('git_version', '-eks-', 'gitVersion {git_version} has the -eks- suffix'),
        E('label', 'eks.amazonaws.com/', 'eks.amazonaws.com/ node labels on {nodes}'))
_MINIKUBE_LABELS = E('label', 'minikube.k8s.io/', 'minikube.k8s.io/ node labels on {nodes}')
_BUILDROOT = E('os_image', 'Buildroot', 'OS image Buildroot (the minikube VM image of the kvm2/hyperkit drivers) on {nodes}')

# The first row that matches decides; no row matching means self_hosted.
RULES = (
    Rule('openshift', [E('api_group', 'config.openshift.io', 'the API serves the config.openshift.io group')], []),
    Rule('openshift', [E('label', 'node.openshift.io/os_id', 'node label node.openshift.io/os_id on {nodes}')], []),
    Rule('gke_autopilot', [E('api_group', 'auto.gke.io', 'the API serves the auto.gke.io group (GKE Autopilot)')], []),
    Rule('gke_autopilot', [E('name_prefix', 'gk3-', 'Autopilot node names (gk3-...): {nodes}')], []),
    Rule('eks_fargate', _EKS, [E('every_node_label', (FARGATE_LABEL, 'fargate'),
                                 'every node is a Fargate node (%s=fargate): {nodes}' % FARGATE_LABEL)]),
    Rule('eks', _EKS + (E('some_nodes_label', (FARGATE_LABEL, 'fargate'), '{count} of {total} nodes are Fargate nodes'),), []),
    Rule('gke', [E('git_version', '-gke.', 'gitVersion {git_version} has the -gke. suffix'),
                 E('label', 'cloud.google.com/gke-', 'cloud.google.com/gke-* node labels on {nodes}')], []),
    Rule('aks', [E('label', 'kubernetes.azure.com/', 'kubernetes.azure.com/ node labels on {nodes}')], []),
    Rule('kops', [E('label', 'kops.k8s.io/instancegroup', 'node label kops.k8s.io/instancegroup on {nodes}')], []),
    Rule('k3d', [E('name_prefix', 'k3d-', 'k3d node names (k3d-...): {nodes}')], []),
    Rule('k3s', [E('git_version', '+k3s', 'gitVersion {git_version} has the +k3s suffix'),
                 E('provider', 'k3s://', 'providerID k3s:// on {nodes}')], []),
    Rule('k0s', [E('git_version', '+k0s', 'gitVersion {git_version} has the +k0s suffix')], []),
    Rule('kind', [E('provider', 'kind://', 'providerID kind:// on {nodes}')], []),
    Rule('minikube_vm', [_MINIKUBE_LABELS], [_BUILDROOT]),
    Rule('minikube_vm', [], [E('name_match', r'^minikube(-m\d+)?$', 'node named {nodes}'), _BUILDROOT]),
    Rule('minikube_container', [], [_MINIKUBE_LABELS, E(
        'no_os_image', 'Buildroot',
        'OS image {images}, not the Buildroot VM image: a container (docker, podman) or none driver')]),
    Rule('docker_desktop', [E('name_is', 'docker-desktop', 'Docker Desktop node: {nodes}')], []),
    Rule('docker_desktop', [E('os_image', 'Docker Desktop', 'Docker Desktop node: {nodes}')], []),
)
del E


def _has_label(node, key, value=None):
    """A label ``key`` (a prefix when it ends in ``/`` or ``-``), with ``value`` when given."""
    for label, val in labels(node).items():
        if (label == key or (key[-1:] in ('/', '-') and label.startswith(key))) and (value is None or val == value):
            return True
    return False


def _label(nodes, argument):
    key, value = argument if isinstance(argument, tuple) else (argument, None)
    return [n for n in nodes if _has_label(n, key, value)]


_NODE_TESTS = {
    'label': _label,
    'name_prefix': lambda nodes, prefix: [n for n in nodes if (name(n) or '').startswith(prefix)],
    'name_is': lambda nodes, wanted: [n for n in nodes if name(n) == wanted],
    'name_match': lambda nodes, pattern: [n for n in nodes if re.match(pattern, name(n) or '')],
    'provider': lambda nodes, prefix: [n for n in nodes if provider_id(n).startswith(prefix)],
    'os_image': lambda nodes, prefix: [n for n in nodes if (os_image(n) or '').startswith(prefix)],
}


def _listed(nodes):
    items = [str(name(n)) for n in nodes]
    shown = ', '.join(items[:5])
    return shown + (' and %d more' % (len(items) - 5) if len(items) > 5 else '')


def _find(evidence, git_version, nodes, groups):
    """The text of ``evidence`` when the cluster shows it, else None."""
    kind, argument = evidence.kind, evidence.argument
    if kind == 'api_group':
        return evidence.text if argument in groups else None
    if kind == 'git_version':
        return evidence.text.format(git_version=git_version) if argument in git_version else None
    if kind in ('every_node_label', 'some_nodes_label'):
        found = _label(nodes, argument)
        every = bool(found) and len(found) == len(nodes)
        if not found or every != (kind == 'every_node_label'):
            return None
        return evidence.text.format(nodes=_listed(found), count=len(found), total=len(nodes))
    if kind == 'no_os_image':
        if _NODE_TESTS['os_image'](nodes, argument):
            return None
        images = sorted(set(os_image(n) or 'unknown' for n in nodes))
        return evidence.text.format(images=', '.join(images))
    found = _NODE_TESTS[kind](nodes, argument)
    return evidence.text.format(nodes=_listed(found)) if found else None


def _match(rule, git_version, nodes, groups):
    """The evidence list when ``rule`` matches, else None."""
    some = [t for t in (_find(e, git_version, nodes, groups) for e in rule.any_of) if t]
    if rule.any_of and not some:
        return None
    every = [_find(e, git_version, nodes, groups) for e in rule.all_of]
    if not all(every):
        return None
    return some + every


def classify_environment(git_version, nodes, api_groups):
    """Return ``(environment, evidence)``: one of :data:`ENVIRONMENTS` and what decided it.

    ``nodes`` are Node objects (may be empty); ``api_groups`` the names ``/apis`` lists.
    """
    git_version = git_version if isinstance(git_version, str) else ''
    nodes = [node for node in nodes if isinstance(node, dict)] if isinstance(nodes, list) else []
    groups = set(g for g in api_groups or () if isinstance(g, str))
    for rule in RULES:
        evidence = _match(rule, git_version, nodes, groups)
        if evidence is not None:
            return rule.environment, evidence
    evidence = ['no managed-service or local-cluster marker in the version, node labels, names, provider IDs '
                'or API groups']
    schemes = sorted(set(provider_id(n).split('://')[0] for n in nodes if provider_id(n)))
    if schemes:
        evidence.append('node providerID schemes: %s' % ', '.join(schemes))
    return 'self_hosted', evidence
