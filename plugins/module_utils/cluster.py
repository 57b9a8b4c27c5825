# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster seen through the Kubernetes API: version, environment, nodes, permissions.

Pure logic over API objects (the JSON ``kubectl`` prints), plus :class:`Kubectl`, which runs
``kubectl`` through a ``run(args, data=None) -> (rc, stdout, stderr)`` callable the module gives it
(``AnsibleModule.run_command``), so every function here can be called by a unit test with recorded
objects. Never imports AnsibleModule.

The environment is decided from evidence that needs nothing but the API: ``gitVersion`` suffixes,
``spec.providerID`` prefixes, node labels and names, the nodes' OS image, and the API groups some
flavours serve. It never shells out to ``kind``, ``minikube`` or a cloud CLI.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import kernel
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

CHECK_IDS = (
    'k8s_version',
    'environment',
    'node_kernels',
    'node_architectures',
    'node_os',
    'fargate_nodes',
    'permissions',
    'storage_class',
)

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

FARGATE_LABEL = 'eks.amazonaws.com/compute-type'
DEFAULT_CLASS_ANNOTATIONS = (
    'storageclass.kubernetes.io/is-default-class',
    'storageclass.beta.kubernetes.io/is-default-class',
)

_VERSION_RE = re.compile(r'^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(\S*)\s*$')
_QUANTITY_RE = re.compile(
    r'^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E))?\s*$')
