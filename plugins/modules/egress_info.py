#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: egress_info
short_description: Check that a node reaches Pixie Cloud over HTTPS/2, directly or through its proxy
version_added: 0.1.0
description:
  - Vizier's cloud connector sends outgoing HTTPS/2 (gRPC) requests to the cloud address,
    C(withpixie.ai:443) by default. A firewall, a TLS-intercepting proxy or a proxy that strips
    HTTP/2 leaves Pixie deployed but dark. This module finds out from the node itself, and says
    which step failed.
  - It resolves the name, connects (or opens an HTTP CONNECT tunnel through the proxy, with basic
    authentication from the proxy URL), performs the TLS handshake with SNI and ALPN C(h2),
    verifies the certificate and, when O(require_http2=true), sends the HTTP/2 connection preface
    and a SETTINGS frame and waits for the server's SETTINGS.
  - An info module (once called C(egress_check); that name is redirected here until 1.0.0). It never
    changes anything and never fails because the endpoint is unreachable; it reports. It fails only
    on misuse (for example an unusable O(proxy) URL).
  - The proxy is read from the environment of the module on the node (the connection user's
    login environment and the task's C(environment)); Vizier takes its proxy from its own pods'
    environment, so give the same proxy to both.
  - Uses the Python standard library only on the node.
author:
  - pixie_ops.preflight contributors (@pixie-ops)
extends_documentation_fragment:
  - pixie_ops.preflight.egress
  - pixie_ops.preflight.attributes
notes:
  - The whole probe is bounded by one O(timeout), so a slow proxy in front of a slow server ends the
    module within O(timeout) (plus the module's start), not within a few times O(timeout).
  - The result of O(proxy) is reported as RV(egress.via_proxy) without user information. The
    password is masked from everything the module returns and logs.
seealso:
  - module: pixie_ops.preflight.node_facts
    description: Probes the same with its O(pixie_ops.preflight.node_facts#module:egress) option, in the node's run.
  - name: Pixie requirements (network traffic)
    description: Vizier sends outgoing HTTPS/2 requests to withpixie.ai:443.
    link: https://docs.px.dev/installing-pixie/requirements/
'''

EXAMPLES = r'''
- name: Check that the node reaches Pixie Cloud
  pixie_ops.preflight.egress_info:
  register: egress

- name: Stop if the node cannot reach Pixie Cloud
  ansible.builtin.assert:
    that: egress.egress.reachable
    fail_msg: "{{ egress.checks.egress.msg }}: {{ egress.checks.egress.remedy }}"

- name: Check a self-hosted Pixie Cloud through an authenticated proxy
  pixie_ops.preflight.egress_info:
    host: pixie.example.com
    proxy: "http://{{ proxy_user }}:{{ proxy_password }}@proxy.example.com:3128"
    ca_path: /etc/ssl/certs/corp-proxy-ca.pem
    timeout: 5
  register: egress
'''

RETURN = r'''
egress:
  description: What the probe found, step by step.
  returned: always
  type: dict
  contains:
    reachable:
      description: Whether every step worked (RV(egress.stage) is C(ok)).
      type: bool
      sample: true
    stage:
      description:
        - Where the probe stopped, C(ok) when it got through.
        - C(dns) the name does not resolve, C(connect) no TCP connection, C(proxy) the proxy
          cannot be reached or refused the CONNECT tunnel, C(tls) the handshake or the certificate
          failed, C(alpn) the server did not agree to C(h2), C(http2) no HTTP/2 SETTINGS came back.
      type: str
      choices: [dns, connect, proxy, tls, alpn, http2, ok]
      sample: ok
    msg:
      description: What happened, in one sentence (says so when certificates were not verified).
      type: str
      sample: "withpixie.ai:443 answers over HTTP/2 (ALPN h2, SETTINGS exchanged), TLSv1.3"
    host:
      description: The address checked.
      type: str
      sample: withpixie.ai
    port:
      description: The port checked.
      type: int
      sample: 443
    addresses:
      description: The addresses the name resolved to on the node (empty through a proxy, which resolves the name itself).
      type: list
      elements: str
      sample: ["34.102.136.180"]
    via_proxy:
      description: The proxy used, as C(scheme://host:port) without credentials; null when connecting directly.
      type: str
      sample: "http://proxy.example.com:3128"
    proxy_source:
      description: Where the proxy came from, C(option) or C(environment); null when connecting directly.
      type: str
      sample: environment
    validate_certs:
      description: Whether the certificate was verified (V(false) means a C(ok) proves less).
      type: bool
      sample: true
    require_http2:
      description: Whether HTTP/2 was required (ALPN C(h2) and the SETTINGS exchange).
      type: bool
      sample: true
    alpn_protocol:
      description: The protocol the server selected by ALPN, null when none or when TLS failed.
      type: str
      sample: h2
    tls_version:
      description: The TLS version negotiated, null when TLS failed.
      type: str
      sample: TLSv1.3
    peer_certificate:
      description:
        - The certificate the server presented; null when none was seen.
        - Also filled when verification failed, to show who issued it (a TLS-intercepting proxy).
      type: dict
      contains:
        subject:
          description: The subject, as C(CN=...,O=...).
          type: str
          sample: CN=withpixie.ai
        issuer:
          description: The issuer, as C(CN=...,O=...).
          type: str
          sample: C=US,O=Google Trust Services,CN=WR3
        not_after:
          description: End of validity, in the form of Python's C(ssl.getpeercert()).
          type: str
          sample: "Feb  1 12:00:00 2027 GMT"
    elapsed_ms:
      description: How long the whole probe took, in milliseconds.
      type: int
      sample: 84
checks:
  description: The C(egress) check, in the collection's check record form.
  returned: always
  type: dict
  contains:
    egress:
      description:
        - C(pass) when RV(egress.stage) is C(ok), C(fail) otherwise, with a remedy for the stage.
        - Each record has C(status), C(msg), C(expected), C(actual) and C(remedy).
      type: dict
      sample:
        status: fail
        msg: "the proxy http://127.0.0.1:8888 refused CONNECT withpixie.ai:443: 403 Access violation"
        expected: "HTTPS/2 (ALPN h2, HTTP/2 SETTINGS) to withpixie.ai:443, certificate verified"
        actual: stopped at proxy
        remedy: 'Allow CONNECT to withpixie.ai:443 on the proxy (for example tinyproxy "ConnectPort 443" ...)'
status:
  description: The overall status of RV(checks), C(pass) or C(fail).
  returned: always
  type: str
  sample: pass
'''

import os

from ansible.module_utils.basic import AnsibleModule

# First of this collection's module_utils: the others are then compiled once on a node, not twice.
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once  # noqa: F401 pylint: disable=unused-import
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _egress as egress
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import UsageError


def main():
    module = AnsibleModule(argument_spec=egress.argument_spec(), supports_check_mode=True)
    params = module.params
    module.no_log_values.update(egress.secrets(params['proxy'], os.environ))
    try:
        egress.validate_options(params)
        warning = egress.unverified_warning(params)
        if warning:
            module.warn(warning)
        result = egress.run_options(params, dict(os.environ))
    except UsageError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
