# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A loopback Kubernetes API server that replays recorded API objects, for driving the real kubectl.

    with replay_cluster('tests/fixtures/k8s/eks') as (server_url, kubeconfig_path):
        subprocess.run(['kubectl', '--kubeconfig', kubeconfig_path, 'get', '--raw', '/version'])

It serves HTTPS on 127.0.0.1 (a random port) with a certificate signed by a throwaway CA made for the
run; the kubeconfig trusts that CA (kubectl verifies the server: no ``insecure-skip-tls-verify``) and
carries a bearer token the server checks. ``bad_token=True`` writes a kubeconfig whose token the server
rejects with a real ``Status`` 401, as an API server does.

A fixture directory holds, each optional:

- ``version.json``        the ``/version`` answer
- ``nodes.json``          the ``/api/v1/nodes`` answer (a NodeList)
- ``apis.json``           the ``/apis`` answer (an APIGroupList); a plain list of the core groups otherwise
- ``storageclasses.json`` the ``/apis/storage.k8s.io/v1/storageclasses`` answer; an empty list otherwise
- ``access.json``         ``{"allowed": bool, "reason": str}``: the SelfSubjectAccessReview verdict;
                          allowed otherwise. The review's status is echoed onto the posted spec.
- ``admission.json``      the admission layers (see :func:`load_admission`): which namespaces exist with
                          which labels, their ResourceQuotas and LimitRanges, and what a server-side
                          dry run (``?dryRun=All``) of a pod or namespace answers: the status code, the
                          ``Status`` body and the ``Warning`` headers each layer really returns. Without
                          it the cluster has the namespaces ``default``, ``kube-system`` and
                          ``kube-public`` without labels and admits every dry run.
- ``SOURCE.md``           where each object comes from

Discovery (``/api``, ``/api/v1``, ``/apis/<group>/<version>``) is synthesised so that kubectl commands
that map resources (``kubectl get nodes``, ``kubectl auth can-i``) work too. Every request is recorded
in ``server.requests`` as ``(method, path)``; POSTs also in ``server.posts`` as ``(path, query, body)``.
A POST that is not a dry run (other than an access review) is refused with 405: the replay server
is never asked to create anything.
"""

from __future__ import absolute_import, division, print_function

import base64
import contextlib
import datetime
import fnmatch
import ipaddress
import json
import os
import secrets
import shutil
import socket
import ssl
import tempfile
import threading

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'k8s')

DEFAULT_GROUPS = ['apps', 'authorization.k8s.io', 'storage.k8s.io', 'rbac.authorization.k8s.io']

RESOURCES = {
    'v1': [
        {'name': 'nodes', 'singularName': 'node', 'namespaced': False, 'kind': 'Node', 'shortNames': ['no'],
         'verbs': ['get', 'list', 'watch']},
        {'name': 'namespaces', 'singularName': 'namespace', 'namespaced': False, 'kind': 'Namespace',
         'shortNames': ['ns'], 'verbs': ['create', 'get', 'list', 'watch']},
    ],
    'storage.k8s.io/v1': [
        {'name': 'storageclasses', 'singularName': 'storageclass', 'namespaced': False, 'kind': 'StorageClass',
         'shortNames': ['sc'], 'verbs': ['get', 'list', 'watch']},
    ],
    'authorization.k8s.io/v1': [
        {'name': 'selfsubjectaccessreviews', 'singularName': 'selfsubjectaccessreview', 'namespaced': False,
         'kind': 'SelfSubjectAccessReview', 'verbs': ['create']},
    ],
}


ADMISSION_FIXTURES = os.path.join(os.path.dirname(FIXTURES), 'k8s_admission')
DEFAULT_NAMESPACES = {'default': {}, 'kube-system': {}, 'kube-public': {}}


def fixture_dir(name):
    return os.path.join(FIXTURES, name)


def admission_fixture_dir(name):
    return os.path.join(ADMISSION_FIXTURES, name)


def status_object(code, reason, message):
    """A Kubernetes ``Status`` failure object, as the API server sends with 4xx answers."""
    return {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure', 'message': message,
            'reason': reason, 'code': code}


def make_ca_and_server_cert(directory):
    """Write ``ca.crt``, ``server.crt`` and ``server.key`` (for 127.0.0.1) into ``directory``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'pixie-preflight test CA')])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'kube-apiserver')]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(u'127.0.0.1')),
                                                        x509.DNSName(u'localhost')]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: os.path.join(directory, name) for name in ('ca.crt', 'server.crt', 'server.key')}
    with open(paths['ca.crt'], 'wb') as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths['server.crt'], 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths['server.key'], 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


