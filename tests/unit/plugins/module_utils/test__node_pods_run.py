# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_pods' kubectl conversation against a small in-memory API (the system test in tests/system
runs the real kubectl against a loopback API): the rights first, the sweep, one pod per node, one
wait, and the removal that confirms."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_pods_run as run
from ansible_collections.pixie_ops.preflight.plugins.module_utils._bounded_run import Deadline
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ClusterError, UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._kubectl import Kubectl

NOT_FOUND = 'Error from server (NotFound): the server could not find the requested resource\n'


class FakeAPI(object):
    """kubectl ``get/create/delete --raw`` against objects kept in memory. ``behaviour`` maps a node to
    the status its pod gets (a dict), or to an error text its POST gets."""

    def __init__(self, nodes, behaviour=None, denied=(), namespaces=None):
        self.nodes = {'items': [{'metadata': {'name': name, 'labels': {'kubernetes.io/os': os_name}}}
                                for name, os_name in nodes]}
        self.behaviour = behaviour or {}
        self.denied = denied
        self.namespaces = dict(namespaces or {})
        self.pods = {}
        self.calls = []

    def __call__(self, args, data=None):
        args = args[args.index('--request-timeout') + 2:]
        verb, path = args[0], args[2]
        self.calls.append((verb, path))
        body = json.loads(data) if data else None
        return getattr(self, '_' + verb)(path, body)

    @staticmethod
    def _ok(value):
        return 0, json.dumps(value), ''

    def _get(self, path, body):
        if path == '/api/v1/nodes':
            return self._ok(self.nodes)
        if path.startswith('/api/v1/namespaces?'):
            return self._ok({'items': [ns for ns in self.namespaces.values()
                                       if ns['metadata'].get('labels', {}).get(run.pods.MANAGED_BY)]})
        parts = path.split('?')[0].split('/')
        if len(parts) == 5:
            return self._ok(self.namespaces[parts[4]]) if parts[4] in self.namespaces else (1, '', NOT_FOUND)
        items = [pod for (ns, dummy), pod in sorted(self.pods.items()) if ns == parts[4]]
        return self._ok({'items': items})

    def _create(self, path, body):
        if path.endswith('selfsubjectaccessreviews'):
            attributes = body['spec']['resourceAttributes']
            key = (attributes['verb'], attributes['resource'], attributes.get('subresource', ''))
            return self._ok({'status': {'allowed': key not in self.denied}})
        if path == '/api/v1/namespaces':
            self.namespaces[body['metadata']['name']] = body
            return self._ok(body)
        node = body['spec']['nodeName']
        behaviour = self.behaviour.get(node, {'phase': 'Running', 'containerStatuses': [
            {'name': 'preflight', 'ready': True, 'state': {'running': {}}}]})
        if isinstance(behaviour, str):
            return 1, '', behaviour
        self.pods[(path.split('/')[4], body['metadata']['name'])] = dict(body, status=behaviour)
        return self._ok(body)

    def _delete(self, path, body):
        parts = path.split('/')
        if len(parts) == 5:
            if parts[4] not in self.namespaces:
                return 1, '', NOT_FOUND
            for key in [key for key in self.pods if key[0] == parts[4]]:  # its pods go with it
                del self.pods[key]
            return self._ok(self.namespaces.pop(parts[4]))
        found = self.pods.pop((parts[4], parts[6]), None)
        return self._ok(found) if found else (1, '', NOT_FOUND)


def _options(**changes):
    options = dict(namespace='pixie-preflight', create_namespace=True, image='python:3', image_pull_secrets=[],
                   start_timeout=5, lifetime=600, host_network=False, timeout=10)
    options.update(changes)
    return options


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(seconds, 0.5)


def _present(api, **changes):
    clock = Clock()
    kubectl = Kubectl(api, 'kubectl')
    original = run.wait_for_pods

    def wait(*args, **kwargs):
        return original(*args, clock=clock, **kwargs)
    run.wait_for_pods = wait
    try:
        return run.present(kubectl, _options(**changes), Deadline(60), sleep=clock.sleep), clock
    finally:
        run.wait_for_pods = original


PULL = {'phase': 'Pending', 'containerStatuses': [{'name': 'preflight', 'ready': False, 'state': {'waiting': {
    'reason': 'ImagePullBackOff', 'message': 'Back-off pulling image "python:3"'}}}]}
OUT_OF_CPU = {'phase': 'Failed', 'reason': 'OutOfcpu', 'message': 'Pod Node didn\'t have enough resource: cpu'}
FORBIDDEN = ('Error from server (Forbidden): error when creating "STDIN": pods "pixie-preflight-d" is forbidden: '
             'violates PodSecurity "baseline:latest": host namespaces (hostPID=true)\n')


