# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The egress_info module through AnsibleModule: documentation against the argument spec, the
result shape, misuse, warnings, and that the proxy password appears nowhere (result, invocation,
log). Endpoints are closed loopback ports: nothing leaves the machine."""

from __future__ import absolute_import, division, print_function

import json
import socket

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.modules import egress_info

PASSWORD = 'pw-Tr93-secret'


def closed_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    for name in ('https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def logged(monkeypatch):
    """What the module writes to the system log (its invocation line)."""
    lines = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: lines.append(msg))
    return lines


@pytest.fixture
def run_module(module_args):
    """Runs the module for real: its JSON on stdout and its exit code."""
    def runner(args, capsys):
        with module_args(args):
            with pytest.raises(SystemExit) as exited:
                egress_info.main()
        out = capsys.readouterr().out
        return exited.value.code, json.loads(out), out
    return runner


def test_documentation_matches_argument_spec(monkeypatch, capsys, run_module, module_doc):
    specs = []

    class Recording(basic.AnsibleModule):
        def __init__(self, argument_spec, **kwargs):
            specs.append((argument_spec, kwargs))
            super(Recording, self).__init__(argument_spec, **kwargs)

    monkeypatch.setattr(egress_info, 'AnsibleModule', Recording)
    run_module({'host': '127.0.0.1', 'port': closed_port(), 'timeout': 1}, capsys)
    spec, kwargs = specs[0]
    assert kwargs['supports_check_mode'] is True
    options = module_doc(egress_info)['options']
    assert sorted(options) == sorted(spec)
    for name, option in options.items():
        assert option['type'] == spec[name]['type'], name
        assert option.get('default') == spec[name].get('default'), name
    assert options['host']['default'] == requirements.CLOUD_HOST
    assert options['port']['default'] == requirements.CLOUD_PORT
    returned = yaml.safe_load(egress_info.RETURN)
    assert sorted(returned) == ['checks', 'egress', 'status']
    assert returned['egress']['contains']['stage']['choices'] == ['dns', 'connect', 'proxy', 'tls', 'alpn', 'http2', 'ok']


def test_unreachable_is_reported_not_failed(capsys, run_module):
    port = closed_port()
    code, result, _out = run_module({'host': '127.0.0.1', 'port': port, 'timeout': 1, '_ansible_check_mode': True},
                                    capsys)
    assert code == 0
    assert result['changed'] is False and 'failed' not in result
    assert result['status'] == 'fail'
    assert result['egress']['stage'] == 'connect'
    assert result['egress']['addresses'] == ['127.0.0.1']
    assert result['checks']['egress']['status'] == 'fail'
    assert '127.0.0.1:%d' % port in result['checks']['egress']['remedy']


def test_proxy_password_is_masked_everywhere(capsys, logged, run_module):
    port = closed_port()
    proxy = 'http://pixie:%s@127.0.0.1:%d' % (PASSWORD, port)
    code, result, out = run_module({'host': 'withpixie.ai', 'proxy': proxy, 'timeout': 1}, capsys)
    assert code == 0
    assert result['egress']['stage'] == 'proxy'
    assert result['egress']['via_proxy'] == 'http://127.0.0.1:%d' % port
    assert result['egress']['proxy_source'] == 'option'
    assert PASSWORD not in out
    assert result['invocation']['module_args']['proxy'] == 'http://pixie:********@127.0.0.1:%d' % port
    assert logged and all(PASSWORD not in line for line in logged)
    assert any('proxy=http://pixie:********@127.0.0.1' in line for line in logged)


def test_environment_proxy_password_is_masked(capsys, logged, monkeypatch, run_module):
    port = closed_port()
    monkeypatch.setenv('HTTPS_PROXY', 'http://pixie:%s@127.0.0.1:%d' % (PASSWORD, port))
    code, result, out = run_module({'host': 'withpixie.ai', 'timeout': 1}, capsys)
    assert result['egress']['stage'] == 'proxy'
    assert result['egress']['proxy_source'] == 'environment'
    assert PASSWORD not in out


def test_validate_certs_false_warns(capsys, run_module):
    code, result, _out = run_module({'host': '127.0.0.1', 'port': closed_port(), 'timeout': 1,
                                     'validate_certs': False}, capsys)
    assert result['egress']['validate_certs'] is False
    assert 'NOT verified' in result['egress']['msg']
    # ansible-core 2.19 returns warnings as structured records, older ones as strings.
    assert 'validate_certs is false: the certificate of 127.0.0.1' in json.dumps(result['warnings'])


@pytest.mark.parametrize('args, message', [
    ({'port': 0}, 'port must be between 1 and 65535'),
    ({'port': 70000}, 'port must be between 1 and 65535'),
    ({'timeout': 0}, 'timeout must be a positive number'),
    ({'host': ' '}, 'host must not be empty'),
    ({'ca_path': '/nonexistent/ca.pem'}, 'ca_path /nonexistent/ca.pem is not a file'),
    ({'proxy': 'https://u:%s@proxy:3128' % PASSWORD}, "proxy scheme 'https' is not supported"),
])
def test_misuse_fails_with_a_message(args, message, capsys, run_module):
    code, result, out = run_module(dict({'timeout': 1}, **args), capsys)
    assert code == 1
    assert result['failed'] is True
    assert message in result['msg']
    assert PASSWORD not in out
