# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System tests of the egress probe and the egress_info module (and its old name, egress_check).

Every endpoint is a real server this test starts on loopback (support_tls: a throwaway CA, TLS /
HTTP/2 servers, Debian's tinyproxy in the foreground); nothing leaves the machine. Timings are
printed, never asserted.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import shutil
import socket
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support_tls  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress as egress  # noqa: E402

TIMEOUT = 3.0
PROXY_VARS = ('https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY',
              'all_proxy', 'ALL_PROXY')

needs_nghttpd = pytest.mark.skipif(
    shutil.which('nghttpd') is None,
    reason='Debian package nghttp2-server is not installed (tests/system-packages.txt; make test installs it)')
needs_tinyproxy = pytest.mark.skipif(
    shutil.which('tinyproxy') is None,
    reason='Debian package tinyproxy is not installed (tests/system-packages.txt; make test installs it)')


@pytest.fixture(scope='module')
def ca():
    with support_tls.throwaway_ca() as made:
        yield made


@pytest.fixture(scope='module')
def other_ca():
    with support_tls.throwaway_ca(name=u'some other CA (a TLS-intercepting proxy)') as made:
        yield made


@pytest.fixture(scope='module')
def h2_server(ca):
    with support_tls.tls_server(ca, 'h2') as server:
        yield server


def probe(host, port, **kwargs):
    kwargs.setdefault('timeout', TIMEOUT)
    kwargs.setdefault('environ', {})
    result = egress.run(host, port, **kwargs)
    print('%s:%s -> %s in %s ms: %s' % (host, port, result['egress']['stage'], result['egress']['elapsed_ms'],
                                        result['egress']['msg']))
    return result


def assert_stopped_at(result, stage):
    assert result['egress']['stage'] == stage, result
    assert result['egress']['reachable'] is (stage == 'ok')
    check = result['checks']['egress']
    assert check['status'] == ('pass' if stage == 'ok' else 'fail')
    assert result['status'] == check['status']
    assert check['msg'] == result['egress']['msg']
    if stage == 'ok':
        assert check['remedy'] is None
    else:
        assert check['remedy'], 'a failing check must say what to do'
        assert check['actual'] == 'stopped at %s' % stage


# ---------------------------------------------------------------- direct

def test_h2_server_is_ok(h2_server, ca):
    result = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path)
    assert_stopped_at(result, 'ok')
    found = result['egress']
    assert found['alpn_protocol'] == 'h2'
    assert found['tls_version'] in ('TLSv1.2', 'TLSv1.3')
    assert '127.0.0.1' in found['addresses']
    assert found['via_proxy'] is None
    assert found['validate_certs'] is True
    assert found['peer_certificate']['subject'] == 'O=pixie_ops.preflight tests,CN=localhost'
    assert found['peer_certificate']['issuer'] == 'O=pixie_ops.preflight tests,CN=%s' % ca.name
    assert 'sni:localhost' in h2_server.served
    assert 'settings-sent' in h2_server.served


@needs_nghttpd
def test_real_http2_server_is_ok_directly_and_through_tinyproxy(ca):
    with support_tls.nghttpd(ca) as server:
        result = probe(server.host, server.port, ca_path=server.ca_path)
        assert_stopped_at(result, 'ok')
        assert result['egress']['alpn_protocol'] == 'h2'
        if shutil.which('tinyproxy'):
            with support_tls.tinyproxy(connect_ports=(server.port,)) as proxy:
                proxied = probe(server.host, server.port, ca_path=server.ca_path, proxy=proxy.url)
                assert_stopped_at(proxied, 'ok')
                assert proxied['egress']['via_proxy'] == 'http://127.0.0.1:%d' % proxy.port


def test_system_trust_store_does_not_trust_the_throwaway_ca(h2_server):
    result = probe(h2_server.host, h2_server.port)
    assert_stopped_at(result, 'tls')


