# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of module_utils/_proxy_url, _no_proxy and _proxy: the one proxy URL parser, redaction,
no_proxy, proxy choice."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _no_proxy
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _proxy as proxy
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _proxy_url as proxy_url
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError

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
    parsed = proxy_url.parse_proxy_url(url)
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
    with pytest.raises(ProxyURLError) as raised:
        proxy_url.parse_proxy_url(url)
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
    assert proxy_url.redact_proxy_url(url) == redacted
    assert proxy_url.proxy_credentials(url) == sorted(secrets)


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
    assert _no_proxy.no_proxy_matches(host, port, no_proxy) is expected


def test_select_proxy():
    env = {'https_proxy': 'http://u:secret@proxy:3128', 'NO_PROXY': '.svc'}
    expected = ('http://u:secret@proxy:3128', 'environment', None)
    assert proxy.select_proxy('withpixie.ai', 443, None, True, env) == expected
    # lower case first, as curl does
    env2 = {'https_proxy': 'http://lower:1', 'HTTPS_PROXY': 'http://upper:2'}
    assert proxy.select_proxy('withpixie.ai', 443, None, True, env2)[0] == 'http://lower:1'
    assert proxy.select_proxy('withpixie.ai', 443, None, True, {'HTTPS_PROXY': 'http://upper:2'})[0] == 'http://upper:2'
    # http_proxy is not for https traffic
    assert proxy.select_proxy('withpixie.ai', 443, None, True, {'http_proxy': 'http://p:1'}) == (None, None, None)
    chosen, source, note = proxy.select_proxy('api.svc', 443, None, True, env)
    assert (chosen, source) == (None, None)
    assert 'no_proxy matches api.svc' in note and 'secret' not in note
    # an explicit proxy wins over the environment and ignores no_proxy
    assert proxy.select_proxy('api.svc', 443, 'http://other:8', True, env) == ('http://other:8', 'option', None)
    chosen, source, note = proxy.select_proxy('withpixie.ai', 443, 'http://other:8', False, env)
    assert (chosen, source) == (None, None) and 'use_proxy is false' in note


# Passwords with the characters that end the host part of a URL, written as they are (curl accepts
# them) or percent-encoded: the parser must find the host after the last '@' and decode the password.
@pytest.mark.parametrize('url, password, raw', [
    ('http://u:pa/ss@proxy:3128', 'pa/ss', 'pa/ss'),
    ('http://u:pa?ss@proxy:3128', 'pa?ss', 'pa?ss'),
    ('http://u:pa#ss@proxy:3128', 'pa#ss', 'pa#ss'),
    ('http://u:a/b?c#d@e@proxy:3128/', 'a/b?c#d@e', 'a/b?c#d@e'),
    ('http://u:pa%2Fss@proxy:3128', 'pa/ss', 'pa%2Fss'),
    ('http://u:pa%3Fss@proxy:3128', 'pa?ss', 'pa%3Fss'),
    ('http://u:pa%23ss@proxy:3128', 'pa#ss', 'pa%23ss'),
    ('http://u%40corp:p%C3%A4ss@proxy:3128', 'p\u00e4ss', 'p%C3%A4ss'),
])
def test_passwords_with_url_delimiters(url, password, raw):
    parsed = proxy_url.parse_proxy_url(url)
    assert (parsed['host'], parsed['port'], parsed['password']) == ('proxy', 3128, password)
    assert proxy_url.redact_proxy_url(url) == 'http://proxy:3128' + ('/' if url.endswith('/') else '')
    assert proxy_url.proxy_credentials(url) == sorted(set([password, raw]))
    assert password not in parsed['display']


def test_unparseable_url_is_still_redacted():
    url = 'http://u:s3cret@proxy:notaport'
    assert 's3cret' not in proxy_url.redact_proxy_url(url)
    with pytest.raises(ProxyURLError) as raised:
        proxy_url.parse_proxy_url(url)
    assert 's3cret' not in str(raised.value)
    assert proxy_url.proxy_credentials(url) == ['s3cret']   # masked even when the URL is unusable


def test_a_node_check_without_a_proxy_never_imports_the_proxy_url_parser(tmp_path, in_a_fresh_python):
    # AnsiballZ ships sources: each module_utils file a node run imports is compiled on every run, so
    # node_facts and egress_info import the proxy URL parser and no_proxy only when a proxy is configured.
    code = ('import sys\n'
            'from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress, _node, _redact\n'
            'def imported():\n'
            '    return sorted(n for n in sys.modules if n.endswith(("._proxy_url", "._no_proxy")))\n'
            'assert not imported(), imported()\n'
            'options = dict(host="127.0.0.1", port=9, timeout=0.5, proxy=None, use_proxy=True, ca_path=None,\n'
            '               validate_certs=True, require_http2=True)\n'
            'assert _egress.secrets(None, {}) == set() and _redact.url_secrets(None) == set()\n'
            'facts = _node.node_facts(sys.argv[1], None, options, {})\n'
            'assert facts["egress"]["stage"] == "connect", facts["egress"]\n'
            'assert not imported(), "imported by a node check without a proxy: %s" % imported()\n'
            # The control: a proxy from the environment does import both.
            'found = _egress.run("127.0.0.1", 9, 0.5, environ={"https_proxy": "http://u:pw@127.0.0.1:9", "no_proxy": "x"})\n'
            'assert found["egress"]["stage"] == "proxy", found["egress"]\n'
            'assert len(imported()) == 2, imported()\n')
    in_a_fresh_python(code, str(tmp_path))