_BINARY_SUFFIXES = {'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'Ei': 2 ** 60}
_DECIMAL_SUFFIXES = {'n': -9, 'u': -6, 'm': -3, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18}
# Kept out of anything the module returns: a bearer token or a password in a kubectl message.
_SECRET_RE = re.compile(r'(?i)(bearer\s+|token[=:]\s*|password[=:]\s*)\S+')
_KLOG_RE = re.compile(r'^[IWE]\d{4} \d\d:\d\d:\d\d')


class ClusterError(Exception):
    """The cluster could not be asked; the message says what is missing."""


# --- versions -------------------------------------------------------------------------------------

def parse_k8s_version(text):
    """Parse a Kubernetes ``gitVersion`` (``v1.27.4-eks-2d98532``) or a minimum (``1.16``).

    Returns a dict ``{major, minor, patch, suffix, prerelease, version}`` where ``version`` is the
    normalised ``X.Y.Z``. Vendor suffixes (``-eks-…``, ``-gke.N``, ``+k3s1``, ``-3+sha``) are kept in
    ``suffix``; ``prerelease`` is the ``-alpha.N``/``-beta.N``/``-rc.N`` tag or None. Comparison uses the
    numbers only: a ``1.25.0-rc.1`` server serves the 1.25 API. Raises ValueError on anything else.
    """
    if not isinstance(text, str):
        raise ValueError('not a Kubernetes version: %r' % (text,))
    match = _VERSION_RE.match(text)
    if not match:
        raise ValueError('not a Kubernetes version: %r' % (text,))
    major, minor, patch, suffix = match.groups()
    prerelease = re.match(r'^-((?:alpha|beta|rc)\.?\d*)', suffix)
    result = {
        'major': int(major),
        'minor': int(minor),
        'patch': int(patch or 0),
        'suffix': suffix,
        'prerelease': prerelease.group(1) if prerelease else None,
    }
    result['version'] = '%(major)d.%(minor)d.%(patch)d' % result
    return result


def version_tuple(parsed):
    return (parsed['major'], parsed['minor'], parsed['patch'])


def server_version(version_obj):
    """``(gitVersion, parsed)`` from a ``/version`` object; falls back on ``major``/``minor``."""
    if not isinstance(version_obj, dict):
        raise ValueError('the /version answer is not an object')
    git_version = version_obj.get('gitVersion')
    try:
        return git_version, parse_k8s_version(git_version)
    except ValueError:
        major = re.sub(r'\D', '', str(version_obj.get('major') or ''))
        minor = re.sub(r'\D', '', str(version_obj.get('minor') or ''))
        if not major or not minor:
            raise ValueError('the /version answer has no usable version: gitVersion %r' % (git_version,))
        return git_version, parse_k8s_version('%s.%s' % (major, minor))


def parse_quantity(text):
    """Bytes (an int) from a Kubernetes resource quantity: ``7807840Ki``, ``2Gi``, ``129e6``, ``1500M``."""
    match = _QUANTITY_RE.match(str(text))
    if not match:
        raise ValueError('not a Kubernetes quantity: %r' % (text,))
    number, binary, exponent, decimal = match.groups()
    value = float(number)
    if binary:
        value *= _BINARY_SUFFIXES[binary]
    elif exponent:
        value *= 10 ** int(exponent[1:])
    elif decimal:
        value *= 10 ** _DECIMAL_SUFFIXES[decimal]
    return int(value)


# --- nodes ----------------------------------------------------------------------------------------

def _labels(node):
    return (node.get('metadata') or {}).get('labels') or {}


def _node_info(node):
    return (node.get('status') or {}).get('nodeInfo') or {}


def node_summary(node, min_kernel_version=requirements.MIN_KERNEL_VERSION,
                 supported_architectures=None):
    """One node as the facts show it, with ``unsupported``: None or why Pixie cannot run there."""
    if supported_architectures is None:
        supported_architectures = requirements.SUPPORTED_ARCHITECTURES
    labels = _labels(node)
    info = _node_info(node)
    operating_system = (info.get('operatingSystem') or labels.get('kubernetes.io/os')
                        or labels.get('beta.kubernetes.io/os') or '')
    architecture = (info.get('architecture') or labels.get('kubernetes.io/arch')
                    or labels.get('beta.kubernetes.io/arch') or '')
    memory = ((node.get('status') or {}).get('allocatable') or {}).get('memory')
    try:
        memory_mib = parse_quantity(memory) // (2 ** 20) if memory is not None else None
    except ValueError:
        memory_mib = None
    summary = {
        'name': (node.get('metadata') or {}).get('name'),
        'kernel_version': info.get('kernelVersion'),
        'os_image': info.get('osImage'),
        'operating_system': operating_system.lower() or None,
        'architecture': architecture or None,
        'container_runtime': info.get('containerRuntimeVersion'),
        'provider_id': (node.get('spec') or {}).get('providerID'),
        'allocatable_memory_mib': memory_mib,
        'fargate': labels.get(FARGATE_LABEL) == 'fargate',
    }
    reasons = []
    if summary['fargate']:
        reasons.append('EKS Fargate node: Fargate does not support eBPF')
    elif summary['operating_system'] != 'linux':
        shown = operating_system or 'unknown OS'
        reasons.append('%s node: Pixie runs on Linux nodes only' % (shown[:1].upper() + shown[1:]))
    else:
        supported = set(requirements.canonical_architecture(a) for a in supported_architectures)
        if requirements.canonical_architecture(architecture) not in supported:
            reasons.append('architecture %s: Pixie supports %s only'
                           % (architecture or 'unknown', ', '.join(sorted(supported))))
        try:
            if kernel.parse_version(summary['kernel_version']) < kernel.parse_version(min_kernel_version):
                reasons.append('kernel %s is older than %s' % (summary['kernel_version'], min_kernel_version))
        except ValueError:
            pass
    summary['unsupported'] = '; '.join(reasons) or None
    return summary


# --- environment ----------------------------------------------------------------------------------

def classify_environment(git_version, nodes, api_groups):
    """Return ``(environment, evidence)``: one of :data:`ENVIRONMENTS` and what decided it.

    ``nodes`` are Node objects (may be empty); ``api_groups`` the names ``/apis`` lists.
    """
    git_version = git_version or ''
    nodes = nodes or []
    groups = set(api_groups or ())

    def names(predicate):
        return [(n.get('metadata') or {}).get('name') for n in nodes if predicate(n)]

    def with_label(prefix, value=None):
        def predicate(node):
            for key, val in _labels(node).items():
                if (key == prefix or (prefix.endswith('/') and key.startswith(prefix))) and \
                        (value is None or val == value):
                    return True
            return False
        return names(predicate)

    def provider(prefix):
        return names(lambda n: ((n.get('spec') or {}).get('providerID') or '').startswith(prefix))

    def name_prefix(prefix):
        return names(lambda n: ((n.get('metadata') or {}).get('name') or '').startswith(prefix))

    def os_image(prefix):
        return names(lambda n: (_node_info(n).get('osImage') or '').startswith(prefix))

    def listed(items):
        shown = ', '.join(str(i) for i in items[:5])
        return shown + (' and %d more' % (len(items) - 5) if len(items) > 5 else '')

    if 'config.openshift.io' in groups:
        return 'openshift', ['the API serves the config.openshift.io group']
    found = with_label('node.openshift.io/os_id')
    if found:
        return 'openshift', ['node label node.openshift.io/os_id on %s' % listed(found)]

    if 'auto.gke.io' in groups:
        return 'gke_autopilot', ['the API serves the auto.gke.io group (GKE Autopilot)']
    found = name_prefix('gk3-')
    if found:
        return 'gke_autopilot', ['Autopilot node names (gk3-...): %s' % listed(found)]

    fargate = with_label(FARGATE_LABEL, 'fargate')
    eks_labelled = with_label('eks.amazonaws.com/')
    if '-eks-' in git_version or fargate or eks_labelled:
        evidence = []
        if '-eks-' in git_version:
            evidence.append('gitVersion %s has the -eks- suffix' % git_version)
        if eks_labelled:
            evidence.append('eks.amazonaws.com/ node labels on %s' % listed(eks_labelled))
        if fargate and len(fargate) == len(nodes):
            evidence.append('every node is a Fargate node (%s=fargate): %s' % (FARGATE_LABEL, listed(fargate)))
            return 'eks_fargate', evidence
        if fargate:
            evidence.append('%d of %d nodes are Fargate nodes' % (len(fargate), len(nodes)))
        return 'eks', evidence

    gke_labelled = with_label('cloud.google.com/gke-')
    if '-gke.' in git_version or gke_labelled:
        evidence = []
        if '-gke.' in git_version:
            evidence.append('gitVersion %s has the -gke. suffix' % git_version)
        if gke_labelled:
            evidence.append('cloud.google.com/gke-* node labels on %s' % listed(gke_labelled))
        return 'gke', evidence

    found = with_label('kubernetes.azure.com/')
    if found:
        return 'aks', ['kubernetes.azure.com/ node labels on %s' % listed(found)]

    found = with_label('kops.k8s.io/instancegroup')
    if found:
        return 'kops', ['node label kops.k8s.io/instancegroup on %s' % listed(found)]

    found = name_prefix('k3d-')
    if found:
        return 'k3d', ['k3d node names (k3d-...): %s' % listed(found)]

    k3s_provider = provider('k3s://')
    if '+k3s' in git_version or k3s_provider:
        evidence = []
        if '+k3s' in git_version:
            evidence.append('gitVersion %s has the +k3s suffix' % git_version)
        if k3s_provider:
            evidence.append('providerID k3s:// on %s' % listed(k3s_provider))
        return 'k3s', evidence

    if '+k0s' in git_version:
        return 'k0s', ['gitVersion %s has the +k0s suffix' % git_version]

    found = provider('kind://')
    if found:
        return 'kind', ['providerID kind:// on %s' % listed(found)]

    minikube = with_label('minikube.k8s.io/')
    minikube_named = names(lambda n: re.match(r'^minikube(-m\d+)?$', (n.get('metadata') or {}).get('name') or ''))
    buildroot = os_image('Buildroot')
    if minikube or (minikube_named and buildroot):
        evidence = (['minikube.k8s.io/ node labels on %s' % listed(minikube)] if minikube
                    else ['node named %s' % listed(minikube_named)])
        if buildroot:
            evidence.append('OS image Buildroot (the minikube VM image of the kvm2/hyperkit drivers) on %s'
                            % listed(buildroot))
            return 'minikube_vm', evidence
        images = sorted(set(_node_info(n).get('osImage') or 'unknown' for n in nodes))
        evidence.append('OS image %s, not the Buildroot VM image: a container (docker, podman) or none driver'
                        % ', '.join(images))
        return 'minikube_container', evidence

    found = names(lambda n: (n.get('metadata') or {}).get('name') == 'docker-desktop') or os_image('Docker Desktop')
    if found:
        return 'docker_desktop', ['Docker Desktop node: %s' % listed(found)]

    evidence = ['no managed-service or local-cluster marker in the version, node labels, names, provider IDs or API groups']
    prefixes = sorted(set(((n.get('spec') or {}).get('providerID') or '').split('://')[0]
                          for n in nodes if (n.get('spec') or {}).get('providerID')))
    if prefixes:
        evidence.append('node providerID schemes: %s' % ', '.join(prefixes))
    return 'self_hosted', evidence


# --- checks ---------------------------------------------------------------------------------------

def _named(items):
    return ', '.join(items)


def check_k8s_version(parsed, git_version, min_k8s_version):
    expected = '>= %s' % min_k8s_version
    if parsed is None:
        return checks.make_check(checks.UNKNOWN, 'the server version is unknown', expected, git_version)
    minimum = parse_k8s_version(min_k8s_version)
    if version_tuple(parsed) >= version_tuple(minimum):
        return checks.make_check(checks.PASS, 'Kubernetes %s is supported' % git_version, expected, git_version)
    return checks.make_check(
        checks.FAIL, 'Kubernetes %s is older than %s, the oldest Pixie supports' % (git_version, min_k8s_version),
        expected, git_version, 'Upgrade the cluster to Kubernetes %s or later.' % min_k8s_version)


def check_environment(environment, evidence):
    reason = ENVIRONMENTS.get(environment)
    actual = environment
    if environment == 'self_hosted':
        return checks.make_check(
            checks.PASS, 'self-hosted cluster: generally supported; check every node against the node '
            'requirements (Linux kernel 4.14+, x86-64, headers) with node_facts', 'a supported environment',
            actual)
    if reason is None:
        return checks.make_check(checks.PASS, '%s is supported (%s)' % (environment, '; '.join(evidence)),
                                 'a supported environment', actual)
    return checks.make_check(checks.FAIL, '%s is not supported: %s (%s)' % (environment, reason, '; '.join(evidence)),
                             'a supported environment', actual, ENVIRONMENT_REMEDIES.get(environment))


def _linux(summaries):
    return [s for s in summaries if s['operating_system'] == 'linux']


def check_node_kernels(summaries, min_kernel_version):
    expected = '>= %s on every Linux node' % min_kernel_version
    linux = _linux(summaries)
    if not linux:
        return checks.make_check(checks.UNKNOWN, 'no Linux node to check', expected, None)
    old, unparsed = [], []
    minimum = kernel.parse_version(min_kernel_version)
    for node in linux:
        try:
            if kernel.parse_version(node['kernel_version']) < minimum:
                old.append('%s (%s)' % (node['name'], node['kernel_version']))
        except ValueError:
            unparsed.append('%s (%r)' % (node['name'], node['kernel_version']))
    actual = dict((n['name'], n['kernel_version']) for n in linux)
    if old:
        return checks.make_check(
            checks.FAIL, 'kernel older than %s on: %s' % (min_kernel_version, _named(old)), expected, actual,
            'Upgrade those nodes to a Linux kernel %s or later (a newer node image), or keep Pixie off them.'
            % min_kernel_version)
    if unparsed:
        return checks.make_check(checks.UNKNOWN, 'kernel version not readable on: %s' % _named(unparsed),
                                 expected, actual)
    return checks.make_check(checks.PASS, 'every Linux node runs a kernel %s or later' % min_kernel_version,
                             expected, actual)


def check_node_architectures(summaries, supported_architectures):
    supported = sorted(set(requirements.canonical_architecture(a) for a in supported_architectures))
    expected = ', '.join(supported)
    linux = _linux(summaries)
    if not linux:
        return checks.make_check(checks.UNKNOWN, 'no Linux node to check', expected, None)
    actual = dict((n['name'], n['architecture']) for n in linux)
    other = ['%s (%s)' % (n['name'], n['architecture']) for n in linux
             if requirements.canonical_architecture(n['architecture']) not in supported]
    if other:
        status = checks.FAIL if len(other) == len(linux) else checks.WARN
        return checks.make_check(
            status, 'Pixie runs on %s only; not on: %s' % (expected, _named(other)), expected, actual,
            'Run Pixie on %s nodes; it will not trace the others.' % expected)
    return checks.make_check(checks.PASS, 'every Linux node is %s' % expected, expected, actual)


def check_node_os(summaries):
    expected = 'linux'
    actual = dict((n['name'], n['operating_system']) for n in summaries)
    linux = _linux(summaries)
    other = ['%s (%s)' % (n['name'], n['operating_system'] or 'unknown') for n in summaries
             if n['operating_system'] != 'linux']
    if not linux:
        return checks.make_check(checks.FAIL, 'no Linux node: Pixie runs on Linux nodes only (%s)' % _named(other),
                                 expected, actual, 'Add Linux x86-64 nodes to the cluster.')
    if other:
        return checks.make_check(
            checks.WARN, 'Pixie runs on the %d Linux node(s) only, not on: %s' % (len(linux), _named(other)),
            expected, actual, 'Nothing to do if the workloads to observe run on the Linux nodes.')
    return checks.make_check(checks.PASS, 'every node runs Linux', expected, actual)


def check_fargate_nodes(environment, summaries):
    expected = 'no Fargate nodes'
    fargate = [n['name'] for n in summaries if n['fargate']]
    if environment not in ('eks', 'eks_fargate'):
        return checks.make_check(checks.PASS, 'not an EKS cluster', expected, [])
    if not fargate:
        return checks.make_check(checks.PASS, 'no Fargate nodes', expected, [])
    if len(fargate) == len(summaries):
        return checks.make_check(
            checks.FAIL, 'every node is a Fargate node; Pixie runs on none of them: %s' % _named(fargate),
            expected, fargate, ENVIRONMENT_REMEDIES['eks_fargate'])
    return checks.make_check(
        checks.WARN, 'Pixie does not run on Fargate nodes, and will not see the pods there: %s' % _named(fargate),
        expected, fargate, 'Schedule the workloads to observe on the EC2 node groups.')


def check_permissions(review):
    expected = 'may create namespaces'
    status = (review or {}).get('status') or {}
    if status.get('allowed') is True:
        return checks.make_check(checks.PASS, 'these credentials may create namespaces (needed by the Pixie deploy)',
                                 expected, 'allowed')
    why = status.get('reason') or status.get('evaluationError') or 'no rule allows it'
    return checks.make_check(
        checks.FAIL, 'these credentials may not create namespaces, which the Pixie deploy needs: %s' % why,
        expected, 'denied', 'Deploy Pixie with credentials bound to cluster-admin (or a role that may create '
        'namespaces and cluster-scoped RBAC).')


def default_storage_classes(storage_classes):
    found = []
    for item in (storage_classes or {}).get('items') or []:
        annotations = (item.get('metadata') or {}).get('annotations') or {}
        if any(str(annotations.get(key, '')).lower() == 'true' for key in DEFAULT_CLASS_ANNOTATIONS):
            found.append((item.get('metadata') or {}).get('name'))
    return found


def check_storage_class(storage_classes):
    expected = 'a default StorageClass'
    names = [(i.get('metadata') or {}).get('name') for i in (storage_classes or {}).get('items') or []]
    default = default_storage_classes(storage_classes)
    if default:
        return checks.make_check(checks.PASS, 'default StorageClass: %s' % _named(default), expected, default)
    remedy = ('Mark one StorageClass as the default (annotation storageclass.kubernetes.io/is-default-class: '
              '"true"), or give Pixie\'s metadata store a persistent volume by hand.')
    if names:
        return checks.make_check(checks.WARN, 'no default StorageClass among: %s' % _named(names), expected, names,
                                 remedy)
    return checks.make_check(checks.WARN, 'the cluster has no StorageClass; Pixie\'s metadata store wants a '
                             'persistent volume', expected, [], remedy)


def unknown_checks(msg):
    return dict((check_id, checks.make_check(checks.UNKNOWN, msg)) for check_id in CHECK_IDS)


def unknown_facts(msg, evidence=None):
    """The facts when the cluster cannot be asked: every check ``unknown`` with ``msg``."""
    result = {
        'server_version': None,
        'version': None,
        'environment': None,
        'environment_evidence': list(evidence or []),
        'nodes': [],
        'checks': unknown_checks(msg),
        'reachable': False,
    }
    result['status'] = checks.overall_status(result['checks'])
    return result


def evaluate(version_obj, nodes_obj, api_groups, storage_classes, access_review, errors=None,
             min_k8s_version=requirements.MIN_K8S_VERSION, min_kernel_version=requirements.MIN_KERNEL_VERSION,
             supported_architectures=None):
    """Build ``pixie_cluster`` from the API objects.

    ``errors`` maps ``nodes``/``api_groups``/``storage_classes``/``access_review`` to the message of a
    request that failed; the checks that need it are ``unknown`` with that message.
    """
    errors = errors or {}
    if supported_architectures is None:
        supported_architectures = list(requirements.SUPPORTED_ARCHITECTURES)
    result_checks = {}
    try:
        git_version, parsed = server_version(version_obj)
    except ValueError as exc:
        git_version, parsed = (version_obj or {}).get('gitVersion') if isinstance(version_obj, dict) else None, None
        result_checks['k8s_version'] = checks.make_check(checks.UNKNOWN, str(exc), '>= %s' % min_k8s_version,
                                                         git_version)
    if 'k8s_version' not in result_checks:
        result_checks['k8s_version'] = check_k8s_version(parsed, git_version, min_k8s_version)

    items = None
    if 'nodes' not in errors:
        items = (nodes_obj or {}).get('items')
        if not isinstance(items, list):
            errors['nodes'] = 'the node list answer has no items'
            items = None
    summaries = [node_summary(n, min_kernel_version, supported_architectures) for n in items or []]

    environment, evidence = classify_environment(git_version, items or [], api_groups or [])
    if 'api_groups' in errors:
        evidence.append('API groups not read: %s' % errors['api_groups'])
    if 'nodes' in errors:
        evidence.append('nodes not read: %s' % errors['nodes'])
    result_checks['environment'] = check_environment(environment, evidence)

    if 'nodes' in errors:
        msg = 'cannot list the nodes: %s' % errors['nodes']
        for check_id in ('node_kernels', 'node_architectures', 'node_os', 'fargate_nodes'):
            result_checks[check_id] = checks.make_check(checks.UNKNOWN, msg)
    elif not summaries:
        msg = 'the cluster has no nodes (yet) to check'
        for check_id in ('node_kernels', 'node_architectures', 'node_os', 'fargate_nodes'):
            result_checks[check_id] = checks.make_check(checks.UNKNOWN, msg)
    else:
        result_checks['node_kernels'] = check_node_kernels(summaries, min_kernel_version)
        result_checks['node_architectures'] = check_node_architectures(summaries, supported_architectures)
        result_checks['node_os'] = check_node_os(summaries)
        result_checks['fargate_nodes'] = check_fargate_nodes(environment, summaries)

    if 'access_review' in errors:
        result_checks['permissions'] = checks.make_check(
            checks.UNKNOWN, 'cannot ask whether these credentials may create namespaces: %s' % errors['access_review'],
            'may create namespaces')
    else:
        result_checks['permissions'] = check_permissions(access_review)

    if 'storage_classes' in errors:
        result_checks['storage_class'] = checks.make_check(
            checks.UNKNOWN, 'cannot list the StorageClasses: %s' % errors['storage_classes'], 'a default StorageClass')
    else:
        result_checks['storage_class'] = check_storage_class(storage_classes)

    for summary in summaries:
        summary.pop('fargate', None)
    result = {
        'server_version': git_version,
        'version': parsed['version'] if parsed else None,
        'environment': environment,
        'environment_evidence': evidence,
        'nodes': summaries,
        'checks': result_checks,
        'reachable': True,
    }
    result['status'] = checks.overall_status(result_checks)
    return result


# --- kubectl --------------------------------------------------------------------------------------

def clean_message(text, limit=600):
    """The useful part of kubectl's stderr: no klog lines, no secrets, bounded length."""
    lines = [line.strip() for line in (text or '').splitlines()]
    lines = [line for line in lines if line and not _KLOG_RE.match(line)]
    message = ' '.join(lines) or 'no message'
    message = _SECRET_RE.sub(lambda m: m.group(1) + '<redacted>', message)
    return message if len(message) <= limit else message[:limit] + '...'


def find_kubeconfig(option, environ, home=None):
    """Decide which kubeconfig kubectl will use, or raise ClusterError saying exactly what is missing.

    Returns the path given as the option, else None (kubectl then reads ``KUBECONFIG``, ``~/.kube/config``
    or the in-cluster service account, which this function has checked exist).
    """
    if option:
        if not os.path.isfile(option):
            raise ClusterError('the kubeconfig %s does not exist (option kubeconfig)' % option)
        return option
    env_value = environ.get('KUBECONFIG')
    if env_value:
        paths = [p for p in env_value.split(os.pathsep) if p]
        if not any(os.path.isfile(p) for p in paths):
            raise ClusterError('KUBECONFIG=%s names no existing file' % env_value)
        return None
    default = os.path.join(home or os.path.expanduser('~'), '.kube', 'config')
    if os.path.isfile(default):
        return None
    if environ.get('KUBERNETES_SERVICE_HOST') and \
            os.path.isfile('/var/run/secrets/kubernetes.io/serviceaccount/token'):
        return None
    raise ClusterError('no kubeconfig: the kubeconfig option is not set, KUBECONFIG is not set and %s does not '
                       'exist, so there is no cluster to ask' % default)


class Kubectl(object):
    """Runs kubectl with list arguments, JSON output and a request timeout."""

    def __init__(self, run, binary, kubeconfig=None, context=None, timeout=10):
        self.run = run
        self.base = [binary]
        if kubeconfig:
            self.base += ['--kubeconfig', kubeconfig]
        if context:
            self.base += ['--context', context]
        self.base += ['--request-timeout', '%ds' % int(timeout)]

    def _json(self, args, data=None):
        rc, out, err = self.run(self.base + args, data=data)
        if rc != 0:
            raise ClusterError(clean_message(err or out))
        try:
            return json.loads(out)
        except ValueError:
            raise ClusterError('kubectl printed something that is not JSON: %s' % clean_message(out, 200))

    def config(self):
        """The current context and server of the kubeconfig (credentials stay redacted)."""
        view = self._json(['config', 'view', '--minify', '-o', 'json'])
        context = ((view.get('contexts') or [{}])[0] or {}).get('name') or view.get('current-context')
        server = (((view.get('clusters') or [{}])[0] or {}).get('cluster') or {}).get('server')
        return context, server

    def get_raw(self, path):
        return self._json(['get', '--raw', path])

    def create_raw(self, path, body):
        return self._json(['create', '--raw', path, '-f', '-'], data=json.dumps(body))


def access_review_body(verb='create', resource='namespaces', group=''):
    return {
        'apiVersion': 'authorization.k8s.io/v1',
        'kind': 'SelfSubjectAccessReview',
        'spec': {'resourceAttributes': {'verb': verb, 'resource': resource, 'group': group}},
    }


def gather(kubectl, **options):
    """Ask the cluster through ``kubectl`` (a :class:`Kubectl`) and evaluate; never raises ClusterError."""
    try:
        context, server = kubectl.config()
    except ClusterError as exc:
        return unknown_facts('kubectl cannot use the kubeconfig: %s' % exc)
    where = 'the API server %s (context %s)' % (server or 'unknown', context or 'unknown')
    try:
        version_obj = kubectl.get_raw('/version')
    except ClusterError as exc:
        message = str(exc)
        if 'Unauthorized' in message or 'must be logged in' in message:
            text = '%s rejected the credentials: %s' % (where, message)
        elif 'x509' in message or 'certificate' in message:
            text = 'the TLS certificate of %s was not trusted: %s' % (where, message)
        else:
            text = '%s did not answer: %s' % (where, message)
        result = unknown_facts(text)
        result['server'] = server
        result['context'] = context
        return result

    errors = {}
    answers = {}
    for key, call in (('nodes', lambda: kubectl.get_raw('/api/v1/nodes')),
                      ('api_groups', lambda: kubectl.get_raw('/apis')),
                      ('storage_classes', lambda: kubectl.get_raw('/apis/storage.k8s.io/v1/storageclasses')),
                      ('access_review', lambda: kubectl.create_raw(
                          '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', access_review_body()))):
        try:
            answers[key] = call()
        except ClusterError as exc:
            errors[key] = str(exc)
    groups = [g.get('name') for g in (answers.get('api_groups') or {}).get('groups') or [] if isinstance(g, dict)]
    result = evaluate(version_obj, answers.get('nodes'), groups, answers.get('storage_classes'),
                      answers.get('access_review'), errors, **options)
    result['server'] = server
    result['context'] = context
    return result