def serve_over_tls(server, paths):
    """Serve ``server`` (an HTTP server on 127.0.0.1) over TLS with ``paths``' server certificate from a daemon
    thread; returns the thread and the server's URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths['server.crt'], paths['server.key'])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.1})
    thread.daemon = True
    thread.start()
    return thread, 'https://127.0.0.1:%d' % server.server_address[1]


def write_kubeconfig(path, server_url, ca_file, token, context='replay'):
    """A token kubeconfig (JSON is YAML) for ``server_url`` that trusts ``ca_file`` only."""
    with open(ca_file, 'rb') as f:
        ca_data = base64.b64encode(f.read()).decode('ascii')
    config = {
        'apiVersion': 'v1', 'kind': 'Config', 'preferences': {},
        'clusters': [{'name': context, 'cluster': {'server': server_url, 'certificate-authority-data': ca_data}}],
        'users': [{'name': context, 'user': {'token': token}}],
        'contexts': [{'name': context, 'context': {'cluster': context, 'user': context}}],
        'current-context': context,
    }
    with open(path, 'w') as f:
        json.dump(config, f, indent=2)
    os.chmod(path, 0o600)
    return path


def _load(directory, name, default=None):
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'replay-apiserver'

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code, obj, warnings=()):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        for warning in warnings:
            # RFC 7234 warn-code 299, agent "-", the text quoted: what kube-apiserver sends
            self.send_header('Warning', '299 - %s' % json.dumps(warning))
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';', 1)[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _authorised(self):
        expected = 'Bearer ' + self.server.token
        if self.headers.get('Authorization') == expected:
            return True
        self._send(401, status_object(401, 'Unauthorized', 'Unauthorized'))
        return False

    def do_GET(self):
        path = self.path.split('?', 1)[0]
        self.server.requests.append(('GET', path))
        if not self._authorised():
            return
        rule = self.server.admission_rule('GET', path)
        if rule is not None:
            self._send(rule['code'], rule.get('body'), rule.get('warnings') or ())
            return
        answer = self.server.answer(path)
        parts = path.strip('/').split('/')
        if answer is None and len(parts) == 4 and parts[:3] == ['api', 'v1', 'namespaces']:
            # what kube-apiserver answers for a namespace that does not exist
            self._send(404, dict(status_object(404, 'NotFound', 'namespaces "%s" not found' % parts[3]),
                                 details={'name': parts[3], 'kind': 'namespaces'}))
        elif answer is None:
            self._send(404, status_object(404, 'NotFound', 'the server could not find the requested resource'))
        else:
            self._send(200, answer)

    def do_POST(self):
        path, dummy, query = self.path.partition('?')
        self.server.requests.append(('POST', path))
        body = self._read_body()
        self.server.posts.append((path, query, body))
        if not self._authorised():
            return
        if path != '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews':
            self._dry_run(path, parse_qs(query), body)
            return
        try:
            review = json.loads(body.decode() or '{}')
        except ValueError:
            self._send(400, status_object(400, 'BadRequest', 'the request body is not JSON'))
            return
        verdict = self.server.access
        review['metadata'] = {'creationTimestamp': None}
        review['status'] = {'allowed': bool(verdict.get('allowed', True))}
        if verdict.get('reason'):
            review['status']['reason'] = verdict['reason']
        self._send(201, review)

    def _dry_run(self, path, query, body):
        """A create of a pod or namespace: only ever as a dry run, answered as admission.json says."""
        if query.get('dryRun') != ['All']:
            self._send(405, status_object(405, 'MethodNotAllowed', 'the replay server only answers access reviews '
                                          'and dry runs (dryRun=All)'))
            return
        try:
            obj = json.loads(body.decode() or '{}')
        except ValueError:
            self._send(400, status_object(400, 'BadRequest', 'the request body is not JSON'))
            return
        rule = self.server.admission_rule('POST', path, body)
        if rule is not None and rule.get('body') is not None:
            self._send(rule['code'], rule['body'], rule.get('warnings') or ())
            return
        parts = path.strip('/').split('/')
        if parts == ['api', 'v1', 'namespaces']:
            kind = 'Namespace'
        elif len(parts) == 5 and parts[:3] == ['api', 'v1', 'namespaces'] and parts[4] == 'pods':
            kind = 'Pod'
            if parts[3] not in self.server.namespaces:
                name = parts[3]
                self._send(404, dict(status_object(404, 'NotFound', 'namespaces "%s" not found' % name),
                                     details={'name': name, 'kind': 'namespaces'}))
                return
            obj.setdefault('metadata', {})['namespace'] = parts[3]
        else:
            self._send(404, status_object(404, 'NotFound', 'the server could not find the requested resource'))
            return
        if obj.get('kind') != kind:
            self._send(400, status_object(400, 'BadRequest', 'the body is a %r, not a %s' % (obj.get('kind'), kind)))
            return
        # What a real server echoes for a dry-run create: the object with the fields it sets.
        meta = obj.setdefault('metadata', {})
        meta.update({'uid': '8d0f6d0a-5f4c-4a36-9a4e-2c1f0d3b7e51', 'creationTimestamp': '2026-01-01T00:00:00Z'})
        meta.update((rule or {}).get('metadata') or {})
        obj['status'] = {'phase': 'Pending'} if kind == 'Pod' else {'phase': 'Active'}
        self._send((rule or {}).get('code', 201), obj, (rule or {}).get('warnings') or ())


def load_admission(directory):
    """``admission.json`` of a fixture directory, with its defaults.

    ``namespaces``: name -> labels of the namespaces that exist. ``resourcequotas`` / ``limitranges``:
    namespace -> list of objects. ``cluster``: the tests/fixtures/k8s directory whose version, nodes, API
    groups, StorageClasses and access verdict the server serves. ``answers``: a list of ``{method, path,
    match_body, code, body, warnings, metadata}``; ``path`` is an fnmatch pattern over the request path
    without the query, ``match_body`` a text the request body must contain; the first match answers
    (``body`` the answer; for a dry-run create without ``body`` the object is echoed with ``code``,
    ``warnings`` as ``Warning`` headers and ``metadata`` merged into its metadata).
    """
    admission = _load(directory, 'admission.json', {}) or {}
    admission.setdefault('namespaces', dict(DEFAULT_NAMESPACES))
    admission.setdefault('resourcequotas', {})
    admission.setdefault('limitranges', {})
    admission.setdefault('answers', [])
    return admission


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory, token):
        ThreadingHTTPServer.__init__(self, ('127.0.0.1', 0), _Handler)
        self.token = token
        self.requests = []
        self.posts = []
        self.admission = load_admission(directory)
        self.namespaces = self.admission['namespaces']
        if self.admission.get('cluster'):
            # an admission fixture borrows the cluster (version, nodes, groups) of a tests/fixtures/k8s directory
            directory = fixture_dir(self.admission['cluster'])
        self.directory = directory
        apis = _load(directory, 'apis.json')
        if apis is None:
            apis = {'kind': 'APIGroupList', 'apiVersion': 'v1',
                    'groups': [{'name': g, 'versions': [{'groupVersion': g + '/v1', 'version': 'v1'}],
                                'preferredVersion': {'groupVersion': g + '/v1', 'version': 'v1'}}
                               for g in DEFAULT_GROUPS]}
        self.apis = apis
        self.access = _load(directory, 'access.json', {'allowed': True})
        self.objects = {
            '/version': _load(directory, 'version.json'),
            '/api/v1/nodes': _load(directory, 'nodes.json', {'kind': 'NodeList', 'apiVersion': 'v1', 'items': []}),
            '/apis/storage.k8s.io/v1/storageclasses': _load(
                directory, 'storageclasses.json', {'kind': 'StorageClassList', 'apiVersion': 'storage.k8s.io/v1',
                                                   'items': []}),
            '/apis': apis,
            '/api': {'kind': 'APIVersions', 'versions': ['v1'],
                     'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0', 'serverAddress': '127.0.0.1'}]},
        }

    def admission_rule(self, method, path, body=b''):
        for rule in self.admission['answers']:
            if rule.get('method', 'POST') == method and fnmatch.fnmatchcase(path, rule['path']) and \
                    (not rule.get('match_body') or rule['match_body'].encode() in body):
                return rule
        return None

    def _namespace(self, name):
        return {'kind': 'Namespace', 'apiVersion': 'v1',
                'metadata': {'name': name,
                             'labels': dict(self.namespaces[name], **{'kubernetes.io/metadata.name': name})},
                'spec': {'finalizers': ['kubernetes']}, 'status': {'phase': 'Active'}}

    def _namespaced(self, path):
        """Namespaces, and the ResourceQuotas and LimitRanges in them, from admission.json."""
        parts = path.strip('/').split('/')
        if parts[:3] != ['api', 'v1', 'namespaces']:
            return None
        if len(parts) == 3:
            return {'kind': 'NamespaceList', 'apiVersion': 'v1', 'metadata': {},
                    'items': [self._namespace(n) for n in sorted(self.namespaces)]}
        if parts[3] not in self.namespaces:
            return None
        if len(parts) == 4:
            return self._namespace(parts[3])
        if len(parts) == 5 and parts[4] in ('resourcequotas', 'limitranges'):
            kind = 'ResourceQuotaList' if parts[4] == 'resourcequotas' else 'LimitRangeList'
            return {'kind': kind, 'apiVersion': 'v1', 'metadata': {},
                    'items': self.admission[parts[4]].get(parts[3], [])}
        return None

    def answer(self, path):
        path = path.rstrip('/') or '/'
        if path in self.objects:
            return self.objects[path]
        namespaced = self._namespaced(path)
        if namespaced is not None:
            return namespaced
        if path == '/api/v1':
            return {'kind': 'APIResourceList', 'groupVersion': 'v1', 'resources': RESOURCES['v1']}
        parts = path.split('/')
        if len(parts) == 4 and parts[1] == 'apis':
            group_version = parts[2] + '/' + parts[3]
            served = [v.get('groupVersion') for g in self.apis.get('groups') or [] for v in g.get('versions') or []]
            if group_version in served or group_version in RESOURCES:
                return {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': group_version,
                        'resources': RESOURCES.get(group_version, [])}
        return None


@contextlib.contextmanager
def replay_cluster(directory, bad_token=False, workdir=None):
    """Serve ``directory``'s objects over TLS on loopback; yields ``(server_url, kubeconfig_path)``.

    The server, its thread and the temporary files (CA, keys, kubeconfig) are gone on exit, even on
    failure. The server object is reachable as ``replay_cluster.last_server`` for request assertions.
    """
    tmp = tempfile.mkdtemp(prefix='replay-k8s-', dir=workdir)
    server = None
    thread = None
    try:
        paths = make_ca_and_server_cert(tmp)
        token = secrets.token_hex(24)
        server = ReplayServer(directory, token)
        thread, url = serve_over_tls(server, paths)
        client_token = secrets.token_hex(24) if bad_token else token
        kubeconfig = write_kubeconfig(os.path.join(tmp, 'kubeconfig'), url, paths['ca.crt'], client_token)
        replay_cluster.last_server = server
        replay_cluster.last_token = client_token
        yield url, kubeconfig
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(10)
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def unreachable_cluster(workdir=None):
    """A kubeconfig for a loopback port nothing listens on; yields ``(server_url, kubeconfig_path)``."""
    tmp = tempfile.mkdtemp(prefix='replay-k8s-', dir=workdir)
    try:
        paths = make_ca_and_server_cert(tmp)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        url = 'https://127.0.0.1:%d' % port
        kubeconfig = write_kubeconfig(os.path.join(tmp, 'kubeconfig'), url, paths['ca.crt'], secrets.token_hex(24))
        yield url, kubeconfig
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def find_kubectl():
    """The kubectl to drive: ``$PIXIE_KUBECTL`` or the one on PATH; None when there is none."""
    candidate = os.environ.get('PIXIE_KUBECTL') or shutil.which('kubectl')
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def require_kubectl():
    """The kubectl to drive; the test fails, saying what to install, when there is none."""
    kubectl = find_kubectl()
    if not kubectl:
        pytest.fail('kubectl is needed: install Debian\'s kubernetes-client (see tests/system-packages.txt) '
                    'or point PIXIE_KUBECTL at a kubectl binary')
    return kubectl
