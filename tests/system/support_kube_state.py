# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback Kubernetes API server that keeps state: namespaces and pods are created, listed, watched
and deleted as on a real cluster, so a test can assert what a run left behind.

    with state_cluster(nodes, behaviour={'node-b': 'image_pull'}, deny={'create pods': ''}) as cluster:
        cluster.kubeconfig, cluster.url, cluster.server.leftovers(), cluster.server.log

TLS on 127.0.0.1 with a throwaway CA and a bearer token, discovery, ``/version`` and the StorageClasses come
from support_k8s (the fixture directory, ``aks_windows`` by default, a recorded AKS NodeList with a Windows
pool, see its SOURCE.md); ``nodes`` (a NodeList) replaces the fixture's nodes.

Pods follow the behaviour of their ``spec.nodeName`` (default ``running``), computed from the pod's age:
``running`` Pending/ContainerCreating for RUNNING_DELAY seconds, then Running and Ready; ``image_pull``
Pending with the container waiting in ErrImagePull, then ImagePullBackOff (kubelet's messages);
``failed`` Failed with reason OutOfcpu (kubelet's admission message); ``forbidden`` the POST is refused
with a 403 PodSecurity Status, as kube-apiserver's PodSecurity admission answers. A pod older than its
``activeDeadlineSeconds`` is Failed with reason DeadlineExceeded, as the kubelet makes it.
SelfSubjectAccessReviews are allowed except for the ``deny`` keys (``"verb resource[/subresource]"``);
a denied right is also refused (403, RBAC's message) when the request itself comes.
Deletes are immediate (no graceful termination); deleting a namespace deletes its pods.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import copy
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
import uuid

import support_k8s as k8s
from support_kube_handler import StateHandler

MANAGED = 'app.kubernetes.io/managed-by=pixie-preflight'
RUNNING_DELAY = 0.5
PULL_BACKOFF_AFTER = 1.5
_REQUIREMENT = re.compile(r'^\s*(!?)([\w./-]+)\s*(?:(==|=|!=)\s*([\w./-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$')


def _now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def selector_matches(selector, labels):
    """Whether ``labels`` match a label selector (=, ==, !=, in, notin, exists, !exists)."""
    for part in re.split(r',(?![^(]*\))', selector or ''):
        if not part.strip():
            continue
        m = _REQUIREMENT.match(part)
        if not m:
            raise ValueError('unable to parse requirement: %r' % part)
        neg, key, op, value, set_op, values = m.groups()
        if op in ('=', '=='):
            ok = labels.get(key) == value
        elif op == '!=':
            ok = labels.get(key) != value
        elif set_op:
            ok = (labels.get(key) in [v.strip() for v in values.split(',')]) == (set_op == 'in')
        else:
            ok = (key in labels) != bool(neg)
        if not ok:
            return False
    return True


def _fields_match(selector, obj):
    for part in (selector or '').split(','):
        if part.strip():
            key, dummy, value = part.replace('==', '=').partition('=')
            node = obj
            for step in key.strip().split('.'):
                node = node.get(step) if isinstance(node, dict) else None
            if (node or '') != value.strip():
                return False
    return True


def _pod_status(pod, behaviour, age):
    """The status of ``pod`` on a node with ``behaviour``, ``age`` seconds after its creation."""
    spec = pod.get('spec') or {}
    containers = spec.get('containers') or [{}]
    name, image = containers[0].get('name', ''), containers[0].get('image', '')
    started = pod['metadata']['creationTimestamp']
    deadline = spec.get('activeDeadlineSeconds')
    if deadline is not None and age > deadline:
        return {'phase': 'Failed', 'reason': 'DeadlineExceeded', 'startTime': started,
                'message': 'Pod was active on the node longer than the specified deadline'}
    if behaviour == 'failed':
        cpu = str(((containers[0].get('resources') or {}).get('requests') or {}).get('cpu', '0'))
        cpu = int(cpu[:-1]) if cpu.endswith('m') else int(float(cpu) * 1000)     # the kubelet says millicores
        return {'phase': 'Failed', 'reason': 'OutOfcpu', 'startTime': started,
                'message': "Pod was rejected: Node didn't have enough resource: cpu, requested: %s, used: 1930, "
                           'capacity: 1900' % cpu}
    waiting = {'reason': 'ContainerCreating'}
    if behaviour == 'running' and age >= RUNNING_DELAY:
        state, ready, phase = {'running': {'startedAt': started}}, True, 'Running'
    elif behaviour == 'image_pull' and age >= RUNNING_DELAY:
        if age < PULL_BACKOFF_AFTER:
            waiting = {'reason': 'ErrImagePull', 'message': 'rpc error: code = Unknown desc = failed to pull and '
                       'unpack image "%s": failed to resolve reference "%s": dial tcp: lookup registry-1.docker.io: '
                       'no such host' % (image, image)}
        else:
            waiting = {'reason': 'ImagePullBackOff', 'message': 'Back-off pulling image "%s"' % image}
        state, ready, phase = {'waiting': waiting}, False, 'Pending'
    else:
        state, ready, phase = {'waiting': waiting}, False, 'Pending'
    condition = {'type': 'Ready', 'status': str(ready), 'lastTransitionTime': started}
    if not ready:
        condition.update(reason='ContainersNotReady', message='containers with unready status: [%s]' % name)
    return {'phase': phase, 'startTime': started, 'hostIP': '10.224.0.4', 'podIP': '10.244.1.7',
            'conditions': [{'type': 'PodScheduled', 'status': 'True', 'lastTransitionTime': started}, condition],
            'containerStatuses': [{'name': name, 'image': image, 'imageID': '', 'ready': ready, 'restartCount': 0,
                                   'started': ready, 'state': state}]}


class StateServer(k8s.ReplayServer):
    """The replay server's discovery and nodes, plus namespaces and pods kept in memory."""

    def __init__(self, directory, token, nodes=None, behaviour=None, deny=None):
        k8s.ReplayServer.__init__(self, directory, token)
        self.RequestHandlerClass = StateHandler
        self.stopping = False
        if nodes is not None:
            self.objects['/api/v1/nodes'] = nodes
        self.behaviour = dict(behaviour or {})
        self.deny = dict(deny or {})
        self.lock = threading.RLock()
        self.log = []            # (method, path, query) of every request
        self.answers = []        # (method, path, status code) of every answer but a watch's
        self.created = []        # (kind, namespace, name) of every object created
        self.revision = 1
        self.store = {}          # (namespace or '', resource, name) -> object, created_at
        for name in k8s.DEFAULT_NAMESPACES:
            self._put('', 'namespaces', self._new_object('Namespace', {'metadata': {'name': name}}, None))

    # ------------------------------------------------------------------ state
    def _new_object(self, kind, obj, namespace):
        obj = copy.deepcopy(obj)
        obj.update(kind=kind, apiVersion='v1')
        meta = obj.setdefault('metadata', {})
        if not meta.get('name') and meta.get('generateName'):
            meta['name'] = meta['generateName'] + secrets.token_hex(3)[:5]
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=_now())
        if namespace:
            meta['namespace'] = namespace
        if kind == 'Namespace':
            meta.setdefault('labels', {})['kubernetes.io/metadata.name'] = meta['name']
            obj['spec'], obj['status'] = {'finalizers': ['kubernetes']}, {'phase': 'Active'}
        return obj

    def _put(self, namespace, resource, obj):
        self.revision += 1
        obj['metadata']['resourceVersion'] = str(self.revision)
        self.store[(namespace, resource, obj['metadata']['name'])] = (obj, time.time())

    def view(self, key):
        """The object as a GET would see it now (a pod's status follows its node's behaviour and age)."""
        obj, created = self.store[key]
        obj = copy.deepcopy(obj)
        if key[1] == 'pods':
            node = obj.get('spec', {}).get('nodeName')
            age = time.time() - created
            obj['status'] = _pod_status(obj, self.behaviour.get(node, 'running'), age)
            stage = min(int(age / RUNNING_DELAY), 4)
            obj['metadata']['resourceVersion'] = str(int(obj['metadata']['resourceVersion']) * 10 + stage)
        return obj

    def select(self, namespace, resource, query):
        """The objects of ``resource`` (in ``namespace``, or all when None) matching the query's selectors."""
        with self.lock:
            keys = sorted(k for k in self.store if k[1] == resource and (namespace is None or k[0] == namespace))
            objs = [self.view(k) for k in keys]
        labels, fields = query.get('labelSelector', [''])[0], query.get('fieldSelector', [''])[0]
        return [o for o in objs if selector_matches(labels, o['metadata'].get('labels') or {})
                and _fields_match(fields, o)]

    def snapshot(self):
        """Every namespace and pod now, as the API would list them."""
        with self.lock:
            return [self.view(k) for k in sorted(self.store)]

    def leftovers(self, selector=MANAGED):
        """Names (``kind/namespace/name``) of the objects matching ``selector`` that still exist."""
        return ['%s/%s/%s' % (o['kind'], o['metadata'].get('namespace', ''), o['metadata']['name'])
                for o in self.snapshot() if selector_matches(selector, o['metadata'].get('labels') or {})]

    def pods(self):
        return [o for o in self.snapshot() if o['kind'] == 'Pod']

    def denied(self, verb, resource, subresource=''):
        key = '%s %s%s' % (verb, resource, '/' + subresource if subresource else '')
        return key in self.deny, self.deny.get(key) or ''

    def create(self, resource, namespace, body):
        """POST of a namespace or pod; returns (code, answer)."""
        kind = {'namespaces': 'Namespace', 'pods': 'Pod'}[resource]
        if body.get('kind') != kind:
            return 400, k8s.status_object(400, 'BadRequest', 'the body is a %r, not a %s' % (body.get('kind'), kind))
        with self.lock:
            if namespace and ('', 'namespaces', namespace) not in self.store:
                return 404, dict(k8s.status_object(404, 'NotFound', 'namespaces "%s" not found' % namespace),
                                 details={'name': namespace, 'kind': 'namespaces'})
            obj = self._new_object(kind, body, namespace)
            name = obj['metadata'].get('name')
            if not name:
                return 422, k8s.status_object(422, 'Invalid', '%s "" is invalid: metadata.name: Required value: '
                                              'name or generateName is required' % kind)
            if (namespace or '', resource, name) in self.store:
                return 409, dict(k8s.status_object(409, 'AlreadyExists', '%s "%s" already exists' % (resource, name)),
                                 details={'name': name, 'kind': resource})
            if kind == 'Pod' and self.behaviour.get(obj.get('spec', {}).get('nodeName')) == 'forbidden':
                return 403, pod_security_status(name, namespace)
            self._put(namespace or '', resource, obj)
            self.created.append((kind, namespace or '', name))
            return 201, self.view((namespace or '', resource, name))

    def delete(self, resource, namespace, name):
        """DELETE of one namespace or pod; a namespace takes its pods with it. Returns (code, answer)."""
        with self.lock:
            key = (namespace or '', resource, name)
            if key not in self.store:
                return 404, dict(k8s.status_object(404, 'NotFound', '%s "%s" not found' % (resource, name)),
                                 details={'name': name, 'kind': resource})
            obj = self.view(key)
            obj['metadata']['deletionTimestamp'] = _now()
            if resource == 'namespaces':
                obj['status'] = {'phase': 'Terminating'}
                for other in [k for k in self.store if k[0] == name]:
                    del self.store[other]
            del self.store[key]
            self.revision += 1
            return 200, obj


def pod_security_status(name, namespace):
    """The 403 kube-apiserver's PodSecurity admission answers for the preflight pod in a ``baseline`` namespace."""
    message = ('pods "%s" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true), '
               'hostPath volumes (volume "host")' % name)
    return dict(k8s.status_object(403, 'Forbidden', message), details={'name': name, 'kind': 'pods'})


class Cluster(object):
    """What ``state_cluster`` yields."""

    def __init__(self, server, url, kubeconfig, workdir):
        self.server, self.url, self.kubeconfig, self.workdir = server, url, kubeconfig, workdir


@contextlib.contextmanager
def state_cluster(nodes=None, behaviour=None, deny=None, directory=None, workdir=None):
    """Serve a stateful cluster over TLS on loopback; yields a :class:`Cluster`. Everything is gone on exit."""
    tmp = tempfile.mkdtemp(prefix='state-k8s-', dir=workdir)
    server = thread = None
    try:
        paths = k8s.make_ca_and_server_cert(tmp)
        token = secrets.token_hex(24)
        server = StateServer(directory or k8s.fixture_dir('aks_windows'), token, nodes, behaviour, deny)
        thread, url = k8s.serve_over_tls(server, paths)
        kubeconfig = k8s.write_kubeconfig(os.path.join(tmp, 'kubeconfig'), url, paths['ca.crt'], token)
        yield Cluster(server, url, kubeconfig, tmp)
    finally:
        if server is not None:
            server.stopping = True
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(10)
        shutil.rmtree(tmp, ignore_errors=True)


def load_nodes(name='aks_windows'):
    """The recorded NodeList of a tests/fixtures/k8s directory."""
    with open(os.path.join(k8s.fixture_dir(name), 'nodes.json')) as handle:
        return json.load(handle)
