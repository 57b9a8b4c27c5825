# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A command that never ends, never stops printing, or leaves children behind cannot hold the module:
_bounded_run kills its process group at the deadline. Real processes (sh, sleep, yes, cat), no mocks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import time

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _bounded_run as bounded
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster as cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kubectl as kubectl

GRACE = 2.0


def timed(call, *args, **kwargs):
    started = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - started


def test_ordinary_command_and_stdin():
    runner = bounded.BoundedRunner(bounded.Deadline(20))
    assert runner(['cat'], data='{"a": 1}') == (0, '{"a": 1}', '')
    rc, out, err = runner(['sh', '-c', 'echo out; echo err >&2; echo "$LC_ALL"; exit 3'])
    assert (rc, out, err) == (3, 'out\nC\n', 'err\n')


def test_a_command_that_never_ends_is_killed_at_its_limit():
    runner = bounded.BoundedRunner(bounded.Deadline(60), limit=1)
    (rc, out, err), took = timed(runner, ['sleep', '100'])
    assert rc == bounded.KILLED and err == 'sleep did not finish within 1s: killed'
    assert took < 1 + GRACE


def test_children_holding_the_output_are_killed_too(tmp_path):
    """An exec credential plugin: kubectl's child keeps stdout open after kubectl itself is gone."""
    marker = tmp_path / 'child.pid'
    script = 'sleep 100 & echo $! > %s; exec sleep 100' % marker
    runner = bounded.BoundedRunner(bounded.Deadline(60), limit=1)
    (rc, dummy, err), took = timed(runner, ['sh', '-c', script])
    assert rc == bounded.KILLED and 'killed' in err and took < 1 + GRACE
    child = int(marker.read_text())
    for dummy in range(50):
        try:
            os.kill(child, 0)
        except OSError:
            break
        time.sleep(0.05)
    else:
        pytest.fail('the child %d outlived the kill' % child)


def test_endless_output_is_cut_at_the_cap():
    runner = bounded.BoundedRunner(bounded.Deadline(60), max_output=100000)
    (rc, out, err), took = timed(runner, ['yes'])
    assert rc == bounded.KILLED and err == 'yes printed more than 100000 bytes: killed'
    assert len(out) <= 100000 + 65536 and took < GRACE + 1


def test_the_deadline_is_shared_by_every_command():
    deadline = bounded.Deadline(1)
    runner = bounded.BoundedRunner(deadline, limit=30)
    (rc, dummy, err), took = timed(runner, ['sleep', '100'])
    assert rc == bounded.KILLED and took < 1 + GRACE
    assert runner(['echo', 'late']) == (bounded.KILLED, '', "not run: the module's deadline of 1s has passed")


def test_a_missing_binary_is_said():
    rc, dummy, err = bounded.BoundedRunner(bounded.Deadline(5))(['/nonexistent/kubectl', 'version'])
    assert rc == bounded.KILLED and err.startswith('cannot run /nonexistent/kubectl: ')


HOSTILE_KUBECTL = '''#!/bin/sh
# A kubectl whose answers are recorded in the script: the kubeconfig is fine, /version answers,
# and the requests named in $HANG never return (as behind a stuck exec credential plugin).
case "$*" in
  *"config view"*) echo '{"contexts": [{"name": "prod"}], "clusters": [{"cluster": {"server": "https://10.0.0.1"}}]}';;
  *" /version"*) echo '{"gitVersion": "v1.29.1", "major": "1", "minor": "29"}';;
  *)
    for hang in $HANG; do
      case "$*" in *"$hang"*) exec sleep 1000;; esac
    done
    echo '{"items": [], "groups": [], "status": {"allowed": true}}';;
esac
'''


@pytest.fixture
def hostile_kubectl(tmp_path):
    path = tmp_path / 'kubectl'
    path.write_text(HOSTILE_KUBECTL)
    path.chmod(0o755)
    config = tmp_path / 'kubeconfig'
    config.write_text('apiVersion: v1\n')
    return str(path), str(config)


def _params(binary, config, timeout):
    return dict(kubectl=binary, kubeconfig=config, context=None, timeout=timeout, min_k8s_version='1.16',
                min_kernel_version='4.14', supported_architectures=['x86_64'], admission=False, namespace='pl',
                pem_memory_limit='2Gi')


def test_a_stuck_request_is_killed_and_reported_unknown(hostile_kubectl, monkeypatch):
    binary, config = hostile_kubectl
    monkeypatch.setattr(cluster, 'KILL_GRACE', 0)
    monkeypatch.setenv('HANG', '/api/v1/nodes')
    result, took = timed(cluster.cluster_info, _params(binary, config, 1), lambda name: None, dict(os.environ))
    assert took < cluster.deadline_seconds(1) + GRACE
    assert result['reachable'] is True and result['context'] == 'prod'
    assert result['checks']['node_kernels']['status'] == 'unknown'
    assert 'did not finish within 1s: killed' in result['checks']['node_kernels']['msg']
    assert result['checks']['permissions']['status'] == 'pass'


def test_every_request_stuck_ends_by_the_module_deadline(hostile_kubectl, monkeypatch):
    binary, config = hostile_kubectl
    monkeypatch.setattr(cluster, 'KILL_GRACE', 0)
    monkeypatch.setenv('HANG', '/api /apis')
    result, took = timed(cluster.cluster_info, _params(binary, config, 1), lambda name: None, dict(os.environ))
    assert took < cluster.deadline_seconds(1) + GRACE
    for check_id in ('node_kernels', 'storage_class', 'permissions'):
        assert result['checks'][check_id]['status'] == 'unknown', check_id


def test_kubectl_answers_of_the_wrong_shape_are_cluster_errors():
    for answer in ('[]', 'null', '"text"', '{"contexts": "x", "clusters": [1]}'):
        client = kubectl.Kubectl(lambda args, data=None: (0, answer, ''), sys.executable)
        try:
            client.config()
        except kubectl.ClusterError:
            pass
