# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The egress check as the modules run it: options, proxy choice, the probe, the check record.

Shared by egress_info and node_facts' ``egress`` option. Private to this collection; never imports
AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import ProxyURLError, UsageError
from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy import ENV_PROXY_NAMES, host_for_url, select_proxy
from ansible_collections.pixie_ops.preflight.plugins.module_utils._redact import url_secrets

# The longest a probe step may be given (a day); inf, nan or 1e10 would overflow the socket timeouts.
MAX_TIMEOUT = 86400

_ENV_PROXY_REMEDY = ('Set https_proxy to an http:// proxy URL that accepts CONNECT, or give the proxy option; '
                     'this check does not speak to https:// or SOCKS proxies.')


def argument_spec():
    """The options of the probe, shared by egress_info and node_facts' ``egress`` option."""
    return dict(
        host=dict(type='str', default=requirements.CLOUD_HOST),
        port=dict(type='int', default=requirements.CLOUD_PORT),
        timeout=dict(type='float', default=requirements.EGRESS_TIMEOUT),
        # Not no_log: that would mask every occurrence of the whole URL, via_proxy included.
        # The module masks the password itself (see secrets).
        proxy=dict(type='str', no_log=False),
        use_proxy=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        validate_certs=dict(type='bool', default=True),
        require_http2=dict(type='bool', default=True),
    )


def secrets(proxy, environ):
    """Every proxy password the probe may see (option and environment), to hide from all output."""
    found = url_secrets(proxy)
    for name in ENV_PROXY_NAMES:
        found.update(url_secrets((environ or {}).get(name)))
    return found


def validate_options(params):
    """Raise UsageError naming the misused option; return None when the options can be used."""
    if not params['host'] or not params['host'].strip():
        raise UsageError('host must not be empty')
    if not 0 < params['port'] < 65536:
        raise UsageError('port must be between 1 and 65535, got %d' % params['port'])
    if not 0 < params['timeout'] <= MAX_TIMEOUT:
        raise UsageError('timeout must be a positive number of seconds up to %d, got %s'
                         % (MAX_TIMEOUT, params['timeout']))
    if params['ca_path'] and not os.path.isfile(params['ca_path']):
        raise UsageError('ca_path %s is not a file' % params['ca_path'])


def unverified_warning(params):
    """The warning a module gives when certificates are not verified, or None."""
    if params['validate_certs']:
        return None
    return ('validate_certs is false: the certificate of %s:%d is not verified, so a pass does not prove '
            'that Vizier (which verifies it) can connect' % (params['host'], params['port']))


def egress_check(egress, remedy=None):
    """The ``egress`` check: pass when the probe got to ``ok``, fail otherwise."""
    target = '%s:%d' % (host_for_url(egress['host']), egress['port'])
    expected = 'HTTPS%s to %s%s' % (
        '/2 (ALPN h2, HTTP/2 SETTINGS)' if egress.get('require_http2', True) else '',
        target, ', certificate verified' if egress.get('validate_certs', True) else '')
    if egress['stage'] == 'ok':
        actual = 'ok: %s, ALPN %s%s' % (egress.get('tls_version'), egress.get('alpn_protocol') or 'none',
                                        ' via %s' % egress['via_proxy'] if egress.get('via_proxy') else '')
        return checks.make_check(checks.PASS, egress['msg'], expected, actual, None)
    actual = 'stopped at %s' % egress['stage']
    return checks.make_check(checks.FAIL, egress['msg'], expected, actual, remedy)


def _unusable_env_proxy(exc, host, port, chosen, validate_certs, require_http2):
    """The result when the proxy of the node's environment cannot be used: a ``proxy`` stage failure."""
    # Imported here: only a run with a proxy gets here, and AnsiballZ ships sources, so every module
    # run compiles each module_utils file it imports.
    from ansible_collections.pixie_ops.preflight.plugins.module_utils._proxy_url import redact_proxy_url
    return {
        'reachable': False, 'stage': 'proxy', 'msg': 'https_proxy on the node: %s' % exc,
        'host': host, 'port': port, 'addresses': [], 'via_proxy': redact_proxy_url(chosen),
        'proxy_source': 'environment', 'validate_certs': bool(validate_certs), 'require_http2': bool(require_http2),
        'alpn_protocol': None, 'tls_version': None, 'peer_certificate': None, 'elapsed_ms': 0,
    }


def run(host=requirements.CLOUD_HOST, port=requirements.CLOUD_PORT, timeout=requirements.EGRESS_TIMEOUT,
        proxy=None, use_proxy=True, ca_path=None, validate_certs=True, require_http2=True, environ=None,
        resolver=None):
    """Choose the proxy, probe, and build the result: ``{'egress', 'checks', 'status'}``.

    Raises ProxyURLError only when an explicit ``proxy`` cannot be used (a misuse); an unusable
    proxy from the environment is reported as a ``proxy`` stage failure.
    """
    # Imported here: node_facts without its egress option (or with it disabled) probes nothing, and
    # AnsiballZ ships sources, so every module run compiles each module_utils file it imports.
    from ansible_collections.pixie_ops.preflight.plugins.module_utils._probe import probe
    chosen, source, note = select_proxy(host, port, proxy, use_proxy, environ)
    try:
        egress, remedy = probe(host, port, timeout, chosen, source, ca_path, validate_certs, require_http2,
                               note, resolver)
    except ProxyURLError as exc:
        if source == 'option':
            raise
        egress = _unusable_env_proxy(exc, host, port, chosen, validate_certs, require_http2)
        remedy = _ENV_PROXY_REMEDY
    result_checks = {'egress': egress_check(egress, remedy)}
    return {'egress': egress, 'checks': result_checks, 'status': checks.overall_status(result_checks)}


def run_options(params, environ=None):
    """``run`` from module options (see ``argument_spec``); the node's environment gives the proxy.

    Raises UsageError when the ``proxy`` option cannot be used.
    """
    try:
        return run(host=params['host'].strip().lstrip('[').rstrip(']'), port=params['port'],
                   timeout=params['timeout'], proxy=params['proxy'], use_proxy=params['use_proxy'],
                   ca_path=params['ca_path'], validate_certs=params['validate_certs'],
                   require_http2=params['require_http2'],
                   environ=dict(os.environ) if environ is None else environ)
    except ProxyURLError as exc:
        raise UsageError('proxy: %s' % exc)
