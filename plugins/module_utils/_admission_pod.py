# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifests of the admission dry runs: the pod of Pixie's node agent and a namespace.

The PEM pod spec follows Pixie's own manifests (pixie-io/pixie): ``k8s/vizier/pem/base/pem_daemonset.yaml``
(privileged, SYS_ADMIN and SYS_PTRACE, hostPID, hostNetwork, the ``/sys`` hostPath, tolerations, node
affinity), ``k8s/vizier/pem/pem_host_mounts.yaml`` (the ``/`` hostPath mounted at ``/host``),
``k8s/vizier/pem/base/arch_tolerations/daemonset.yaml``, the ``app``/``component`` labels of
``k8s/vizier/pem/base/kustomization.yaml``, and the memory limit and request ``defaultMemoryLimit = "2Gi"``
of ``src/utils/template_generator/vizier_yamls/vizier_yamls.go`` (``requirements.PEM_MEMORY_LIMIT``).
Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import K8sNameError, QuantityError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._quantities import parse_quantity

POD_NAME = 'vizier-pem-preflight-dry-run'
PEM_IMAGE = 'gcr.io/pixie-oss/pixie-dev/vizier/pem_image:latest'
_DNS_LABEL_RE = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')

_AFFINITY = {'nodeAffinity': {'requiredDuringSchedulingIgnoredDuringExecution': {'nodeSelectorTerms': [
    {'matchExpressions': [{'key': 'kubernetes.io/os', 'operator': 'Exists'},
                          {'key': 'kubernetes.io/os', 'operator': 'In', 'values': ['linux']}]},
    {'matchExpressions': [{'key': 'beta.kubernetes.io/os', 'operator': 'Exists'},
                          {'key': 'beta.kubernetes.io/os', 'operator': 'In', 'values': ['linux']}]},
]}}}
_TOLERATIONS = [
    {'key': 'node-role.kubernetes.io/master', 'effect': 'NoSchedule'},
    {'operator': 'Exists', 'effect': 'NoExecute'},
    {'operator': 'Exists', 'effect': 'NoSchedule'},
    {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'amd64', 'effect': 'NoSchedule'},
    {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'amd64', 'effect': 'NoExecute'},
    {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'arm64', 'effect': 'NoSchedule'},
    {'key': 'kubernetes.io/arch', 'operator': 'Equal', 'value': 'arm64', 'effect': 'NoExecute'},
]
_INIT_CONTAINER = {
    'name': 'qb-wait',
    'image': 'gcr.io/pixie-oss/pixie-dev-public/curl:multiarch-7.87.0',
    'command': ['sh', '-c', 'true'],
    'securityContext': {'allowPrivilegeEscalation': False, 'capabilities': {'drop': ['ALL']},
                        'seccompProfile': {'type': 'RuntimeDefault'}},
}
_VOLUMES = [
    {'name': 'sys', 'hostPath': {'path': '/sys', 'type': 'Directory'}},
    {'name': 'certs', 'secret': {'secretName': 'service-tls-certs'}},
    {'name': 'host-root', 'hostPath': {'path': '/', 'type': 'Directory'}},
]


def validate_namespace(name):
    """Raise K8sNameError (a ValueError) unless ``name`` is a valid namespace name (an RFC 1123 label)."""
    if not isinstance(name, str) or len(name) > 63 or not _DNS_LABEL_RE.match(name):
        raise K8sNameError('%r is not a namespace name (lower-case letters, digits and "-", at most 63)' % (name,))
    return name


def memory_bytes(quantity):
    """Bytes of a memory quantity (``2Gi``); QuantityError (a ValueError) when it is none or not positive."""
    value = parse_quantity(quantity)
    if value <= 0:
        raise QuantityError('a memory limit must be positive, got %r' % (quantity,))
    return value


def _pem_container(memory_limit):
    return {
        'name': 'pem',
        'image': PEM_IMAGE,
        'env': [
            {'name': 'PL_HOST_PATH', 'value': '/host'},
            {'name': 'PL_POD_NAME', 'valueFrom': {'fieldRef': {'fieldPath': 'metadata.name'}}},
            {'name': 'PL_HOST_IP', 'valueFrom': {'fieldRef': {'fieldPath': 'status.hostIP'}}},
            {'name': 'PL_JWT_SIGNING_KEY',
             'valueFrom': {'secretKeyRef': {'key': 'jwt-signing-key', 'name': 'pl-cluster-secrets'}}},
        ],
        'resources': {'limits': {'memory': memory_limit}, 'requests': {'memory': memory_limit}},
        'securityContext': {
            'capabilities': {'add': ['SYS_PTRACE', 'SYS_ADMIN']},
            'privileged': True,
            'seccompProfile': {'type': 'RuntimeDefault'},
        },
        'volumeMounts': [
            {'name': 'sys', 'mountPath': '/sys', 'readOnly': True},
            {'name': 'certs', 'mountPath': '/certs'},
            {'name': 'host-root', 'mountPath': '/host', 'readOnly': True},
        ],
    }


def pem_pod(namespace, memory_limit=requirements.PEM_MEMORY_LIMIT):
    """The Pod Pixie's ``vizier-pem`` DaemonSet creates, as the body of a dry-run create."""
    return {
        'apiVersion': 'v1',
        'kind': 'Pod',
        'metadata': {
            'name': POD_NAME,
            'namespace': namespace,
            'labels': {'name': 'vizier-pem', 'plane': 'data', 'app': 'pl-monitoring', 'component': 'vizier'},
        },
        'spec': {
            'affinity': copy.deepcopy(_AFFINITY),
            'tolerations': copy.deepcopy(_TOLERATIONS),
            'initContainers': [copy.deepcopy(_INIT_CONTAINER)],
            'containers': [_pem_container(memory_limit)],
            'securityContext': {'seccompProfile': {'type': 'RuntimeDefault'}},
            'hostPID': True,
            'hostNetwork': True,
            'dnsPolicy': 'ClusterFirstWithHostNet',
            'terminationGracePeriodSeconds': 10,
            'volumes': copy.deepcopy(_VOLUMES),
        },
    }


def without_resources(pod):
    """The same pod without its memory request and limit (to ask past a LimitRange)."""
    pod = copy.deepcopy(pod)
    for container in pod['spec']['containers']:
        container.pop('resources', None)
    return pod


def namespace_manifest(name):
    return {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': name}}
