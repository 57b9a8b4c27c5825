# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/egress: proxy URLs, no_proxy, HTTP/2 frames, certificates, the
check record, and the steps that need no TLS (against sockets on loopback).

The full TLS / HTTP/2 / tinyproxy paths are in tests/system/test_egress.py.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import datetime
import socket
import threading
import time

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import egress
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

# ------------------------------------------------------------------ proxy URLs

PROXY_URLS = [
    ('http://proxy.example.com:3128', 'proxy.example.com', 3128, None, None, 'http://proxy.example.com:3128'),
    ('http://proxy.example.com:3128/', 'proxy.example.com', 3128, None, None, 'http://proxy.example.com:3128'),
    ('proxy.example.com:8080', 'proxy.example.com', 8080, None, None, 'http://proxy.example.com:8080'),
    ('http://proxy.example.com', 'proxy.example.com', 80, None, None, 'http://proxy.example.com:80'),
    ('HTTP://Proxy.Example.com:3128', 'proxy.example.com', 3128, None, None, 'http://proxy.example.com:3128'),
    ('http://user:pa%40ss@10.0.0.1:3128', '10.0.0.1', 3128, 'user', 'pa@ss', 'http://10.0.0.1:3128'),
    ('http://user:p@ss:w@10.0.0.1:3128', '10.0.0.1', 3128, 'user', 'p@ss:w', 'http://10.0.0.1:3128'),
    ('http://user@10.0.0.1:3128', '10.0.0.1', 3128, 'user', None, 'http://10.0.0.1:3128'),
    ('http://[fd00::1]:3128', 'fd00::1', 3128, None, None, 'http://[fd00::1]:3128'),
    ('  http://10.0.0.1:3128  ', '10.0.0.1', 3128, None, None, 'http://10.0.0.1:3128'),
]


@pytest.mark.parametrize('url, host, port, username, password, display', PROXY_URLS)
def test_parse_proxy_url(url, host, port, username, password, display):
    parsed = egress.parse_proxy_url(url)
    assert (parsed['host'], parsed['port'], parsed['username'], parsed['password'], parsed['display']) == (
        host, port, username, password, display)


BAD_PROXY_URLS = [
    ('', 'empty'),
    ('https://proxy.example.com:3128', "scheme 'https'"),
    ('socks5://user:secret@proxy:1080', "scheme 'socks5'"),
    ('http://proxy:notaport', 'cannot parse'),
    ('http://proxy:99999', 'cannot parse'),
    ('http://:3128', 'no host'),
]


@pytest.mark.parametrize('url, message', BAD_PROXY_URLS)
def test_parse_proxy_url_rejects(url, message):
    with pytest.raises(egress.ProxyURLError) as raised:
        egress.parse_proxy_url(url)
    assert message in str(raised.value)
    assert 'secret' not in str(raised.value)


@pytest.mark.parametrize('url, redacted, secrets', [
    ('http://u:secret@proxy:3128', 'http://proxy:3128', ['secret']),
    ('http://u:s%40cret@proxy:3128', 'http://proxy:3128', ['s%40cret', 's@cret']),
    ('u:secret@proxy:3128', 'proxy:3128', ['secret']),
    ('http://u:p@ss@proxy:3128', 'http://proxy:3128', ['p@ss']),
    ('http://u@proxy:3128', 'http://proxy:3128', []),
    ('http://proxy:3128', 'http://proxy:3128', []),
])
def test_redaction_and_credentials(url, redacted, secrets):
    assert egress.redact_proxy_url(url) == redacted
    assert egress.proxy_credentials(url) == sorted(secrets)


# ------------------------------------------------------------------ no_proxy