def test_http1_only_server_stops_at_alpn(ca):
    with support_tls.tls_server(ca, 'http1') as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path)
        assert_stopped_at(result, 'alpn')
        assert result['egress']['alpn_protocol'] == 'http/1.1'
        assert 'HTTP/2' in result['checks']['egress']['remedy']
        # Without require_http2 the same server is enough.
        relaxed = probe(server.host, server.port, ca_path=ca.ca_path, require_http2=False)
        assert_stopped_at(relaxed, 'ok')
        assert 'HTTP/2 not checked' in relaxed['egress']['msg']


def test_server_that_accepts_h2_but_never_speaks_it_stops_at_http2(ca):
    with support_tls.tls_server(ca, 'h2-silent') as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path)
        assert_stopped_at(result, 'http2')
        assert result['egress']['alpn_protocol'] == 'h2'
        assert 'no SETTINGS came back' in result['egress']['msg']


def test_certificate_from_another_ca_stops_at_tls_and_names_its_issuer(ca, other_ca):
    with support_tls.tls_server(other_ca, 'h2') as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path)
        assert_stopped_at(result, 'tls')
        assert other_ca.name in result['egress']['msg']
        assert result['egress']['peer_certificate']['issuer'].endswith('CN=%s' % other_ca.name)
        assert 'trust its CA' in result['checks']['egress']['remedy']


def test_validate_certs_false_passes_and_says_so(ca, other_ca):
    with support_tls.tls_server(other_ca, 'h2') as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path, validate_certs=False)
        assert_stopped_at(result, 'ok')
        assert result['egress']['validate_certs'] is False
        assert 'NOT verified' in result['egress']['msg']
        assert 'certificate verified' not in result['checks']['egress']['expected']


def test_certificate_for_another_name_stops_at_tls(ca):
    with support_tls.tls_server(ca, 'h2', names=(u'cloud.example.com',)) as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path)
        assert_stopped_at(result, 'tls')
        assert 'not for localhost' in result['checks']['egress']['remedy']


def test_closed_port_stops_at_connect():
    port = support_tls.free_port()
    result = probe('localhost', port)
    assert_stopped_at(result, 'connect')
    assert 'refused' in result['egress']['msg'].lower()
    assert 'firewall' in result['checks']['egress']['remedy']


def test_invalid_name_stops_at_dns():
    result = probe('pixie-preflight-test.invalid', 443)
    assert_stopped_at(result, 'dns')
    assert result['egress']['addresses'] == []


def test_server_that_never_answers_tls_times_out_at_tls(ca):
    with support_tls.tls_server(ca, 'silent') as server:
        result = probe(server.host, server.port, ca_path=ca.ca_path, timeout=1.0)
        assert_stopped_at(result, 'tls')
        assert 'no answer within 1s' in result['egress']['msg']


def test_listener_that_never_accepts_times_out_at_connect_or_tls():
    # A listener whose accept queue is full and never drained: the kernel stops answering SYNs
    # (Linux) or completes the handshake with nobody behind it; either way nothing answers.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers = []
    try:
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        while len(fillers) < 4:
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(('127.0.0.1', port))
            fillers.append(filler)
        result = probe('127.0.0.1', port, timeout=1.0)
        assert result['egress']['stage'] in ('connect', 'tls'), result
        assert 'timed out' in result['egress']['msg'] or 'no answer within' in result['egress']['msg']
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


# ---------------------------------------------------------------- through tinyproxy

@needs_tinyproxy
def test_through_tinyproxy_is_ok(h2_server, ca):
    with support_tls.tinyproxy(connect_ports=(h2_server.port,)) as proxy:
        result = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, proxy=proxy.url)
        assert_stopped_at(result, 'ok')
        assert result['egress']['via_proxy'] == 'http://127.0.0.1:%d' % proxy.port
        assert result['egress']['proxy_source'] == 'option'
        assert result['egress']['addresses'] == []  # the proxy resolved the name, not the node
        assert 'CONNECT localhost:%d' % h2_server.port in proxy.log()


