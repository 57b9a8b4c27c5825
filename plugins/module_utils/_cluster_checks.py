# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster checks: one pure function per check id over the API objects, and ``evaluate``.

``evaluate`` builds what cluster_info returns as ``cluster`` (the ``pixie_cluster`` fact of the
deprecated cluster_facts) from the objects kubectl printed. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._environments import (
    ENVIRONMENT_REMEDIES, ENVIRONMENTS, classify_environment)
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import VersionError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._k8s_objects import (
    default_storage_classes, items, name, node_summary, obj, server_version, text)
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import sanitize

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
# The checks that need the node list.
NODE_CHECK_IDS = ('node_kernels', 'node_architectures', 'node_os', 'fargate_nodes')


def _named(names):
    return ', '.join(str(n) for n in names)


def check_k8s_version(parsed, git_version, min_k8s_version):
    expected = '>= %s' % min_k8s_version
    if parsed is None:
        return checks.make_check(checks.UNKNOWN, 'the server version is unknown', expected, git_version)
    if versions.at_least(parsed['version'], min_k8s_version):
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
    for node in linux:
        try:
            if not versions.at_least(node['kernel_version'], min_kernel_version):
                old.append('%s (%s)' % (node['name'], node['kernel_version']))
        except VersionError:
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
    fargate = [n['name'] or '(no name)' for n in summaries if n['fargate']]
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
    status = obj(obj(review).get('status'))
    if status.get('allowed') is True:
        return checks.make_check(checks.PASS, 'these credentials may create namespaces (needed by the Pixie deploy)',
                                 expected, 'allowed')
    why = sanitize(text(status.get('reason')) or text(status.get('evaluationError')) or 'no rule allows it', 300)
    return checks.make_check(
        checks.FAIL, 'these credentials may not create namespaces, which the Pixie deploy needs: %s' % why,
        expected, 'denied', 'Deploy Pixie with credentials bound to cluster-admin (or a role that may create '
        'namespaces and cluster-scoped RBAC).')


def check_storage_class(storage_classes):
    expected = 'a default StorageClass'
    names = [name(i) or '(no name)' for i in items(storage_classes)]
    default = [n or '(no name)' for n in default_storage_classes(storage_classes)]
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


def _version_check(version_obj, min_k8s_version):
    """``(gitVersion, parsed or None, the k8s_version check)``."""
    try:
        git_version, parsed = server_version(version_obj)
    except VersionError as exc:
        git_version = text(obj(version_obj).get('gitVersion'))
        return git_version, None, checks.make_check(checks.UNKNOWN, str(exc), '>= %s' % min_k8s_version, git_version)
    return git_version, parsed, check_k8s_version(parsed, git_version, min_k8s_version)


def _node_items(nodes_obj, errors):
    """The Node objects of the node list answer; records a broken answer in ``errors``."""
    if 'nodes' in errors:
        return []
    if not isinstance(obj(nodes_obj).get('items'), list):
        errors['nodes'] = 'the node list answer has no items'
        return []
    return items(nodes_obj)


def _node_checks(environment, summaries, errors, min_kernel_version, supported_architectures):
    if 'nodes' in errors or not summaries:
        msg = ('cannot list the nodes: %s' % errors['nodes'] if 'nodes' in errors
               else 'the cluster has no nodes (yet) to check')
        return dict((check_id, checks.make_check(checks.UNKNOWN, msg)) for check_id in NODE_CHECK_IDS)
    return {
        'node_kernels': check_node_kernels(summaries, min_kernel_version),
        'node_architectures': check_node_architectures(summaries, supported_architectures),
        'node_os': check_node_os(summaries),
        'fargate_nodes': check_fargate_nodes(environment, summaries),
    }


def _answer_checks(storage_classes, access_review, errors):
    """The checks of the permission and StorageClass answers (``unknown`` when the request failed)."""
    if 'access_review' in errors:
        permissions = checks.make_check(
            checks.UNKNOWN, 'cannot ask whether these credentials may create namespaces: %s' % errors['access_review'],
            'may create namespaces')
    else:
        permissions = check_permissions(access_review)
    if 'storage_classes' in errors:
        storage = checks.make_check(
            checks.UNKNOWN, 'cannot list the StorageClasses: %s' % errors['storage_classes'], 'a default StorageClass')
    else:
        storage = check_storage_class(storage_classes)
    return {'permissions': permissions, 'storage_class': storage}


def evaluate(version_obj, nodes_obj, api_groups, storage_classes, access_review, errors=None,
             min_k8s_version=requirements.MIN_K8S_VERSION, min_kernel_version=requirements.MIN_KERNEL_VERSION,
             supported_architectures=None):
    """Build the cluster result (``cluster`` of cluster_info) from the API objects.

    ``errors`` maps ``nodes``/``api_groups``/``storage_classes``/``access_review`` to the message of a
    request that failed; the checks that need it are ``unknown`` with that message.
    """
    errors = dict(errors or {})
    if supported_architectures is None:
        supported_architectures = list(requirements.SUPPORTED_ARCHITECTURES)
    result_checks = {}
    git_version, parsed, result_checks['k8s_version'] = _version_check(version_obj, min_k8s_version)
    nodes = _node_items(nodes_obj, errors)
    summaries = [node_summary(n, min_kernel_version, supported_architectures) for n in nodes]

    environment, evidence = classify_environment(git_version, nodes, api_groups or [])
    for key, what in (('api_groups', 'API groups'), ('nodes', 'nodes')):
        if key in errors:
            evidence.append('%s not read: %s' % (what, errors[key]))
    result_checks['environment'] = check_environment(environment, evidence)
    result_checks.update(_node_checks(environment, summaries, errors, min_kernel_version, supported_architectures))
    result_checks.update(_answer_checks(storage_classes, access_review, errors))

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