NO_PROXY = [
    ('withpixie.ai', 443, '', False),
    ('withpixie.ai', 443, '*', True),
    ('withpixie.ai', 443, 'withpixie.ai', True),
    ('withpixie.ai', 443, 'WithPixie.AI', True),
    ('withpixie.ai', 443, '.withpixie.ai', True),
    ('cloud.withpixie.ai', 443, 'withpixie.ai', True),
    ('cloud.withpixie.ai', 443, '.withpixie.ai', True),
    ('cloud.withpixie.ai', 443, '*.withpixie.ai', True),
    ('notwithpixie.ai', 443, 'withpixie.ai', False),
    ('withpixie.ai', 443, 'localhost,127.0.0.1,.svc,.cluster.local', False),
    ('withpixie.ai', 443, 'localhost, withpixie.ai', True),
    ('withpixie.ai', 443, 'localhost withpixie.ai', True),
    ('withpixie.ai', 443, 'withpixie.ai:443', True),
    ('withpixie.ai', 443, 'withpixie.ai:8443', False),
    ('withpixie.ai.', 443, 'withpixie.ai', True),
    ('10.1.2.3', 443, '10.0.0.0/8', True),
    ('10.1.2.3', 443, '192.168.0.0/16', False),
    ('10.1.2.3', 443, '10.1.2.3', True),
    ('10.1.2.3', 443, '10.1.2', False),
    ('fd00::5', 443, 'fd00::/64', True),
    ('fd00::5', 443, '[fd00::5]:443', True),
    ('withpixie.ai', 443, '10.0.0.0/8', False),
    ('withpixie.ai', 443, ',,', False),
]


@pytest.mark.parametrize('host, port, no_proxy, expected', NO_PROXY)
def test_no_proxy_matches(host, port, no_proxy, expected):
    assert egress.no_proxy_matches(host, port, no_proxy) is expected


def test_select_proxy():
    env = {'https_proxy': 'http://u:secret@proxy:3128', 'NO_PROXY': '.svc'}
    expected = ('http://u:secret@proxy:3128', 'environment', None)
    assert egress.select_proxy('withpixie.ai', 443, None, True, env) == expected
    # lower case first, as curl does
    env2 = {'https_proxy': 'http://lower:1', 'HTTPS_PROXY': 'http://upper:2'}
    assert egress.select_proxy('withpixie.ai', 443, None, True, env2)[0] == 'http://lower:1'
    assert egress.select_proxy('withpixie.ai', 443, None, True, {'HTTPS_PROXY': 'http://upper:2'})[0] == 'http://upper:2'
    # http_proxy is not for https traffic
    assert egress.select_proxy('withpixie.ai', 443, None, True, {'http_proxy': 'http://p:1'}) == (None, None, None)
    chosen, source, note = egress.select_proxy('api.svc', 443, None, True, env)
    assert (chosen, source) == (None, None)
    assert 'no_proxy matches api.svc' in note and 'secret' not in note
    # an explicit proxy wins over the environment and ignores no_proxy
    assert egress.select_proxy('api.svc', 443, 'http://other:8', True, env) == ('http://other:8', 'option', None)
    chosen, source, note = egress.select_proxy('withpixie.ai', 443, 'http://other:8', False, env)
    assert (chosen, source) == (None, None) and 'use_proxy is false' in note


# ------------------------------------------------------------------ HTTP/2 frames and CONNECT answers

def test_h2_frames_round_trip():
    frame = egress.h2_frame(egress.H2_FRAME_SETTINGS, egress.H2_FLAG_ACK, 0, b'')
    assert frame == b'\x00\x00\x00\x04\x01\x00\x00\x00\x00'
    goaway = egress.h2_frame(egress.H2_FRAME_GOAWAY, payload=b'\x00' * 8)
    assert egress.parse_h2_frame_header(goaway[:9]) == (8, egress.H2_FRAME_GOAWAY, 0, 0)
    big = egress.h2_frame(0x0, 0x1, 0x80000003, b'x' * 70000)
    assert egress.parse_h2_frame_header(big[:9]) == (70000, 0, 1, 3)
    with pytest.raises(ValueError):
        egress.parse_h2_frame_header(b'\x00' * 8)


@pytest.mark.parametrize('head, expected', [
    (b'HTTP/1.1 200 Connection established\r\n\r\n', (200, 'Connection established')),
    (b'HTTP/1.0 200 OK\r\nProxy-agent: x\r\n\r\n', (200, 'OK')),
    (b'HTTP/1.0 403 Access violation\r\n\r\n', (403, 'Access violation')),
    (b'HTTP/1.1 407\r\n\r\n', (407, '')),
])
def test_parse_connect_response(head, expected):
    assert egress.parse_connect_response(head) == expected


