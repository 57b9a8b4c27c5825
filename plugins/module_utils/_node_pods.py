# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight pods of pod mode, as data: which nodes get one, the manifests, the rights, the labels.

Pod mode checks every node of a cluster without SSH: one short-lived pod per Linux node, pinned to it
by ``spec.nodeName``, tolerating every taint, with the host's ``/`` mounted read-only at ``/host`` and
the host's PID namespace; Ansible reaches it through the ``kubernetes.core.kubectl`` connection.
Everything here is pure (API objects in, manifests and words out). Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s

MANAGED_BY = 'app.kubernetes.io/managed-by'
MANAGER = 'pixie-preflight'
SELECTOR = '%s=%s' % (MANAGED_BY, MANAGER)
# The same selector, escaped for a query string.
SELECTOR_QUERY = 'labelSelector=app.kubernetes.io%2Fmanaged-by%3Dpixie-preflight'
NODE_ANNOTATION = 'pixie-preflight/node'
CONTAINER = 'preflight'
NAMESPACE = 'pixie-preflight'
IMAGE = 'docker.io/library/python:3.13-slim-bookworm'
START_TIMEOUT = 120
LIFETIME = 3600
POD_PREFIX = 'pixie-preflight-'
HOST_MOUNT = '/host'
REQUESTS = {'cpu': '10m', 'memory': '32Mi'}
LIMITS = {'memory': '256Mi'}
_LABELS = {MANAGED_BY: MANAGER, 'app.kubernetes.io/name': 'pixie-preflight', 'app.kubernetes.io/component': 'node-check'}
_NOT_NAME_RE = re.compile(r'[^a-z0-9-]+')

# Every right the run uses: (verb, resource, subresource, namespaced). The namespace rights only when
# the run creates (and so deletes) its namespace; pods/exec is what the kubectl connection does
# (create, and get for the WebSocket upgrade newer kubectl versions use).
NAMESPACE_RIGHTS = (('create', 'namespaces', '', False), ('get', 'namespaces', '', False),
                    ('list', 'namespaces', '', False), ('delete', 'namespaces', '', False))
RIGHTS = (('list', 'nodes', '', False),) + NAMESPACE_RIGHTS + (
    ('create', 'pods', '', True), ('get', 'pods', '', True), ('list', 'pods', '', True),
    ('delete', 'pods', '', True), ('create', 'pods', 'exec', True), ('get', 'pods', 'exec', True))


def rights(create_namespace=True):
    """The rights a run needs: ``[(verb, resource, subresource, namespaced)]``."""
    return [right for right in RIGHTS if create_namespace or right not in NAMESPACE_RIGHTS]


def right_text(right, namespace):
    verb, resource, subresource, namespaced = right
    what = '%s/%s' % (resource, subresource) if subresource else resource
    return '%s %s%s' % (verb, what, (' in namespace %s' % namespace) if namespaced else '')


def access_review(right, namespace):
    """The SelfSubjectAccessReview asking for one right."""
    verb, resource, subresource, namespaced = right
    attributes = {'verb': verb, 'resource': resource, 'group': ''}
    if subresource:
        attributes['subresource'] = subresource
    if namespaced:
        attributes['namespace'] = namespace
    return {'apiVersion': 'authorization.k8s.io/v1', 'kind': 'SelfSubjectAccessReview',
            'spec': {'resourceAttributes': attributes}}


def allowed(answer):
    """Whether a SelfSubjectAccessReview answer allows, and the server's reason when it says one."""
    status = k8s.obj(k8s.obj(answer).get('status'))
    return status.get('allowed') is True, k8s.text(status.get('reason')) or k8s.text(status.get('evaluationError'))


def pod_name(node):
    """The pod of a node: ``pixie-preflight-<node>``, a DNS label (at most 63 characters; a long or
    odd name is cut and made unique by a hash of the node name)."""
    base = _NOT_NAME_RE.sub('-', node.lower()).strip('-')
    name = POD_PREFIX + base
    if len(name) <= 63 and base == node:
        return name
    digest = hashlib.sha1(node.encode('utf-8')).hexdigest()[:8]
    return (POD_PREFIX + base)[:63 - 9].rstrip('-') + '-' + digest


