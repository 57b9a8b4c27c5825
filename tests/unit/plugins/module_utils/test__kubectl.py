# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubectl client (_kubectl): which kubeconfig, and kubectl messages without secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kubectl as kubectl
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ClusterError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import MASK


# --- kubeconfig lookup and kubectl messages -------------------------------------------------------

def test_find_kubeconfig(tmp_path):
    home = tmp_path / 'home'
    home.mkdir()
    with pytest.raises(ClusterError) as exc:
        kubectl.find_kubeconfig(None, {}, str(home))
    assert 'no kubeconfig' in str(exc.value) and 'KUBECONFIG is not set' in str(exc.value)
    with pytest.raises(ClusterError) as exc:
        kubectl.find_kubeconfig(str(tmp_path / 'missing.yaml'), {}, str(home))
    assert 'missing.yaml does not exist' in str(exc.value)
    with pytest.raises(ClusterError) as exc:
        kubectl.find_kubeconfig(None, {'KUBECONFIG': '/nope/a:/nope/b'}, str(home))
    assert 'KUBECONFIG=/nope/a:/nope/b' in str(exc.value)
    config = tmp_path / 'config'
    config.write_text(u'{}')
    assert kubectl.find_kubeconfig(str(config), {}, str(home)) == str(config)
    assert kubectl.find_kubeconfig(None, {'KUBECONFIG': '/nope:%s' % config}, str(home)) is None
    (home / '.kube').mkdir()
    (home / '.kube' / 'config').write_text(u'{}')
    assert kubectl.find_kubeconfig(None, {}, str(home)) is None


def test_clean_message():
    stderr = ('E1128 03:00:34.356132   32067 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list"\n'
              'error: You must be logged in to the server (Unauthorized)\n')
    assert kubectl.clean_message(stderr) == 'error: You must be logged in to the server (Unauthorized)'
    assert 'abc123' not in kubectl.clean_message('Authorization: Bearer abc123 failed; token=abc123')
    assert kubectl.clean_message('') == 'no message'
    assert len(kubectl.clean_message('x' * 5000)) < 700
    # One line, whatever the server's layout (the admission verdicts quote multi-line webhook answers).
    assert kubectl.clean_message('policy a:\n   rule:\tdenied  \n\n') == 'policy a: rule: denied'
    assert kubectl.clean_message('Authorization: Bearer abc.def\nnext') == 'Authorization: Bearer %s next' % MASK
    assert len(kubectl.clean_message('x' * 700)) == 603


def test_call_gives_stderr_as_printed_and_json_requests_use_it():
    asked = []

    def run(args, data=None):
        asked.append((args, data))
        return 1, '', 'Warning: would violate PodSecurity\nError from server (Forbidden): token=s3cret no\n'

    client = kubectl.Kubectl(run, '/usr/bin/kubectl', '/k.yaml', 'prod', 5)
    rc, out, err = client.call(['create', '--raw', '/api/v1/namespaces/pl/pods?dryRun=All', '-f', '-'], data='{}')
    assert rc == 1 and err.startswith('Warning: would violate PodSecurity\n')
    assert asked[0] == (['/usr/bin/kubectl', '--kubeconfig', '/k.yaml', '--context', 'prod', '--request-timeout', '5s',
                         'create', '--raw', '/api/v1/namespaces/pl/pods?dryRun=All', '-f', '-'], '{}')
    with pytest.raises(ClusterError) as exc:
        client.get_raw('/version')
    assert 's3cret' not in str(exc.value) and asked[1][0][-3:] == ['get', '--raw', '/version']