@needs_tinyproxy
def test_tinyproxy_refusing_the_port_stops_at_proxy(h2_server, ca):
    with support_tls.tinyproxy(connect_ports=(443,)) as proxy:
        result = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, proxy=proxy.url)
        assert_stopped_at(result, 'proxy')
        assert ' 403 ' in result['egress']['msg']
        assert 'ConnectPort' in result['checks']['egress']['remedy']


@needs_tinyproxy
def test_proxy_from_environment_and_no_proxy(h2_server, ca):
    with support_tls.tinyproxy(connect_ports=(443,)) as proxy:
        environ = {'https_proxy': proxy.url}
        through = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, environ=environ)
        assert_stopped_at(through, 'proxy')
        assert through['egress']['proxy_source'] == 'environment'
        environ['NO_PROXY'] = 'example.com, localhost'
        bypassed = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, environ=environ)
        assert_stopped_at(bypassed, 'ok')
        assert bypassed['egress']['via_proxy'] is None
        assert 'no_proxy matches localhost' in bypassed['egress']['msg']
        # use_proxy: false ignores the environment as well.
        direct = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, environ={'https_proxy': proxy.url},
                       use_proxy=False)
        assert_stopped_at(direct, 'ok')


@needs_tinyproxy
def test_proxy_basic_auth_is_used_and_never_returned(h2_server, ca):
    password = 'pw-Zq81-secret'
    with support_tls.tinyproxy(basic_auth=('pixie', password)) as proxy:
        result = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, proxy=proxy.url)
        assert_stopped_at(result, 'ok')
        assert password not in json.dumps(result)
        assert result['egress']['via_proxy'] == 'http://127.0.0.1:%d' % proxy.port
        wrong = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path,
                      proxy='http://pixie:wrong-%s@127.0.0.1:%d' % (password, proxy.port))
        assert_stopped_at(wrong, 'proxy')
        assert ' 401 ' in wrong['egress']['msg'] or ' 407 ' in wrong['egress']['msg']  # tinyproxy: 401
        assert 'credentials' in wrong['checks']['egress']['remedy']
        assert password not in json.dumps(wrong)
        anonymous = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path, proxy='127.0.0.1:%d' % proxy.port)
        assert_stopped_at(anonymous, 'proxy')
        assert ' 407 ' in anonymous['egress']['msg']
        assert 'credentials' in anonymous['checks']['egress']['remedy']


def test_proxy_that_is_not_listening_stops_at_proxy(h2_server, ca):
    result = probe(h2_server.host, h2_server.port, ca_path=ca.ca_path,
                   proxy='http://127.0.0.1:%d' % support_tls.free_port())
    assert_stopped_at(result, 'proxy')
    assert 'cannot connect to the proxy' in result['egress']['msg']


# ---------------------------------------------------------------- through ansible

@pytest.fixture
def run_module(ansible_env, bin_dir):
    env = {k: v for k, v in ansible_env.items() if k not in PROXY_VARS}
    env['ANSIBLE_LOAD_CALLBACK_PLUGINS'] = '0'  # ad-hoc: the minimal callback, "localhost | ... => {json}"

    def run(args, extra=(), extra_env=None, module='egress_info'):
        command = [os.path.join(bin_dir, 'ansible'), 'localhost', '-i', 'localhost,', '-c', 'local',
                   '-e', 'ansible_python_interpreter=%s' % sys.executable,
                   '-m', 'pixie_ops.preflight.%s' % module, '-a', json.dumps(args)] + list(extra)
        run_env = dict(env, **(extra_env or {}))
        done = subprocess.run(command, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300, check=False)
        print(done.stderr[-3000:])
        return done

    return run


def host_result(done):
    match = re.search(r'^localhost \| [A-Z]+!?(?: \| changed=\w+)? => ', done.stdout, re.MULTILINE)
    assert match, done.stdout + done.stderr
    return json.JSONDecoder().raw_decode(done.stdout[match.end():])[0]


