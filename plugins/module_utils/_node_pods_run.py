# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight pods through kubectl: the rights first, leftovers swept, one pod per node, one wait.

Every call goes through a ``_kubectl.Kubectl`` (list arguments, ``--request-timeout``, the
kubeconfig's secrets masked), which runs kubectl through a ``_bounded_run.BoundedRunner`` (a
deadline, the process group killed, bounded output). Only REST paths (``--raw``) are used, so the
exact requests are the ones documented in the module. Private to this collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods as pods
from ansible_collections.pixie_ops.preflight.plugins.module_utils._bounded_run import BoundedRunner, Deadline
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ClusterError, K8sNameError, UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import Kubectl, clean_message, find_kubeconfig
from ansible_collections.pixie_ops.preflight.plugins.module_utils._admission_pod import validate_namespace
from ansible_collections.pixie_ops.preflight.plugins.module_utils._cluster import KILL_GRACE, _kubectl_binary
from ansible_collections.pixie_ops.preflight.plugins.module_utils._node_pods_status import not_started, pod_state

SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
POLL = 1.0
# kubectl processes at once for the creates and deletes (one per pod): a 300-node cluster is not 300
# sequential kubectl runs.
PARALLEL = 8


def parallel(func, items, workers=PARALLEL):
    """``[func(item) for item in items]``, with up to ``workers`` calls at once (each call runs kubectl)."""
    items = list(items)
    if len(items) < 2:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))


class MissingRights(ClusterError):
    """The credentials lack rights the run needs; ``missing`` lists them in words."""

    def __init__(self, missing):
        self.missing = missing
        super(MissingRights, self).__init__(
            'these credentials lack rights the preflight pods need: %s (the README has a ClusterRole and Role '
            'with exactly these rights); nothing was created' % '; '.join(missing))


def is_not_found(message):
    return '(NotFound)' in message or 'not found' in message


def delete_raw(kubectl, path):
    """DELETE ``path``; True when deleted, False when it was already gone; ClusterError otherwise."""
    rc, out, err = kubectl.call(['delete', '--raw', path])
    if rc == 0:
        return True
    message = clean_message(err or out, secrets=kubectl.secrets)
    if is_not_found(message):
        return False
    raise ClusterError(message)


def get_or_none(kubectl, path):
    try:
        return kubectl.get_raw(path)
    except ClusterError as exc:
        if is_not_found(str(exc)):
            return None
        raise


def check_rights(kubectl, namespace, create_namespace):
    """Ask a SelfSubjectAccessReview for every right the run uses; raise MissingRights naming the
    missing ones."""
    needed = pods.rights(create_namespace)
    answers = parallel(lambda right: kubectl.create_raw(SSAR_PATH, pods.access_review(right, namespace)), needed)
    missing = []
    for right, answer in zip(needed, answers):
        granted, reason = pods.allowed(answer)
        if not granted:
            missing.append(pods.right_text(right, namespace) + (' (%s)' % reason if reason else ''))
    if missing:
        raise MissingRights(missing)


def _pods_path(namespace, name=None):
    path = '/api/v1/namespaces/%s/pods' % namespace
    return '%s/%s' % (path, name) if name else '%s?%s' % (path, pods.SELECTOR_QUERY)


def labelled_pods(kubectl, namespace):
    return k8s.items(get_or_none(kubectl, _pods_path(namespace)))


def delete_pods(kubectl, namespace, deadline, sleep):
    """Delete every labelled pod of ``namespace`` and wait until they are gone (or the deadline):
    ``(deleted names, names still there)``."""
    names = [name for name in (k8s.name(pod) for pod in labelled_pods(kubectl, namespace)) if name]
    done = parallel(lambda name: delete_raw(kubectl, _pods_path(namespace, name)), names)
    deleted = [name for name, gone in zip(names, done) if gone]
    left = [k8s.name(pod) for pod in labelled_pods(kubectl, namespace)]
    while left and deadline.left() > POLL:
        sleep(POLL)
        left = [k8s.name(pod) for pod in labelled_pods(kubectl, namespace)]
    return deleted, left


