# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets masked by what they are (the parsed credentials of URLs and of the kubeconfig), then by the
known forms of a credential in free text; control characters never reach a message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster as cluster
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _kubectl as kubectl
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _redact as redact

JWT = ('eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0'
       '.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU')

# What `kubectl config view --raw --minify -o json` prints, one user of each kind (values made up).
RAW_VIEW = {
    'clusters': [{'name': 'prod', 'cluster': {'server': 'https://admin:srv-Pw41@10.0.0.1:6443'}}],
    'contexts': [{'name': 'prod', 'context': {'cluster': 'prod', 'user': 'u'}}],
    'current-context': 'prod',
    'users': [
        {'name': 'token', 'user': {'token': 'tok-Zq81-secret'}},
        {'name': 'basic', 'user': {'username': 'admin', 'password': 'pw-Hh52-secret'}},
        {'name': 'cert', 'user': {'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZLWRhdGEtc2VjcmV0'}},
        {'name': 'exec', 'user': {'exec': {'command': 'aws', 'env': [{'name': 'AWS_SECRET', 'value': 'env-Mm07-secret'}]}}},
        {'name': 'oidc', 'user': {'auth-provider': {'name': 'oidc', 'config': {
            'id-token': JWT, 'refresh-token': 'ref-Kk33-secret', 'client-id': 'pixie'}}}},
    ],
}
KNOWN = ['tok-Zq81-secret', 'pw-Hh52-secret', 'S0VZLWRhdGEtc2VjcmV0', 'env-Mm07-secret', JWT, 'ref-Kk33-secret',
         'srv-Pw41']


def test_kubeconfig_secrets_are_every_credential():
    found = kubectl.kubeconfig_secrets(RAW_VIEW)
    assert sorted(found) == sorted(KNOWN)
    assert 'Q0VSVA==' not in found and 'pixie' not in found and 'admin' not in found


@pytest.mark.parametrize('view', [None, [], 'x', {'users': 'x'}, {'users': [1, None, {'user': 'x'}]},
                                  {'clusters': [{'cluster': 'x'}]}])
def test_kubeconfig_secrets_of_odd_shapes(view):
    assert kubectl.kubeconfig_secrets(view) == set()


# The forms the issue found leaking, and their neighbours: (text, secret that must go, text that must stay).
FORMS = [
    ('exec plugin failed: --token tok-Zq81-secret', 'tok-Zq81-secret', 'exec plugin failed'),
    ('exec plugin failed: --token=tok-Zq81-secret', 'tok-Zq81-secret', '--token='),
    ('{"kind": "ExecCredential", "status": {"token": "tok-Zq81-secret"}}', 'tok-Zq81-secret', 'ExecCredential'),
    ('Authorization: Basic YWRtaW46cHctSGg1Mi1zZWNyZXQ=', 'YWRtaW46cHctSGg1Mi1zZWNyZXQ=', 'Authorization: Basic'),
    ('Authorization: Bearer tok-Zq81-secret', 'tok-Zq81-secret', 'Bearer'),
    ('unable to verify %s' % JWT, JWT, 'unable to verify'),
    ('client-key-data: S0VZLWRhdGEtc2VjcmV0', 'S0VZLWRhdGEtc2VjcmV0', 'client-key-data'),
    ('password=pw-Hh52-secret&user=admin', 'pw-Hh52-secret', 'user=admin'),
    ('token: tok-Zq81-secret, more', 'tok-Zq81-secret', 'more'),
]


@pytest.mark.parametrize('text, secret, kept', FORMS)
def test_known_forms_are_masked_without_being_told(text, secret, kept):
    masked = redact.redact(text)
    assert secret not in masked and kept in masked and redact.MASK in masked


def test_secrets_are_masked_by_value_anywhere():
    text = 'error: the server rejected tok-Zq81-secret and srv-Pw41 (nothing says what they are)'
    masked = redact.redact(text, kubectl.kubeconfig_secrets(RAW_VIEW))
    assert 'tok-Zq81-secret' not in masked and 'srv-Pw41' not in masked
    assert masked.startswith('error: the server rejected ')


def test_control_characters_never_reach_a_message():
    assert redact.sanitize('6.1.0\x1b[31m-amd64\x00\x07') == '6.1.0?[31m-amd64??'
    assert redact.redact('line one\nline\ttwo') == 'line one\nline\ttwo'
    assert redact.sanitize('x' * 50, 10) == 'x' * 10 + '...'


def test_url_secrets():
    assert redact.url_secrets('http://u:p%2Fw-Secret@proxy:3128') == {'p%2Fw-Secret', 'p/w-Secret'}
    assert redact.url_secrets(None) == set()


LEAKY_KUBECTL = '''#!/bin/sh
# kubectl that reads its kubeconfig (RAW_VIEW) and then fails every request with an error that carries
# the token in a form no pattern knows.
case "$*" in
  *"config view"*) cat "$VIEW";;
  *) echo "error: the server has asked for tok-Zq81-secret again (Unauthorized) $JUNK" >&2; exit 1;;
esac
'''


def test_cluster_info_masks_the_kubeconfig_credentials(tmp_path, monkeypatch):
    binary = tmp_path / 'kubectl'
    binary.write_text(LEAKY_KUBECTL)
    binary.chmod(0o755)
    view = tmp_path / 'view.json'
    view.write_text(json.dumps(RAW_VIEW))
    config = tmp_path / 'kubeconfig'
    config.write_text('apiVersion: v1\n')
    monkeypatch.setenv('VIEW', str(view))
    monkeypatch.setenv('JUNK', '\x1b[2J')
    secrets = set()
    params = dict(kubectl=str(binary), kubeconfig=str(config), context=None, timeout=5, min_k8s_version='1.16',
                  min_kernel_version='4.14', supported_architectures=['x86_64'], admission=True, namespace='pl',
                  pem_memory_limit='2Gi')
    result = cluster.cluster_info(params, lambda name: None, dict(os.environ), secrets=secrets)
    shown = json.dumps(result)
    assert 'rejected the credentials' in result['checks']['k8s_version']['msg']
    for secret in KNOWN:
        assert secret not in shown
    assert '\\u001b' not in shown
    assert result['server'] == 'https://admin:%s@10.0.0.1:6443' % redact.MASK
    assert set(KNOWN) <= secrets


def test_clean_message_masks_given_secrets():
    assert kubectl.clean_message('no: s3cr3t-value', secrets={'s3cr3t-value'}) == 'no: %s' % redact.MASK
