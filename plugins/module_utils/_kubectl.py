# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubectl client: which kubeconfig and its credentials, list arguments, JSON answers, messages without secrets.

:class:`Kubectl` runs ``kubectl`` through a ``run(args, data=None) -> (rc, stdout, stderr)``
callable the module gives it (``AnsibleModule.run_command``), so a unit test can hand it recorded
answers. Private to this collection; never imports AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ClusterError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import redact, sanitize, url_secrets

_KLOG_RE = re.compile(r'^[IWE]\d{4} \d\d:\d\d:\d\d')

# Kubeconfig fields that hold a secret (``kubectl config view --raw`` prints them as they are).
_KUBECONFIG_SECRET_KEYS = ('token', 'password', 'client-key-data', 'client-key', 'id-token', 'refresh-token',
                           'access-token', 'client-secret')


def is_klog_line(line):
    """Whether a line of kubectl's stderr is klog's (``E1128 18:43:41.000000 ...``), not the server's."""
    return bool(_KLOG_RE.match(line))


def clean_message(text, limit=600, secrets=()):
    """The useful part of kubectl's stderr, or of any text from the server, on one line: no klog lines,
    no secrets (``secrets`` and every known credential form, see ``_redact``), no control characters,
    whitespace collapsed, bounded length."""
    lines = [line.strip() for line in (text or '').splitlines()]
    lines = [line for line in lines if line and not is_klog_line(line)]
    return sanitize(redact(re.sub(r'\s+', ' ', ' '.join(lines)).strip() or 'no message', secrets), limit)


def kubeconfig_secrets(view):
    """Every credential of a kubeconfig as ``kubectl config view --raw -o json`` prints it."""
    found = set()
    for user in _items(view, 'users'):
        auth = user.get('user') if isinstance(user.get('user'), dict) else {}
        for key in _KUBECONFIG_SECRET_KEYS:
            _add(found, auth.get(key))
        provider = auth.get('auth-provider') if isinstance(auth.get('auth-provider'), dict) else {}
        config = provider.get('config') if isinstance(provider.get('config'), dict) else {}
        for key, value in config.items():
            if any(word in str(key).lower() for word in ('token', 'secret', 'password', 'key')):
                _add(found, value)
        execution = auth.get('exec') if isinstance(auth.get('exec'), dict) else {}
        for env in execution.get('env') or []:
            if isinstance(env, dict):
                _add(found, env.get('value'))
    for cluster in _items(view, 'clusters'):
        server = (cluster.get('cluster') or {}).get('server') if isinstance(cluster.get('cluster'), dict) else None
        found.update(url_secrets(server))
    return found


def _items(view, key):
    items = view.get(key) if isinstance(view, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _add(found, value):
    if isinstance(value, str) and value.strip():
        found.add(value.strip())


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

    def __init__(self, run, binary, kubeconfig=None, context=None, timeout=requirements.KUBECTL_TIMEOUT,
                 secrets=None):
        self.run = run
        self.base = [binary]
        if kubeconfig:
            self.base += ['--kubeconfig', kubeconfig]
        if context:
            self.base += ['--context', context]
        self.base += ['--request-timeout', '%ds' % int(timeout)]
        # The credentials of the kubeconfig in use: masked in every message (see config()); a set
        # given by the caller is filled, so the caller can mask them in its own output too.
        self.secrets = secrets if secrets is not None else set()

    def call(self, args, data=None):
        """``(rc, stdout, stderr)`` of ``kubectl <base> args``, for callers that read stderr themselves
        (the admission dry runs: the ``Warning`` lines and the ``Error from server (Reason)``)."""
        return self.run(self.base + args, data=data)

    def _json(self, args, data=None):
        rc, out, err = self.call(args, data=data)
        if rc != 0:
            raise ClusterError(clean_message(err or out, secrets=self.secrets))
        try:
            return json.loads(out)
        except ValueError:
            raise ClusterError('kubectl printed something that is not JSON: %s'
                               % clean_message(out, 200, secrets=self.secrets))

    def config(self):
        """The current context and server of the kubeconfig.

        Reads the kubeconfig with its credentials (``--raw``) only to know them: they are kept in
        :attr:`secrets` and masked in every message; nothing else of them leaves this object.
        """
        view = self._json(['config', 'view', '--raw', '--minify', '-o', 'json'])
        self.secrets.update(kubeconfig_secrets(view))
        if not isinstance(view, dict):
            raise ClusterError('kubectl config view printed no object')
        context = _field(_first(view.get('contexts')), 'name') or _text(view.get('current-context'))
        server = _field(_first(view.get('clusters')).get('cluster'), 'server')
        return context, redact(server, self.secrets) if server else server

    def get_raw(self, path):
        return self._json(['get', '--raw', path])

    def create_raw(self, path, body):
        return self._json(['create', '--raw', path, '-f', '-'], data=json.dumps(body))


def _first(items):
    """The first item of a list when it is an object, else an empty one."""
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _text(value):
    return value if isinstance(value, str) else None


def _field(obj, key):
    return _text(obj.get(key)) if isinstance(obj, dict) else None


def access_review_body(verb='create', resource='namespaces', group=''):
    return {
        'apiVersion': 'authorization.k8s.io/v1',
        'kind': 'SelfSubjectAccessReview',
        'spec': {'resourceAttributes': {'verb': verb, 'resource': resource, 'group': group}},
    }