def ensure_namespace(kubectl, namespace, deadline, sleep):
    """Create the namespace, or reuse the one an earlier run left (labelled ours); True when created."""
    path = '/api/v1/namespaces/%s' % namespace
    found = get_or_none(kubectl, path)
    while found is not None and k8s.obj(found.get('status')).get('phase') == 'Terminating' and deadline.left() > POLL:
        sleep(POLL)
        found = get_or_none(kubectl, path)
    if found is None:
        kubectl.create_raw('/api/v1/namespaces', pods.namespace_manifest(namespace))
        return True
    if k8s.labels(found).get(pods.MANAGED_BY) != pods.MANAGER:
        raise ClusterError('the namespace %s exists and is not the preflight\'s (no label %s): set '
                           'pixie_preflight_pods_namespace to another name, or pixie_preflight_pods_create_namespace '
                           'to false to use it as it is' % (namespace, pods.SELECTOR))
    return False


def _create_pod(kubectl, node, namespace, options):
    """POST the pod of one planned node, unless it gets none; update the node with what happened."""
    if node['skip']:
        node.update(phase=None, ready=False, running=False, final=True, reason=node['skip'], created=False)
        return
    if node['not_ready']:
        node.update(phase=None, ready=False, running=False, final=True, created=False,
                    reason=not_started(node['name'], node['pod'], 'no pod was created: %s' % node['not_ready']))
        return
    manifest = pods.pod_manifest(node['name'], namespace, options['image'], options['lifetime'],
                                 options['image_pull_secrets'], options['host_network'])
    try:
        kubectl.create_raw('/api/v1/namespaces/%s/pods' % namespace, manifest)
    except ClusterError as exc:
        node.update(phase=None, ready=False, running=False, final=True, created=False,
                    reason=not_started(node['name'], node['pod'], 'the API refused it: %s' % exc))
        return
    node.update(phase='Pending', ready=False, running=False, final=False, created=True, reason='not seen yet')


def create_pods(kubectl, planned, namespace, options):
    """One pod per planned Linux node that is Ready (PARALLEL at once); a refused pod is a final row at once."""
    parallel(lambda node: _create_pod(kubectl, node, namespace, options), planned)


def wait_for_pods(kubectl, planned, namespace, start_timeout, sleep, clock=time.monotonic):
    """Poll the labelled pods until every created pod runs or cannot, or ``start_timeout`` passes
    (one deadline for all of them)."""
    end = clock() + start_timeout
    waiting = dict((node['pod'], node) for node in planned if node.get('created'))
    while True:
        seen = dict((k8s.name(pod), pod) for pod in labelled_pods(kubectl, namespace))
        for name, node in waiting.items():
            state = pod_state(seen.get(name), pods.CONTAINER) if name in seen else dict(
                phase=None, ready=False, running=False, final=False, reason='the pod is not in the API (yet)')
            node.update(state)
        if all(node['final'] for node in waiting.values()) or clock() >= end:
            break
        sleep(min(POLL, max(end - clock(), 0)))
    for node in waiting.values():
        if not node['running']:
            node['reason'] = not_started(node['name'], node['pod'], node['reason'],
                                         None if node['final'] else start_timeout)


def result_nodes(planned):
    keys = ('name', 'os', 'pod', 'phase', 'ready', 'running', 'reason')
    return [dict([(key, node.get(key)) for key in keys] + [('skipped', bool(node['skip']))]) for node in planned]


def present(kubectl, options, deadline, sleep=time.sleep):
    """Rights, nodes, sweep, namespace, pods, wait: the result of state=present."""
    namespace = options['namespace']
    check_rights(kubectl, namespace, options['create_namespace'])
    planned = pods.plan(kubectl.get_raw('/api/v1/nodes'))
    # One create per node on top of the deadline made before the nodes were known.
    deadline.end += len(planned) * options['timeout']
    deadline.seconds += len(planned) * options['timeout']
    created_namespace = False
    if options['create_namespace']:
        created_namespace = ensure_namespace(kubectl, namespace, deadline, sleep)
    swept, left = delete_pods(kubectl, namespace, deadline, sleep)
    if left:
        raise ClusterError('leftover preflight pods of an earlier run are still being deleted: %s'
                           % ', '.join(left))
    create_pods(kubectl, planned, namespace, options)
    wait_for_pods(kubectl, planned, namespace, options['start_timeout'], sleep)
    return {'changed': True, 'namespace': namespace, 'created_namespace': created_namespace, 'swept': swept,
            'nodes': result_nodes(planned)}


