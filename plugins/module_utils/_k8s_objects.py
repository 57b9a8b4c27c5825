# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the cluster checks read from Kubernetes API objects: the server version (and a Kubernetes
version as the cluster facts show it), node summaries, the default StorageClasses.

Pure functions over the JSON ``kubectl`` prints. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import QuantityError, VersionError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._quantities import parse_quantity

FARGATE_LABEL = 'eks.amazonaws.com/compute-type'
DEFAULT_CLASS_ANNOTATIONS = (
    'storageclass.kubernetes.io/is-default-class',
    'storageclass.beta.kubernetes.io/is-default-class',
)
# The pre-release tag of a Kubernetes version's suffix (``-rc.1`` of ``v1.30.0-rc.1``).
_PRERELEASE_RE = re.compile(r'^-((?:alpha|beta|rc)\.?\d*)')


def obj(value):
    """``value`` when it is an object (a dict), else an empty one: API answers of any shape are read safely."""
    return value if isinstance(value, dict) else {}


def text(value):
    """``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def items(answer):
    """The objects of a list answer (``{"items": [...]}``); anything else in it is left out."""
    found = obj(answer).get('items')
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def labels(node):
    found = obj(obj(obj(node).get('metadata')).get('labels'))
    return dict((k, v) for k, v in found.items() if isinstance(k, str) and isinstance(v, str))


def node_info(node):
    return obj(obj(obj(node).get('status')).get('nodeInfo'))


def name(item):
    return text(obj(obj(item).get('metadata')).get('name'))


def provider_id(node):
    return text(obj(obj(node).get('spec')).get('providerID')) or ''


def os_image(node):
    return text(node_info(node).get('osImage'))


def kubernetes_version(value):
    """A Kubernetes ``gitVersion`` (``v1.27.4-eks-2d98532``) or minimum (``1.16``) as the cluster facts show it.

    Returns ``{major, minor, patch, suffix, prerelease, version}``: ``version`` is ``X.Y.Z``, vendor
    suffixes (``-eks-…``, ``-gke.N``, ``+k3s1``) stay in ``suffix``, ``prerelease`` is the
    ``-alpha.N``/``-beta.N``/``-rc.N`` tag or None. Needs at least ``major.minor`` and no space in
    the suffix; raises VersionError otherwise.
    """
    version = versions.try_parse(value)
    if version is None or len(version.numbers) < 2 or len(value.split()) != 1:
        raise VersionError('not a Kubernetes version: %r' % (value,))
    prerelease = _PRERELEASE_RE.match(version.suffix)
    major, minor, patch = version.padded(3)[:3]
    return {
        'major': major,
        'minor': minor,
        'patch': patch,
        'suffix': version.suffix,
        'prerelease': prerelease.group(1) if prerelease else None,
        'version': version.triple(),
    }


def server_version(version_obj):
    """``(gitVersion, parsed)`` from a ``/version`` object; falls back on ``major``/``minor``.

    ``parsed`` is :func:`kubernetes_version`'s dict; VersionError when neither is usable.
    """
    if not isinstance(version_obj, dict):
        raise VersionError('the /version answer is not an object')
    git_version = text(version_obj.get('gitVersion'))
    try:
        return git_version, kubernetes_version(git_version)
    except VersionError:
        major = re.sub(r'\D', '', str(version_obj.get('major') or ''))
        minor = re.sub(r'\D', '', str(version_obj.get('minor') or ''))
        if not major or not minor:
            raise VersionError('the /version answer has no usable version: gitVersion %r' % (git_version,))
        return git_version, kubernetes_version('%s.%s' % (major, minor))


def _memory_mib(node):
    memory = obj(obj(obj(node).get('status')).get('allocatable')).get('memory')
    try:
        return parse_quantity(memory) // (2 ** 20) if memory is not None else None
    except QuantityError:
        return None


def _unsupported(summary, operating_system, architecture, min_kernel_version, supported_architectures):
    """Why Pixie cannot run on a summarised node, or None."""
    if summary['fargate']:
        return 'EKS Fargate node: Fargate does not support eBPF'
    if summary['operating_system'] != 'linux':
        shown = operating_system or 'unknown OS'
        return '%s node: Pixie runs on Linux nodes only' % (shown[:1].upper() + shown[1:])
    reasons = []
    supported = set(requirements.canonical_architecture(a) for a in supported_architectures)
    if requirements.canonical_architecture(architecture) not in supported:
        reasons.append('architecture %s: Pixie supports %s only'
                       % (architecture or 'unknown', ', '.join(sorted(supported))))
    try:
        if not versions.at_least(summary['kernel_version'], min_kernel_version):
            reasons.append('kernel %s is older than %s' % (summary['kernel_version'], min_kernel_version))
    except VersionError:
        pass
    return '; '.join(reasons) or None


def node_summary(node, min_kernel_version=requirements.MIN_KERNEL_VERSION, supported_architectures=None):
    """One node as the facts show it, with ``unsupported``: None or why Pixie cannot run there."""
    if supported_architectures is None:
        supported_architectures = requirements.SUPPORTED_ARCHITECTURES
    node_labels = labels(node)
    info = node_info(node)
    operating_system = (text(info.get('operatingSystem')) or node_labels.get('kubernetes.io/os')
                        or node_labels.get('beta.kubernetes.io/os') or '')
    architecture = (text(info.get('architecture')) or node_labels.get('kubernetes.io/arch')
                    or node_labels.get('beta.kubernetes.io/arch') or '')
    summary = {
        'name': name(node),
        'kernel_version': text(info.get('kernelVersion')),
        'os_image': os_image(node),
        'operating_system': operating_system.lower() or None,
        'architecture': architecture or None,
        'container_runtime': text(info.get('containerRuntimeVersion')),
        'provider_id': provider_id(node) or None,
        'allocatable_memory_mib': _memory_mib(node),
        'fargate': node_labels.get(FARGATE_LABEL) == 'fargate',
    }
    summary['unsupported'] = _unsupported(summary, operating_system, architecture, min_kernel_version,
                                          supported_architectures)
    return summary


def default_storage_classes(storage_classes):
    """The names of the StorageClasses marked as the default."""
    found = []
    for item in items(storage_classes):
        annotations = obj(obj(item.get('metadata')).get('annotations'))
        if any(str(annotations.get(key, '')).lower() == 'true' for key in DEFAULT_CLASS_ANNOTATIONS):
            found.append(name(item))
    return found