@pytest.mark.parametrize('head', [b'SSH-2.0-OpenSSH_9.2\r\n\r\n', b'\x16\x03\x01\x00\x00\r\n\r\n', b'HTTP/1.1 abc\r\n\r\n'])
def test_parse_connect_response_rejects(head):
    with pytest.raises(ValueError):
        egress.parse_connect_response(head)


# ------------------------------------------------------------------ certificates

def _certificate(subject, issuer, not_after):
    x509 = pytest.importorskip('cryptography.x509')
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
               .not_valid_after(not_after))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_describe_certificate():
    x509 = pytest.importorskip('cryptography.x509')
    from cryptography.x509.oid import NameOID
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u'withpixie.ai')])
    issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, u'US'),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, u'Zscaler Inc.'),
                        x509.NameAttribute(NameOID.COMMON_NAME, u'Zscaler Root CA \u00e9')])
    # 2049: UTCTime; 2051: GeneralizedTime (RFC 5280 4.1.2.5)
    for year, text in ((2049, 'Feb  3 04:05:06 2049 GMT'), (2051, 'Dec 31 23:59:59 2051 GMT')):
        when = datetime.datetime(year, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc) if year == 2049 else \
            datetime.datetime(year, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)
        described = egress.describe_certificate(_certificate(subject, issuer, when))
        assert described == {'subject': 'CN=withpixie.ai', 'issuer': u'C=US,O=Zscaler Inc.,CN=Zscaler Root CA \u00e9',
                             'not_after': text}


@pytest.mark.parametrize('der', [b'', b'\x30\x03\x02\x01', b'\x30\x00', b'not a certificate at all'])
def test_describe_certificate_rejects(der):
    with pytest.raises(ValueError):
        egress.describe_certificate(der)


# ------------------------------------------------------------------ the check record

def _egress(**kwargs):
    found = {'host': 'withpixie.ai', 'port': 443, 'stage': 'ok', 'msg': 'm', 'via_proxy': None,
             'tls_version': 'TLSv1.3', 'alpn_protocol': 'h2', 'validate_certs': True, 'require_http2': True}
    found.update(kwargs)
    return found


def test_egress_check_pass_and_fail():
    passed = egress.egress_check(_egress(via_proxy='http://p:3128'))
    assert passed['status'] == 'pass' and passed['remedy'] is None
    assert passed['actual'] == 'ok: TLSv1.3, ALPN h2 via http://p:3128'
    assert passed['expected'] == 'HTTPS/2 (ALPN h2, HTTP/2 SETTINGS) to withpixie.ai:443, certificate verified'
    for stage in egress.STAGES[:-1]:
        failed = egress.egress_check(_egress(stage=stage), 'do this')
        assert (failed['status'], failed['actual'], failed['remedy']) == ('fail', 'stopped at %s' % stage, 'do this')
    relaxed = egress.egress_check(_egress(validate_certs=False, require_http2=False, host='::1'))
    assert relaxed['expected'] == 'HTTPS to [::1]:443'


def test_defaults_come_from_requirements():
    import inspect
    signature = inspect.signature(egress.run)
    assert signature.parameters['host'].default == requirements.CLOUD_HOST
    assert signature.parameters['port'].default == requirements.CLOUD_PORT


# ------------------------------------------------------------------ steps without TLS, on loopback

def test_dns_is_bounded_by_the_timeout():
    release = threading.Event()

    def stuck_resolver(*args):
        release.wait(30)
        raise socket.gaierror(-2, 'Name or service not known')

    try:
        found, remedy = egress.probe('withpixie.ai', 443, timeout=0.3, resolver=stuck_resolver)
    finally:
        release.set()
    assert found['stage'] == 'dns' and 'no answer from the resolver' in found['msg']
    assert 'resolv.conf' in remedy


