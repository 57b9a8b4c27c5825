# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP side of support_kube_state's StateServer: routes kube-apiserver's REST paths for namespaces,
pods, SelfSubjectAccessReviews and watches onto the server's state; discovery, nodes and ``/version``
come from support_k8s's replay handler. Every request is recorded in ``server.log`` as
``(method, path, query)``.
"""

from __future__ import absolute_import, division, print_function

import json
import time
from urllib.parse import parse_qs

import support_k8s as k8s

SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
LIST_KINDS = {'namespaces': 'NamespaceList', 'pods': 'PodList'}
_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
V1_RESOURCES = k8s.RESOURCES['v1'][:1] + [
    {'name': 'namespaces', 'singularName': 'namespace', 'namespaced': False, 'kind': 'Namespace',
     'shortNames': ['ns'], 'verbs': ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']},
    {'name': 'pods', 'singularName': 'pod', 'namespaced': True, 'kind': 'Pod', 'shortNames': ['po'],
     'categories': ['all'], 'verbs': _VERBS},
    {'name': 'pods/exec', 'singularName': '', 'namespaced': True, 'kind': 'PodExecOptions', 'verbs': ['create', 'get']},
    {'name': 'pods/log', 'singularName': '', 'namespaced': True, 'kind': 'Pod', 'verbs': ['get']},
]


def rbac_status(verb, resource, namespace, subresource=''):
    """The 403 RBAC answers for a request the user has no right to make."""
    what = resource + ('/' + subresource if subresource else '')
    where = ' in the namespace "%s"' % namespace if namespace else ' at the cluster scope'
    message = '%s is forbidden: User "pixie-preflight-test" cannot %s resource "%s" in API group ""%s' % (
        resource, verb, what, where)
    return dict(k8s.status_object(403, 'Forbidden', message), details={'kind': resource})


def openapi_v3(path):
    """``/openapi/v3`` and the core group's document, reduced to what kubectl reads before a create: the PATCH
    operations of namespaces and pods with their ``fieldValidation`` parameter, so kubectl validates on the
    server (``?fieldValidation=Strict``), as it does against a 1.27+ API server. Synthesised, not recorded."""
    if path == '/openapi/v3':
        return {'paths': {'api/v1': {'serverRelativeURL': '/openapi/v3/api/v1?hash=0123456789ABCDEF'}}}
    if path != '/openapi/v3/api/v1':
        return None
    paths = {}
    for kind, url in (('Namespace', '/api/v1/namespaces/{name}'), ('Pod', '/api/v1/namespaces/{namespace}/pods/{name}')):
        paths[url] = {'patch': {
            'operationId': 'patchCoreV1' + ('Namespaced' if kind == 'Pod' else '') + kind,
            'parameters': [{'name': name, 'in': 'query', 'schema': {'type': 'string', 'uniqueItems': True}}
                           for name in ('dryRun', 'fieldManager', 'fieldValidation', 'force')],
            'responses': {'200': {'description': 'OK'}},
            'x-kubernetes-action': 'patch',
            'x-kubernetes-group-version-kind': {'group': '', 'version': 'v1', 'kind': kind}}}
    return {'openapi': '3.0.0', 'info': {'title': 'Kubernetes', 'version': 'unversioned'}, 'paths': paths}


def _fields(data):
    """The length-delimited and varint fields of a protobuf message: {number: [value, ...]}."""
    fields, i = {}, 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        else:
            raise ValueError('unexpected protobuf wire type %d' % wire)
        fields.setdefault(number, []).append(value)
    return fields


def _varint(data, i):
    shift = value = 0
    while True:
        byte = data[i]
        value |= (byte & 0x7f) << shift
        i += 1
        shift += 7
        if not byte & 0x80:
            return value, i


def review_from_protobuf(body):
    """A SelfSubjectAccessReview sent as application/vnd.kubernetes.protobuf (kubectl auth can-i does), as JSON.

    The body is the "k8s\\0" magic and a runtime.Unknown whose field 2 is the review; the review's field 2 its
    spec, the spec's field 1 the ResourceAttributes (namespace, verb, group, version, resource, subresource,
    name are fields 1 to 7; generated.proto of k8s.io/api/authorization/v1).
    """
    if not body.startswith(b'k8s\x00'):
        raise ValueError('not a Kubernetes protobuf envelope')
    review = _fields(_fields(body[4:])[2][0])
    spec = _fields(review.get(2, [b''])[0])
    names = ('namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name')
    attributes = dict((name, (_fields(spec[1][0]).get(n + 1, [b''])[0]).decode())
                      for n, name in enumerate(names)) if 1 in spec else None
    return {'kind': 'SelfSubjectAccessReview', 'apiVersion': 'authorization.k8s.io/v1',
            'spec': {'resourceAttributes': attributes} if attributes else {}}


def route(path):
    """(resource, namespace, name) of a core/v1 namespace or pod path, or None for any other path."""
    parts = path.strip('/').split('/')
    if parts[:2] != ['api', 'v1'] or len(parts) < 3:
        return None
    rest = parts[2:]
    if rest == ['pods']:
        return 'pods', None, None
    if rest[0] != 'namespaces':
        return None
    if len(rest) <= 2:
        return 'namespaces', None, rest[1] if len(rest) == 2 else None
    if rest[2] == 'pods' and len(rest) <= 4:
        return 'pods', rest[1], rest[3] if len(rest) == 4 else None
    return None


class StateHandler(k8s._Handler):  # pylint: disable=protected-access
    server_version = 'state-apiserver'

    def _send(self, code, obj, warnings=()):
        self.server.answers.append((self.command, self.path.partition('?')[0], code))
        k8s._Handler._send(self, code, obj, warnings)  # pylint: disable=protected-access

    def _begin(self, method):
        path, dummy, query = self.path.partition('?')
        self.server.log.append((method, path, query))
        self.server.requests.append((method, path))
        return path, parse_qs(query)

    def _forbidden(self, verb, resource, namespace, subresource=''):
        denied, dummy = self.server.denied(verb, resource, subresource)
        if denied:
            self._send(403, rbac_status(verb, resource, namespace, subresource))
        return denied

    def do_GET(self):
        path, query = self._begin('GET')
        if not self._authorised():
            return
        where = route(path)
        if path.rstrip('/') == '/api/v1':
            self._send(200, {'kind': 'APIResourceList', 'groupVersion': 'v1', 'resources': V1_RESOURCES})
            return
        if path.rstrip('/') == '/api/v1/nodes' and self._forbidden('list', 'nodes', None):
            return
        if where is None:
            answer = self.server.answer(path) if not path.startswith('/openapi/') else openapi_v3(path)
            if answer is None:
                self._send(404, k8s.status_object(404, 'NotFound', 'the server could not find the requested resource'))
            else:
                self._send(200, answer)
            return
        resource, namespace, name = where
        watching = query.get('watch', [''])[0] in ('true', '1')
        verb = 'get' if name else ('watch' if watching else 'list')
        if self._forbidden(verb, resource, namespace):
            return
        if name:
            with self.server.lock:
                key = (namespace or '', resource, name)
                found = self.server.view(key) if key in self.server.store else None
            if found is None:
                self._send(404, dict(k8s.status_object(404, 'NotFound', '%s "%s" not found' % (resource, name)),
                                     details={'name': name, 'kind': resource}))
            else:
                self._send(200, found)
            return
        scope = namespace if resource == 'pods' else None
        if watching:
            self._watch(resource, scope, query)
            return
        items = self.server.select(scope, resource, query)
        self._send(200, {'kind': LIST_KINDS[resource], 'apiVersion': 'v1',
                         'metadata': {'resourceVersion': str(self.server.revision * 10 + 9)}, 'items': items})

    def _watch(self, resource, namespace, query):
        """A watch: the changes of the selected objects as JSON events, until timeoutSeconds or shutdown."""
        timeout = float(query.get('timeoutSeconds', ['60'])[0])
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        seen = {}
        if query.get('resourceVersion', [''])[0] not in ('', '0'):
            seen = dict((o['metadata']['uid'], json.dumps(o, sort_keys=True))
                        for o in self.server.select(namespace, resource, query))
        deadline = time.time() + timeout
        try:
            first = True
            while time.time() < deadline and not self.server.stopping:
                now = dict((o['metadata']['uid'], o) for o in self.server.select(namespace, resource, query))
                for uid, obj in now.items():
                    text = json.dumps(obj, sort_keys=True)
                    if seen.get(uid) != text:
                        self._chunk({'type': 'ADDED' if uid not in seen else 'MODIFIED', 'object': obj})
                        seen[uid] = text
                for uid in [u for u in seen if u not in now]:
                    self._chunk({'type': 'DELETED', 'object': json.loads(seen.pop(uid))})
                if first:
                    self.wfile.flush()
                    first = False
                time.sleep(0.1)
            self.wfile.write(b'0\r\n\r\n')
            self.wfile.flush()
        except (IOError, OSError):
            pass
        self.close_connection = True

    def _chunk(self, event):
        data = json.dumps(event).encode() + b'\n'
        self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
        self.wfile.flush()

    def _json_body(self):
        body = self._read_body()
        try:
            if 'protobuf' in (self.headers.get('Content-Type') or ''):
                return review_from_protobuf(body)
            return json.loads(body.decode() or '{}')
        except (ValueError, KeyError, IndexError):
            self._send(400, k8s.status_object(400, 'BadRequest', 'the request body is not JSON'))
            return None

    def do_POST(self):
        path, query = self._begin('POST')
        if not self._authorised():
            self._read_body()
            return
        body = self._json_body()
        if body is None:
            return
        if path == SSAR:
            self._review(body)
            return
        where = route(path)
        if where is None or where[2] is not None or (where[0] == 'pods' and not where[1]):
            self._send(405, k8s.status_object(405, 'MethodNotAllowed', 'the server does not allow this method'))
            return
        resource, namespace, dummy = where
        if self._forbidden('create', resource, namespace):
            return
        if query.get('dryRun') == ['All']:
            body.setdefault('metadata', {})['uid'] = 'dry-run'
            self._send(201, body)
            return
        code, answer = self.server.create(resource, namespace, body)
        self._send(code, answer)

    def _review(self, review):
        attributes = (review.get('spec') or {}).get('resourceAttributes') or {}
        denied, reason = self.server.denied(attributes.get('verb', ''), attributes.get('resource', ''),
                                            attributes.get('subresource', ''))
        review['metadata'] = {'creationTimestamp': None}
        review['status'] = {'allowed': not denied}
        if denied and reason:
            review['status']['reason'] = reason
        self._send(201, review)

    def do_DELETE(self):
        path, query = self._begin('DELETE')
        self._read_body()
        if not self._authorised():
            return
        where = route(path)
        if where is None:
            self._send(404, k8s.status_object(404, 'NotFound', 'the server could not find the requested resource'))
            return
        resource, namespace, name = where
        if self._forbidden('delete' if name else 'deletecollection', resource, namespace):
            return
        if name:
            code, answer = self.server.delete(resource, namespace, name)
            self._send(code, answer)
            return
        if resource != 'pods' or not namespace:
            self._send(405, k8s.status_object(405, 'MethodNotAllowed', 'the server does not allow this method'))
            return
        gone = [self.server.delete('pods', namespace, o['metadata']['name'])[1]
                for o in self.server.select(namespace, 'pods', query)]
        self._send(200, {'kind': 'PodList', 'apiVersion': 'v1', 'metadata': {}, 'items': gone})