def test_present_rows_for_every_behaviour():
    api = FakeAPI([('a', 'linux'), ('b', 'linux'), ('c', 'linux'), ('d', 'linux'), ('w', 'windows')],
                  behaviour={'b': PULL, 'c': OUT_OF_CPU, 'd': FORBIDDEN})
    result, clock = _present(api)
    rows = dict((row['name'], row) for row in result['nodes'])
    assert rows['a']['running'] is True and rows['a']['reason'] is None and rows['a']['pod'] == 'pixie-preflight-a'
    assert rows['b']['reason'] == ('the preflight pod pixie-preflight-b did not start on node b within 5s: '
                                   'ImagePullBackOff: Back-off pulling image "python:3"')
    assert rows['c']['reason'] == ('the preflight pod pixie-preflight-c did not start on node c: Failed: OutOfcpu: '
                                   'Pod Node didn\'t have enough resource: cpu')
    assert rows['d']['reason'].startswith('the preflight pod pixie-preflight-d did not start on node d: the API '
                                          'refused it: Error from server (Forbidden)')
    assert rows['w']['skipped'] is True and rows['w']['pod'] is None
    assert result['created_namespace'] is True
    # One deadline: the image pull kept the wait going until start_timeout, not longer.
    assert 5 <= clock.now <= 6
    assert not [call for call in api.calls if call[1].endswith('/pixie-preflight-w')]


def test_present_checks_every_right_first_and_creates_nothing_without_them():
    api = FakeAPI([('a', 'linux')], denied=[('create', 'pods', 'exec'), ('list', 'nodes', '')])
    with pytest.raises(run.MissingRights) as caught:
        _present(api)
    assert caught.value.missing == ['list nodes', 'create pods/exec in namespace pixie-preflight']
    assert 'list nodes; create pods/exec in namespace pixie-preflight' in str(caught.value)
    assert set(verb for verb, path in api.calls) == {'create'}
    assert all(path.endswith('selfsubjectaccessreviews') for verb, path in api.calls)
    assert len(api.calls) == len(run.pods.RIGHTS)
    assert not api.pods and not api.namespaces


def test_present_sweeps_leftovers_and_reuses_its_namespace():
    api = FakeAPI([('a', 'linux')], namespaces={'pixie-preflight': run.pods.namespace_manifest('pixie-preflight')})
    api.pods[('pixie-preflight', 'pixie-preflight-a')] = {'metadata': {'name': 'pixie-preflight-a'}}
    result, dummy = _present(api)
    assert result['swept'] == ['pixie-preflight-a'] and result['created_namespace'] is False
    assert result['nodes'][0]['running'] is True


def test_present_refuses_a_namespace_that_is_not_its_own():
    api = FakeAPI([('a', 'linux')], namespaces={'pixie-preflight': {'metadata': {'name': 'pixie-preflight'}}})
    with pytest.raises(ClusterError, match='exists and is not the preflight'):
        _present(api)
    assert not api.pods


def test_present_in_a_namespace_created_beforehand_asks_no_namespace_rights():
    api = FakeAPI([('a', 'linux')], namespaces={'team': {'metadata': {'name': 'team'}}},
                  denied=[('create', 'namespaces', '')])
    result, dummy = _present(api, namespace='team', create_namespace=False)
    assert result['nodes'][0]['running'] is True
    assert not [path for verb, path in api.calls if path.startswith('/api/v1/namespaces/team') and '/pods' not in path]


def test_absent_removes_every_labelled_thing_and_confirms():
    api = FakeAPI([('a', 'linux'), ('b', 'linux')])
    _present(api)
    api.namespaces['other'] = {'metadata': {'name': 'other'}}
    result = run.absent(Kubectl(api, 'kubectl'), _options(), Deadline(30), sleep=lambda s: None)
    assert result['deleted_pods'] == ['pixie-preflight/pixie-preflight-a', 'pixie-preflight/pixie-preflight-b']
    assert result['deleted_namespaces'] == ['pixie-preflight'] and result['remaining'] == []
    assert result['changed'] is True and list(api.namespaces) == ['other'] and not api.pods
    again = run.absent(Kubectl(api, 'kubectl'), _options(), Deadline(30), sleep=lambda s: None)
    assert again['changed'] is False


def test_absent_with_a_namespace_created_beforehand_keeps_it():
    api = FakeAPI([('a', 'linux')], namespaces={'team': {'metadata': {'name': 'team'}}})
    _present(api, namespace='team', create_namespace=False)
    result = run.absent(Kubectl(api, 'kubectl'), _options(namespace='team', create_namespace=False), Deadline(30),
                        sleep=lambda s: None)
    assert result['deleted_pods'] == ['team/pixie-preflight-a'] and result['deleted_namespaces'] == []
    assert list(api.namespaces) == ['team'] and not api.pods


@pytest.mark.parametrize('change, words', [
    (dict(namespace='Not_A_Name'), 'option namespace'),
    (dict(image_pull_secrets=['ok', 'bad secret']), 'image_pull_secrets'),
    (dict(timeout=0), 'option timeout'),
    (dict(start_timeout=0), 'option start_timeout'),
    (dict(lifetime=10), 'option lifetime'),
    (dict(image='two words'), 'option image'),
])
def test_misuse(change, words):
    params = dict(_options(**change), state='present', kubeconfig=None, context=None, kubectl=None)
    with pytest.raises(UsageError, match=words):
        run.node_pods(params, lambda name: None, {}, run=FakeAPI([]))
