# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


class ModuleDocFragment(object):

    # The options of the egress probe (egress_info's options), written once.
    DOCUMENTATION = r'''
options:
  host:
    description:
      - The cloud address to reach (a self-hosted Pixie Cloud has its own).
    type: str
    default: withpixie.ai
  port:
    description:
      - The TCP port of the cloud address.
    type: int
    default: 443
  timeout:
    description:
      - Seconds the whole probe may take (DNS, connect, the proxy's CONNECT answer, TLS, re-fetching an untrusted
        certificate to name its issuer, HTTP/2), at most 86400. Each step gets what is left, and the step that
        runs out of time is the one that fails.
    type: float
    default: 10
  proxy:
    description:
      - URL of an HTTP proxy that accepts CONNECT, C(http://[user:password@]host:port).
        Credentials in it are sent as basic C(Proxy-Authorization) and never returned or logged.
        A password may hold C(/), C(?), C(#) or C(@), as they are or percent-encoded.
      - When not set or empty, the node's C(https_proxy) (or C(HTTPS_PROXY)) is used, unless C(no_proxy)
        (or C(NO_PROXY)) matches O(host). An explicit O(proxy) is always used.
      - C(https://) and SOCKS proxies are not supported.
    type: str
  use_proxy:
    description:
      - Whether to use a proxy at all. V(false) connects directly whatever O(proxy) and the
        environment say.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of CA certificates to verify the server with (for a TLS-intercepting proxy or
        a self-hosted Pixie Cloud). When given, only these CAs are trusted; the default (also
        when empty) is the system's trust store.
    type: path
  validate_certs:
    description:
      - Whether to verify the server's certificate and name. V(false) is reported in the result
        and as a warning, never silently.
    type: bool
    default: true
  require_http2:
    description:
      - Whether the server must agree to C(h2) by ALPN and answer the HTTP/2 preface with SETTINGS.
        With V(false) the check ends after the TLS handshake.
    type: bool
    default: true
'''


def _nested(documentation, option):
    """``documentation``'s options as the suboptions of ``option``, option references made relative to it."""
    lines = documentation.strip('\n').splitlines()[1:]
    text = '\n'.join(('    ' + line if line.strip() else line) for line in lines)
    return 'options:\n  %s:\n    suboptions:\n%s\n' % (option, re.sub(r'\bO\((\w+)', r'O(%s.\1' % option, text))


# node_facts' own key of its egress option.
_ENABLED = '''
  enabled:
    description:
      - Whether to probe at all. V(false) is the same as not giving the option, so a role can always pass
        it and turn the probe off with a variable.
    type: bool
    default: true
'''

# The same options as the suboptions of node_facts' egress option (O(host) reads O(egress.host)),
# and its own C(enabled).
# Set outside the class: ansible-test's yamllint reads the class's literal strings only.
ModuleDocFragment.NODE_FACTS = _nested(ModuleDocFragment.DOCUMENTATION.rstrip('\n') + _ENABLED, 'egress')
