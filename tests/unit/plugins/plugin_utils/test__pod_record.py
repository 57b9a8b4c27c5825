# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pod mode's records: a node whose pod never ran is a failed row that says why (not "unreachable"),
a Windows node a skipped one, and a managed node's remedies name the node image, not remediation.

The filter preflight_pod_record is a thin wrapper over _pod_record.pod_record, run end to end by
tests/system/test_preflight_cluster.py; it is not imported here: importing a controller plugin (ansible.errors)
in the unit test process changes how ansible-core 2.19 routes module warnings for the module tests."""

from __future__ import annotations

from ansible_collections.pixie_ops.preflight.plugins.module_utils.checks import make_check
from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import _pod_record, report


def _facts(headers_status='fail'):
    checks = {'kernel_version': make_check('pass', 'ok'),
              'kernel_headers': make_check(headers_status, 'no headers for kernel 6.1.0-9-cloud-amd64', 'x', 'y',
                                           'Install linux-headers-6.1.0-9-cloud-amd64 (apt), or run the '
                                           'pixie_ops.preflight.remediate role.'),
              'egress': make_check('pass', 'HTTPS/2 to withpixie.ai:443')}
    node = {'checks': checks, 'headers_packages': ['linux-headers-6.1.0-9-cloud-amd64'], 'status': 'fail'}
    return {'changed': False, 'ansible_facts': {'pixie_node': node}}


RUNNING = {'name': 'node-a', 'os': 'linux', 'pod': 'pixie-preflight-node-a', 'phase': 'Running', 'ready': True,
           'running': True, 'reason': None, 'skipped': False}
PULL = dict(RUNNING, name='node-b', pod='pixie-preflight-node-b', phase='Pending', ready=False, running=False,
            reason='the preflight pod pixie-preflight-node-b did not start on node node-b within 10s: '
                   'ImagePullBackOff: Back-off pulling image "python:3"')
WINDOWS = dict(RUNNING, name='win', os='windows', pod=None, phase=None, ready=False, running=False, skipped=True,
               reason='windows node: Pixie runs on Linux nodes only, so it is not checked')
SKIPPED_TASK = {'changed': False, 'skipped': True, 'skip_reason': 'Conditional result was False'}


def test_a_pod_that_never_ran_is_a_failed_row_saying_why():
    record = _pod_record.pod_record(SKIPPED_TASK, PULL)
    assert report.is_record(record) and record['error'] is None
    check = record['checks']['node_pod']
    assert check['status'] == 'fail' and check['msg'] == PULL['reason'] and check['actual'] == 'Pending'
    built = report.build_report({'node-b': record})
    row = built['rows'][0]
    assert row['status'] == 'fail' and 'reachable' not in row['checks']
    assert 'ImagePullBackOff: Back-off pulling image' in built['table']
    assert 'did not reach the preflight' not in built['table'] and 'UNREACHABLE' not in built['table']
    assert built['failed'] is True


def test_a_windows_node_is_a_skipped_row():
    record = _pod_record.pod_record(SKIPPED_TASK, WINDOWS)
    built = report.build_report({'win': record})
    assert built['rows'][0]['checks']['node_pod']['status'] == 'skipped'
    assert built['rows'][0]['status'] == 'pass' and built['failed'] is False


def test_a_running_node_keeps_its_checks_with_remedies_for_a_managed_node():
    record = _pod_record.pod_record(_facts(), RUNNING)
    remedy = record['checks']['kernel_headers']['remedy']
    assert 'remediate' not in remedy and 'node image' in remedy and 'linux-headers-6.1.0-9-cloud-amd64' in remedy
    assert record['checks']['kernel_version']['status'] == 'pass'
    assert 'node_pod' not in record['checks'] and 'egress_host_network' not in record['checks']
    passing = _pod_record.pod_record(_facts('pass'), RUNNING)
    assert 'remediate' in passing['checks']['kernel_headers']['remedy']  # a passing check is left as it is


def test_the_host_network_probe_is_its_own_check():
    probe = {'changed': False, 'checks': {'egress': make_check('fail', 'connection refused', 'HTTPS/2', 'tcp')}}
    record = _pod_record.pod_record(_facts(), RUNNING, probe)
    assert record['checks']['egress']['status'] == 'pass'
    assert record['checks']['egress_host_network']['status'] == 'fail'
    assert record['checks']['egress_host_network']['msg'] == 'from the host network: connection refused'
    broken = _pod_record.pod_record(_facts(), RUNNING, {'failed': True, 'msg': 'nsenter: not found'})
    assert broken['checks']['egress_host_network']['status'] == 'unknown'
    assert 'nsenter: not found' in broken['checks']['egress_host_network']['msg']
    off = _pod_record.pod_record(_facts(), RUNNING, SKIPPED_TASK)
    assert 'egress_host_network' not in off['checks']


def test_a_connection_that_failed_in_a_running_pod_is_a_failed_row_with_a_pod_remedy():
    record = _pod_record.pod_record({'unreachable': True, 'msg': 'error: unable to upgrade connection'}, RUNNING)
    check = record['checks']['node_pod']
    assert record['error'] is None and check['status'] == 'fail'
    assert check['msg'] == ('the checks could not run in the preflight pod pixie-preflight-node-a: '
                            'unreachable: error: unable to upgrade connection')
    assert 'pods/exec' in check['remedy'] and 'SSH' not in check['remedy']


def test_without_a_pod_entry_the_row_fails_saying_so():
    record = _pod_record.pod_record(None, None)
    assert record['checks']['node_pod']['status'] == 'fail'
    assert 'node_pods said nothing' in record['checks']['node_pod']['msg']


def _blocked():
    facts = _facts('pass')
    facts['ansible_facts']['pixie_node']['checks']['egress'] = make_check(
        'fail', 'withpixie.ai:443: connect timed out', 'HTTPS/2', 'tcp', 'Open the firewall for outgoing TCP from the nodes.')
    return facts


def test_a_node_that_reaches_the_cloud_while_its_pods_do_not_gets_a_pod_network_remedy():
    probe = {'changed': False, 'checks': {'egress': make_check('pass', 'HTTPS/2 to withpixie.ai:443')}}
    egress = _pod_record.pod_record(_blocked(), RUNNING, probe)['checks']['egress']
    assert egress['status'] == 'fail' and egress['msg'] == 'from the pod network: withpixie.ai:443: connect timed out'
    assert 'NetworkPolicies' in egress['remedy'] and 'firewall' not in egress['remedy']


def test_a_pod_network_egress_failure_without_the_host_probe_says_how_to_tell_them_apart():
    egress = _pod_record.pod_record(_blocked(), RUNNING)['checks']['egress']
    assert egress['remedy'].startswith('Open the firewall for outgoing TCP from the nodes.')
    assert 'pixie_preflight_pods_egress_host_network=true' in egress['remedy']
    both = {'changed': False, 'checks': {'egress': make_check('fail', 'refused', 'HTTPS/2', 'tcp', 'Open it.')}}
    blocked_both = _pod_record.pod_record(_blocked(), RUNNING, both)['checks']['egress']
    assert blocked_both['remedy'] == 'Open the firewall for outgoing TCP from the nodes.'
    passing = _pod_record.pod_record(_facts(), RUNNING)['checks']['egress']
    assert passing['msg'] == 'HTTPS/2 to withpixie.ai:443'