def test_module_ok_through_ansible(run_module, h2_server, ca):
    done = run_module({'host': h2_server.host, 'port': h2_server.port, 'ca_path': ca.ca_path, 'timeout': TIMEOUT})
    assert done.returncode == 0, done.stdout
    result = host_result(done)
    assert result['changed'] is False
    assert result['status'] == 'pass'
    assert result['egress']['stage'] == 'ok'
    assert result['checks']['egress']['status'] == 'pass'


def test_old_name_egress_check_is_redirected(run_module, h2_server, ca):
    done = run_module({'host': h2_server.host, 'port': h2_server.port, 'ca_path': ca.ca_path, 'timeout': TIMEOUT},
                      module='egress_check')
    assert done.returncode == 0, done.stdout
    assert host_result(done)['egress']['stage'] == 'ok'
    assert 'egress_info' in done.stdout + done.stderr   # the deprecation says what to use instead


def test_module_check_mode_and_failures_are_reported_not_raised(run_module, ca):
    with support_tls.tls_server(ca, 'http1') as server:
        done = run_module({'host': server.host, 'port': server.port, 'ca_path': ca.ca_path, 'timeout': TIMEOUT},
                          extra=['--check'])
    assert done.returncode == 0, done.stdout
    result = host_result(done)
    assert result.get('failed') is not True
    assert result['changed'] is False
    assert result['status'] == 'fail'
    assert result['egress']['stage'] == 'alpn'
    assert result['checks']['egress']['remedy']


def test_module_validate_certs_false_warns(run_module, h2_server):
    done = run_module({'host': h2_server.host, 'port': h2_server.port, 'validate_certs': False, 'timeout': TIMEOUT})
    result = host_result(done)
    assert result['egress']['stage'] == 'ok'
    assert result['egress']['validate_certs'] is False
    assert '[WARNING]: validate_certs is false' in done.stdout + done.stderr


def test_module_rejects_an_unusable_proxy_url(run_module, h2_server):
    done = run_module({'host': h2_server.host, 'port': h2_server.port,
                       'proxy': 'socks5://pixie:pw-Vb77-secret@127.0.0.1:1080'})
    result = host_result(done)
    assert done.returncode != 0
    assert 'localhost | FAILED!' in done.stdout
    assert 'socks5' in result['msg']
    assert 'pw-Vb77-secret' not in done.stdout + done.stderr
    assert 'Traceback' not in done.stdout


@needs_tinyproxy
def test_module_never_shows_the_proxy_password(run_module, h2_server, ca):
    password = 'pw-Kx42-secret'
    with support_tls.tinyproxy(connect_ports=(h2_server.port,), basic_auth=('pixie', password)) as proxy:
        args = {'host': h2_server.host, 'port': h2_server.port, 'ca_path': ca.ca_path, 'timeout': TIMEOUT,
                'proxy': proxy.url}
        done = run_module(args)
        result = host_result(done)
        assert result['egress']['stage'] == 'ok', result
        assert result['egress']['via_proxy'] == 'http://127.0.0.1:%d' % proxy.port
        assert password not in done.stdout + done.stderr
        # The same from the environment, at the highest verbosity (invocation shown).
        verbose = run_module({'host': h2_server.host, 'port': h2_server.port, 'ca_path': ca.ca_path,
                              'timeout': TIMEOUT}, extra=['-vvvv'], extra_env={'HTTPS_PROXY': proxy.url})
        assert '"stage": "ok"' in verbose.stdout
        assert '"proxy_source": "environment"' in verbose.stdout
        verbose_arg = run_module(args, extra=['-vvvv'])
        assert '"stage": "ok"' in verbose_arg.stdout
        assert '"invocation"' in verbose_arg.stdout
        for output in (verbose.stdout + verbose.stderr, verbose_arg.stdout + verbose_arg.stderr):
            assert password not in output