def test_dns_failure_and_no_address():
    def failing(*args):
        raise socket.gaierror(-2, 'Name or service not known')

    found, remedy = egress.probe('withpixie.ai', 443, timeout=1, resolver=failing)
    assert (found['stage'], found['msg']) == ('dns', 'cannot resolve withpixie.ai: Name or service not known')
    found, remedy = egress.probe('withpixie.ai', 443, timeout=1, resolver=lambda *a: [])
    assert found['stage'] == 'dns' and 'no address' in found['msg']


def test_connect_tries_every_address():
    # The name resolves to a closed loopback port first, then to a listening one: connect must go on.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.bind(('127.0.0.2', 0))
    closed.close()

    def resolver(name, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', ('127.0.0.2', port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, '', ('127.0.0.1', port))]

    try:
        found, remedy = egress.probe('cloud.test', port, timeout=0.5, resolver=resolver)
    finally:
        listener.close()
    # It got past connect (to 127.0.0.1) and stopped at TLS (nobody speaks TLS there).
    assert found['addresses'] == ['127.0.0.2', '127.0.0.1']
    assert found['stage'] == 'tls', found


@contextlib.contextmanager
def fake_proxy(answer):
    """A loopback 'proxy' that reads one request head and answers ``answer`` (bytes or None)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(4)
    seen = []

    def serve():
        try:
            conn = listener.accept()[0]
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            head = b''
            try:
                while b'\r\n\r\n' not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                seen.append(head)
                if answer is not None:
                    conn.sendall(answer)
                    time.sleep(0.2)
                else:
                    conn.recv(1)  # hold it open, say nothing
            except OSError:
                pass

    thread = threading.Thread(target=serve)
    thread.daemon = True
    thread.start()
    try:
        yield 'http://pixie:pw%%21x@127.0.0.1:%d' % listener.getsockname()[1], seen
    finally:
        listener.close()
        thread.join(6)


@pytest.mark.parametrize('answer, needle, remedy', [
    (b'HTTP/1.1 403 Forbidden\r\n\r\n<html>no</html>', '403 Forbidden', 'Allow CONNECT'),
    (b'HTTP/1.1 407 Proxy Authentication Required\r\n\r\n', '407', 'credentials'),
    (b'HTTP/1.1 502 Bad Gateway\r\n\r\n', '502', 'cannot reach'),
    (b'SSH-2.0-OpenSSH_9.2p1\r\n\r\n', 'not an HTTP response', 'accepts CONNECT'),
    (b'', 'closed the connection', 'accepts CONNECT'),
    (None, 'no answer within 0.5s', 'accepts CONNECT'),
])
def test_proxy_answers(answer, needle, remedy):
    with fake_proxy(answer) as (url, seen):
        found, got_remedy = egress.probe('withpixie.ai', 443, timeout=0.5, proxy=url, resolver=socket.getaddrinfo)
    assert found['stage'] == 'proxy', found
    assert needle in found['msg'] and remedy in got_remedy
    assert found['addresses'] == []
    assert found['via_proxy'] == 'http://127.0.0.1:%s' % url.rsplit(':', 1)[1]
    assert 'pw' not in found['msg'] and 'pw' not in found['via_proxy']
    # The request: CONNECT with the target, and basic auth from the URL (percent-decoded).
    head = seen[0].decode('latin-1')
    assert head.startswith('CONNECT withpixie.ai:443 HTTP/1.1\r\nHost: withpixie.ai:443\r\n')
    assert 'Proxy-Authorization: Basic cGl4aWU6cHcheA==\r\n' in head  # base64('pixie:pw!x')


def test_run_reports_an_unusable_environment_proxy_and_raises_on_an_unusable_option():
    result = egress.run('withpixie.ai', 443, timeout=0.5, environ={'https_proxy': 'socks5://u:secret@p:1080'})
    assert result['egress']['stage'] == 'proxy' and result['status'] == 'fail'
    assert result['egress']['via_proxy'] == 'socks5://p:1080'
    assert 'secret' not in repr(result)
    with pytest.raises(egress.ProxyURLError):
        egress.run('withpixie.ai', 443, timeout=0.5, proxy='socks5://p:1080', environ={})
