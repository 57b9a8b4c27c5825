# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster as cluster_info asks it: options, kubectl and kubeconfig, the requests, the checks.

With no kubeconfig, no kubectl or no answer every check is ``unknown`` with what is missing; only
a misused option raises (UsageError). Private to this collection; never imports AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._admission_pod import memory_bytes, validate_namespace
from ansible_collections.pixie_ops.preflight.plugins.module_utils._bounded_run import BoundedRunner, Deadline
from ansible_collections.pixie_ops.preflight.plugins.module_utils._cluster_checks import evaluate, unknown_facts
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import (
    ClusterError, K8sNameError, QuantityError, UsageError, VersionError)
from ansible_collections.pixie_ops.preflight.plugins.module_utils._k8s_objects import kubernetes_version
from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import Kubectl, access_review_body, find_kubeconfig
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import MIN_SECRET_LENGTH

# How long kubectl may run past its own --request-timeout before it is killed.
KILL_GRACE = 5

# The requests beyond /version, in order: answer key -> (verb, path).
REQUESTS = (
    ('nodes', 'get', '/api/v1/nodes'),
    ('api_groups', 'get', '/apis'),
    ('storage_classes', 'get', '/apis/storage.k8s.io/v1/storageclasses'),
    ('access_review', 'create', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'),
)


def argument_spec():
    """The options of cluster_info (and of the deprecated cluster_facts)."""
    return dict(
        kubeconfig=dict(type='path'),
        context=dict(type='str'),
        kubectl=dict(type='path'),
        min_k8s_version=dict(type='str', default=requirements.MIN_K8S_VERSION),
        min_kernel_version=dict(type='str', default=requirements.MIN_KERNEL_VERSION),
        supported_architectures=dict(type='list', elements='str', default=list(requirements.SUPPORTED_ARCHITECTURES)),
        timeout=dict(type='int', default=requirements.KUBECTL_TIMEOUT),
        admission=dict(type='bool', default=True),
        namespace=dict(type='str', default=requirements.PIXIE_NAMESPACE),
        pem_memory_limit=dict(type='str', default=requirements.PEM_MEMORY_LIMIT),
    )


def validate_options(params):
    """Raise UsageError naming the misused option."""
    for name, parse in (('min_k8s_version', kubernetes_version),
                        ('min_kernel_version', versions.parse_version),
                        ('namespace', validate_namespace),
                        ('pem_memory_limit', memory_bytes)):
        try:
            parse(params[name])
        except (VersionError, K8sNameError, QuantityError) as exc:
            raise UsageError('option %s: %s' % (name, exc))
    if params['timeout'] < 1:
        raise UsageError('option timeout: must be at least 1 second, got %d' % params['timeout'])
    if not params['supported_architectures']:
        raise UsageError('option supported_architectures: must name at least one architecture')


def _unanswered(message, where):
    """``/version`` failed: why, in words."""
    if 'Unauthorized' in message or 'must be logged in' in message:
        return '%s rejected the credentials: %s' % (where, message)
    if 'x509' in message or 'certificate' in message:
        return 'the TLS certificate of %s was not trusted: %s' % (where, message)
    return '%s did not answer: %s' % (where, message)


def _ask(kubectl):
    """Every request of :data:`REQUESTS`: ``(answers, errors)``, keyed like the requests."""
    answers, errors = {}, {}
    for key, verb, path in REQUESTS:
        try:
            if verb == 'create':
                answers[key] = kubectl.create_raw(path, access_review_body())
            else:
                answers[key] = kubectl.get_raw(path)
        except ClusterError as exc:
            errors[key] = str(exc)
    return answers, errors


def gather(kubectl, **options):
    """Ask the cluster through ``kubectl`` (a ``_kubectl.Kubectl``) and evaluate; never raises ClusterError."""
    try:
        context, server = kubectl.config()
    except ClusterError as exc:
        return unknown_facts('kubectl cannot use the kubeconfig: %s' % exc)
    try:
        version_obj = kubectl.get_raw('/version')
    except ClusterError as exc:
        result = unknown_facts(_unanswered(str(exc), 'the API server %s (context %s)'
                                           % (server or 'unknown', context or 'unknown')))
    else:
        answers, errors = _ask(kubectl)
        listed = answers.get('api_groups')
        listed = listed.get('groups') if isinstance(listed, dict) else None
        groups = [g.get('name') for g in listed or [] if isinstance(g, dict) and isinstance(g.get('name'), str)]
        result = evaluate(version_obj, answers.get('nodes'), groups, answers.get('storage_classes'),
                          answers.get('access_review'), errors, **options)
    result['server'] = server
    result['context'] = context
    return result


def deadline_seconds(timeout, admission=False):
    """The whole module run's deadline: every kubectl call (kubeconfig, /version, the requests, and
    with ``admission`` the most the dry runs make) at ``timeout`` each, and the grace once."""
    calls = 2 + len(REQUESTS) + (_admission.MAX_REQUESTS if admission else 0)
    return calls * timeout + KILL_GRACE


def _kubectl_binary(option, get_bin_path, environ):
    binary = option or get_bin_path('kubectl')
    if not binary:
        raise ClusterError('kubectl was not found on PATH (%s); install kubectl or set the kubectl option'
                           % environ.get('PATH', ''))
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        raise ClusterError('kubectl %s does not exist or is not executable' % binary)
    return binary


def cluster_info(params, get_bin_path, environ, run=None, secrets=None):
    """The cluster result from module options. Raises UsageError only.

    ``get_bin_path(name)`` finds a binary on PATH or returns None. ``run(args, data=None) -> (rc,
    stdout, stderr)`` runs a command; by default a ``_bounded_run.BoundedRunner``: kubectl with
    ``LC_ALL=C``, killed (its process group with it) ``KILL_GRACE`` seconds after its request timeout
    and at the module's deadline (:func:`deadline_seconds`), its output bounded. ``secrets``, a
    set, receives the credentials of the kubeconfig, for the caller to mask.
    """
    validate_options(params)
    if run is None:
        deadline = Deadline(deadline_seconds(params['timeout'], params['admission']))
        run = BoundedRunner(deadline, limit=params['timeout'] + KILL_GRACE, environ=environ)
    kubectl = None
    try:
        binary = _kubectl_binary(params['kubectl'], get_bin_path, environ)
        kubeconfig = find_kubeconfig(params['kubeconfig'], environ)
    except ClusterError as exc:
        result = unknown_facts(str(exc))
    else:
        kubectl = Kubectl(run, binary, kubeconfig, params['context'], params['timeout'], secrets)
        result = gather(kubectl, min_k8s_version=params['min_k8s_version'],
                        min_kernel_version=params['min_kernel_version'],
                        supported_architectures=params['supported_architectures'])
    return _admission.extend(result, kubectl, params['namespace'], params['admission'], params['pem_memory_limit'])


def from_module(module, environ):
    """:func:`cluster_info` for an AnsibleModule (given, never imported here): its options and its
    ``get_bin_path``; the kubeconfig's credentials join its ``no_log_values``. kubectl does not run
    through ``run_command``, which has no deadline."""
    secrets = set()
    try:
        return cluster_info(module.params, module.get_bin_path, environ, secrets=secrets)
    finally:
        module.no_log_values.update(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