def absent(kubectl, options, deadline, sleep=time.sleep):
    """Delete every labelled pod, and every labelled namespace when the run creates its own (its pods go
    with it); confirm that they are gone."""
    namespace = options['namespace']
    if not options['create_namespace']:
        done, still = delete_pods(kubectl, namespace, deadline, sleep)
        return {'changed': bool(done), 'namespace': namespace, 'deleted_namespaces': [],
                'deleted_pods': ['%s/%s' % (namespace, pod) for pod in done],
                'remaining': ['pod %s/%s' % (namespace, pod) for pod in still]}
    listed = k8s.items(kubectl.get_raw('/api/v1/namespaces?%s' % pods.SELECTOR_QUERY))
    namespaces = sorted(set([k8s.name(item) for item in listed if k8s.name(item)]))
    held = ['%s/%s' % (name, k8s.name(pod)) for name in namespaces for pod in labelled_pods(kubectl, name)]
    deleted = [name for name, gone in zip(namespaces, parallel(
        lambda name: delete_raw(kubectl, '/api/v1/namespaces/%s' % name), namespaces)) if gone]
    left = ['namespace %s' % name for name in _namespaces_left(kubectl, namespaces, deadline, sleep)]
    return {'changed': bool(deleted), 'namespace': namespace, 'deleted_pods': held, 'deleted_namespaces': deleted,
            'remaining': left}


def _namespaces_left(kubectl, names, deadline, sleep):
    left = [name for name in names if get_or_none(kubectl, '/api/v1/namespaces/%s' % name) is not None]
    while left and deadline.left() > POLL:
        sleep(POLL)
        left = [name for name in left if get_or_none(kubectl, '/api/v1/namespaces/%s' % name) is not None]
    return left


def argument_spec():
    return dict(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        kubeconfig=dict(type='path'),
        context=dict(type='str'),
        kubectl=dict(type='path'),
        timeout=dict(type='int', default=10),
        namespace=dict(type='str', default=pods.NAMESPACE),
        create_namespace=dict(type='bool', default=True),
        image=dict(type='str', default=pods.IMAGE),
        image_pull_secrets=dict(type='list', elements='str', default=[], no_log=False),
        start_timeout=dict(type='int', default=pods.START_TIMEOUT),
        lifetime=dict(type='int', default=pods.LIFETIME),
        host_network=dict(type='bool', default=False),
    )


def validate_options(params):
    try:
        validate_namespace(params['namespace'])
        for secret in params['image_pull_secrets']:
            validate_namespace(secret)
    except K8sNameError as exc:
        raise UsageError('option namespace or image_pull_secrets: %s' % exc)
    for name, least in (('timeout', 1), ('start_timeout', 1), ('lifetime', 60)):
        if params[name] < least:
            raise UsageError('option %s: must be at least %d seconds, got %d' % (name, least, params[name]))
    if not params['image'] or any(char.isspace() for char in params['image']):
        raise UsageError('option image: %r is not an image reference' % params['image'])


def deadline_seconds(params):
    """The module's deadline before the nodes are known: every kubectl call at ``timeout`` (the kubeconfig,
    the rights, the lists, the sweep), the wait itself, and the grace once; :func:`present` adds a
    create per node."""
    calls = len(pods.RIGHTS) + 8
    return calls * params['timeout'] + params['start_timeout'] + KILL_GRACE


def node_pods(params, get_bin_path, environ, run=None, secrets=None, sleep=time.sleep):
    """The module's result for its options. Raises UsageError (misuse) or ClusterError (the cluster
    cannot be used: no kubeconfig, no answer, missing rights)."""
    validate_options(params)
    deadline = Deadline(deadline_seconds(params))
    if run is None:
        run = BoundedRunner(deadline, limit=params['timeout'] + KILL_GRACE, environ=environ)
    binary = _kubectl_binary(params['kubectl'], get_bin_path, environ)
    kubeconfig = find_kubeconfig(params['kubeconfig'], environ)
    kubectl = Kubectl(run, binary, kubeconfig, params['context'], params['timeout'], secrets)
    kubectl.config()
    if params['state'] == 'present':
        return present(kubectl, params, deadline, sleep)
    return absent(kubectl, params, deadline, sleep)
