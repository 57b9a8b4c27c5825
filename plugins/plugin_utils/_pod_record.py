# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod mode's part of a node's record: a node whose preflight pod did not run, a node that is not
checked (Windows, Fargate), the remedies for a node the preflight does not change, and the egress
probe from the host network.

Controller-side and pure: what node_facts returned in the pod, and what node_pods said about the
pod, in; a record (see ``report.host_record``) out.
"""

from __future__ import annotations

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks as chk
from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import report as _report

POD_CHECK = 'node_pod'
HOST_EGRESS_CHECK = 'egress_host_network'
POD_EXPECTED = 'the preflight pod runs on the node'
POD_REMEDY = ('Read why above: let the image be pulled on the node (pixie_preflight_pods_image and '
              'pixie_preflight_pods_image_pull_secrets for a private or air-gapped registry), let the namespace '
              'admit a pod with hostPath and hostPID (the preflight labels its own namespace privileged; an admission '
              'webhook or policy may still refuse it), make room on the node, or wait until the node is Ready; then '
              'run the preflight again.')
EXEC_REMEDY = ('The pod runs but the checks could not run in it: the credentials need create and get on pods/exec '
               'in the namespace, the kubectl on PATH must reach the API server, and the image needs /bin/sh and '
               'Python 3 at pixie_preflight_pods_python.')
MANAGED_HEADERS_REMEDY = ('The preflight does not change nodes in pod mode: use a node image that has the kernel '
                          'headers for this kernel%s (build your node image with them, or choose a node pool image '
                          'that ships them), or one whose kernel config Pixie can read for its packaged headers.')
POD_ONLY_EGRESS_REMEDY = ('This node reaches the address from its host network but its pods do not: look at egress '
                          'NetworkPolicies (and the CNI\'s own egress policies), an egress gateway, and a proxy the pods '
                          'must use (pixie_preflight_egress_proxy); Vizier\'s cloud connector connects from a pod.')
POD_EGRESS_HINT = (' This probe ran in a pod, from the pod network, as Vizier\'s cloud connector connects; '
                   'pixie_preflight_pods_egress_host_network=true also probes from the node, to tell a node\'s '
                   'firewall from a block that only the pods meet (NetworkPolicy, egress gateway, proxy).')


def _record(checks, node=None):
    return {'error': None, 'checks': checks, 'node': node, 'node_before_remediation': None}


def _managed_remedies(record):
    """The node's own record, with remedies a managed node can follow (no remediation role)."""
    checks = dict(record.get('checks') or {})
    headers = checks.get('kernel_headers')
    if isinstance(headers, dict) and headers.get('status') != chk.PASS:
        packages = ((record.get('node') or {}).get('headers_packages') or []) if isinstance(
            record.get('node'), dict) else []
        wanted = ' (%s)' % ', '.join(str(item) for item in packages) if packages else ''
        checks['kernel_headers'] = dict(headers, remedy=MANAGED_HEADERS_REMEDY % wanted)
    return dict(record, checks=checks)


def host_egress_check(result):
    """The ``egress_host_network`` check from egress_info's registered result in the host network, or a
    failed check saying why the probe could not run."""
    if not isinstance(result, dict) or result.get('skipped'):
        return None
    found = (result.get('checks') or {}).get('egress') if isinstance(result.get('checks'), dict) else None
    if isinstance(found, dict) and 'status' in found:
        return dict(found, msg='from the host network: %s' % found.get('msg'))
    why = _report._registered_error(result) or 'no egress check in the result'
    return chk.make_check(chk.UNKNOWN, 'the egress probe from the host network could not run: %s' % why,
                          'the probe runs in the host network namespace (nsenter -t 1 -n)', why,
                          'The image needs nsenter (util-linux); the pod runs privileged when '
                          'pixie_preflight_pods_egress_host_network is true.')


def pod_record(result, pod, host_egress=None):
    """The record of a node checked in pod mode.

    ``result`` is the registered node_facts result in the pod (or a record), ``pod`` the node's entry
    of node_pods' ``nodes`` and ``host_egress`` the registered egress_info result from the host
    network (or None).
    """
    pod = pod if isinstance(pod, dict) else {}
    reason = str(pod.get('reason') or 'node_pods said nothing about this node')
    if pod.get('skipped'):
        return _record({POD_CHECK: chk.make_check(chk.SKIPPED, reason, 'a Linux node', pod.get('os'))})
    if not pod.get('running'):
        return _record({POD_CHECK: chk.make_check(chk.FAIL, reason, POD_EXPECTED, pod.get('phase') or 'no pod',
                                                  POD_REMEDY)})
    record = _report.host_record(result)
    if record.get('error'):
        return _record({POD_CHECK: chk.make_check(
            chk.FAIL, 'the checks could not run in the preflight pod %s: %s' % (pod.get('pod'), record['error']),
            'the node checks run in the pod', record['error'], EXEC_REMEDY)})
    record = _managed_remedies(record)
    extra = host_egress_check(host_egress)
    if extra is not None and record.get('checks') is not None:
        record['checks'] = dict(record['checks'], **{HOST_EGRESS_CHECK: extra})
    return _pod_egress(record, extra)


def _pod_egress(record, host_check):
    """The egress check of a pod says it ran from the pod network, and, when the node itself reaches the
    address, that only its pods are blocked."""
    checks = record.get('checks') or {}
    egress = checks.get('egress')
    if not isinstance(egress, dict) or egress.get('status') in (chk.PASS, chk.SKIPPED):
        return record
    egress = dict(egress, msg='from the pod network: %s' % egress.get('msg'))
    if isinstance(host_check, dict) and host_check.get('status') == chk.PASS:
        egress['remedy'] = POD_ONLY_EGRESS_REMEDY
    elif host_check is None:
        egress['remedy'] = '%s%s' % (egress.get('remedy') or '', POD_EGRESS_HINT)
    return dict(record, checks=dict(checks, egress=egress))