def _ready_condition(node):
    for condition in k8s.obj(k8s.obj(node).get('status')).get('conditions') or []:
        if isinstance(condition, dict) and condition.get('type') == 'Ready':
            return condition
    return None


def node_os(node):
    found = k8s.labels(node)
    return (found.get('kubernetes.io/os') or found.get('beta.kubernetes.io/os')
            or k8s.text(k8s.node_info(node).get('operatingSystem')) or 'unknown')


def skip_reason(node):
    """Why a node gets no pod and is not checked (a skipped row), or None."""
    found = k8s.labels(node)
    operating_system = node_os(node)
    if operating_system != 'linux':
        return '%s node: Pixie runs on Linux nodes only, so it is not checked' % operating_system
    if found.get(k8s.FARGATE_LABEL) == 'fargate':
        return 'EKS Fargate node: no pod can be pinned to it and Pixie cannot run there (see the fargate_nodes check)'
    if found.get('type') == 'virtual-kubelet':
        return 'virtual-kubelet node: it has no host to check'
    return None


def not_ready_reason(node):
    """Why a Linux node cannot run a pod now (its Ready condition is False or Unknown), or None (a node
    that reports no Ready condition gets its pod: whether it runs says the rest)."""
    condition = _ready_condition(node)
    if condition is None or condition.get('status') == 'True':
        return None
    parts = [k8s.text(condition.get('reason')), k8s.text(condition.get('message'))]
    return 'the node is not Ready (Ready=%s%s)' % (
        k8s.text(condition.get('status')) or 'unknown', ''.join(': %s' % part for part in parts if part))


def plan(node_list):
    """The nodes of a NodeList answer, sorted by name: ``[{name, os, pod, skip, not_ready}]``."""
    planned = []
    for node in k8s.items(node_list):
        name = k8s.name(node)
        if not name:
            continue
        skip = skip_reason(node)
        planned.append({'name': name, 'os': node_os(node), 'pod': None if skip else pod_name(name), 'skip': skip,
                        'not_ready': None if skip else not_ready_reason(node)})
    return sorted(planned, key=lambda item: item['name'])


def namespace_manifest(namespace):
    labels = {MANAGED_BY: MANAGER, 'pod-security.kubernetes.io/enforce': 'privileged',
              'pod-security.kubernetes.io/warn': 'privileged', 'pod-security.kubernetes.io/audit': 'privileged'}
    return {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace, 'labels': labels}}


def pod_manifest(node, namespace, image=IMAGE, lifetime=LIFETIME, pull_secrets=(), host_network_probe=False):
    """The pod that checks ``node``. ``host_network_probe`` makes it privileged, so that a probe can
    enter the host's network namespace (``nsenter -t 1 -n``)."""
    security = {'privileged': True} if host_network_probe else {'allowPrivilegeEscalation': False}
    container = {
        'name': CONTAINER,
        'image': image,
        'imagePullPolicy': 'IfNotPresent',
        'command': ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep %d & wait' % int(lifetime)],
        'resources': {'requests': dict(REQUESTS), 'limits': dict(LIMITS)},
        'securityContext': security,
        'volumeMounts': [{'name': 'host-root', 'mountPath': HOST_MOUNT, 'readOnly': True}],
    }
    spec = {
        'nodeName': node,
        'hostPID': True,
        'restartPolicy': 'Never',
        'activeDeadlineSeconds': int(lifetime),
        'terminationGracePeriodSeconds': 1,
        'automountServiceAccountToken': False,
        'enableServiceLinks': False,
        'tolerations': [{'operator': 'Exists'}],
        'containers': [container],
        'volumes': [{'name': 'host-root', 'hostPath': {'path': '/', 'type': 'Directory'}}],
    }
    if pull_secrets:
        spec['imagePullSecrets'] = [{'name': secret} for secret in pull_secrets]
    return {'apiVersion': 'v1', 'kind': 'Pod',
            'metadata': {'name': pod_name(node), 'namespace': namespace, 'labels': dict(_LABELS),
                         'annotations': {NODE_ANNOTATION: node}},
            'spec': spec}
