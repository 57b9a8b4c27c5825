# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ansible_collections.pixie_ops.preflight.plugins.module_utils.checks import make_check
from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import report


def node(**statuses):
    checks = {}
    for check_id in ('os', 'architecture', 'kernel_version', 'memory', 'egress'):
        status = statuses.get(check_id, 'pass')
        checks[check_id] = make_check(status, '%s is %s' % (check_id, status), 'x', 'y',
                                      None if status == 'pass' else 'fix %s' % check_id)
    return {'checks': checks, 'error': None}


CLUSTER = {'checks': {'k8s_version': make_check('pass', 'v1.29', '>= 1.16', '1.29.1'),
                      'storage_class': make_check('warn', 'no default StorageClass', 'a default', None, 'add one')}}


def test_failures_grouped_and_counted():
    hosts = {'a': node(memory='fail'), 'b': node(memory='fail'), 'c': node(kernel_version='warn'),
             'd': {'error': 'Failed to connect to the host via ssh: Connection refused', 'checks': None}}
    rep = report.build_report(hosts, CLUSTER)
    assert rep['status'] == 'fail' and rep['failed'] is True
    memory = [p for p in rep['problems'] if p['check'] == 'memory']
    assert len(memory) == 1 and memory[0]['hosts'] == ['a', 'b']
    unreachable = [p for p in rep['problems'] if p['check'] == 'reachable']
    assert unreachable[0]['hosts'] == ['d'] and 'Connection refused' in unreachable[0]['msg']
    assert rep['counts']['fail'] == 3 and rep['counts']['warn'] == 2
    assert [row['name'] for row in rep['rows']] == ['a', 'b', 'c', 'd', 'cluster']
    assert rep['problems'][0]['status'] == 'fail'          # failures first
    table = rep['table']
    assert 'd' in table and 'UNREACHABLE/ERROR' in table and 'Connection refused' in table
    assert '[FAIL] memory on 2 host(s): a, b' in table
    assert 'remedy: fix memory' in table


def test_identical_messages_group_across_check_ids():
    same = make_check('unknown', 'no kubeconfig', 'a cluster', None, 'set one')
    cluster = {'checks': {'k8s_version': same, 'environment': dict(same), 'permissions': dict(same)}}
    rep = report.build_report({'a': node()}, cluster)
    assert len(rep['problems']) == 1
    assert rep['problems'][0]['checks'] == ['k8s_version', 'environment', 'permissions']
    assert 'to skip: -e pixie_preflight_skip_checks=k8s_version,environment,permissions' in rep['table']
    assert 'all 3 checks unknown' in rep['table']


def test_skip_list_from_extra_vars_string():
    rep = report.build_report({'a': node(memory='fail', os='fail')}, None, skip='memory, os')
    assert rep['skipped_checks'] == ['memory', 'os'] and rep['status'] == 'pass'


def test_skips_and_warnings_fatal():
    hosts = {'a': node(memory='fail', kernel_version='warn')}
    rep = report.build_report(hosts, None, skip=['memory'])
    assert rep['rows'][0]['checks']['memory']['status'] == 'skipped'
    assert rep['rows'][0]['checks']['memory']['skipped_status'] == 'fail'
    assert rep['status'] == 'warn' and rep['failed'] is False
    assert report.build_report(hosts, None, skip=['memory'], warnings_fatal=True)['failed'] is True
    assert report.build_report({'a': node()}, None, warnings_fatal=True)['failed'] is False


def test_junit_shape_and_counts():
    hosts = {'a': node(memory='fail'), 'b': node(kernel_version='warn'), 'c': {'error': 'boom'}}
    rep = report.build_report(hosts, CLUSTER, skip=['os'])
    root = ET.fromstring(rep['junit'].split('\n', 1)[1])
    assert root.tag == 'testsuites'
    suites = root.findall('testsuite')
    assert [s.get('name') for s in suites] == ['node a', 'node b', 'node c', 'cluster cluster']
    total_failures = sum(int(s.get('failures')) for s in suites)
    assert total_failures == int(root.get('failures')) == 1 == len(root.findall('.//failure'))
    assert int(root.get('errors')) == 1 and root.find('.//error').get('message').endswith('boom')
    assert int(root.get('skipped')) == 2 == len(root.findall('.//skipped'))
    for suite in suites:
        assert int(suite.get('tests')) == len(suite.findall('testcase'))
        for case in suite.findall('testcase'):
            assert case.get('classname') and case.get('name')
    fatal = ET.fromstring(report.build_report(hosts, CLUSTER, warnings_fatal=True)['junit'].split('\n', 1)[1])
    assert int(fatal.get('failures')) == 3          # memory fail + kernel warn + storage_class warn


def test_markdown_and_json():
    hosts = {'a': node(memory='fail')}
    rep = report.build_report(hosts, CLUSTER)
    assert rep['markdown'].startswith('# Pixie preflight report')
    assert '| a | fail |' in rep['markdown']
    data = json.loads(report.render_json(rep))
    assert data['hosts'] == hosts and data['cluster'] == CLUSTER
    assert data['summary']['status'] == 'fail' and 'table' not in data['summary']


def test_nothing_checked_is_not_a_pass():
    rep = report.build_report({}, None, hosts_pattern='nosuchgroup')
    assert rep['status'] == 'fail' and rep['failed'] is True
    assert [row['name'] for row in rep['rows']] == ['preflight']
    assert "pixie_preflight_hosts 'nosuchgroup' matches none" in rep['rows'][0]['checks']['hosts_checked']['msg']
    assert rep['verdict'].startswith('Pixie preflight FAIL: no node was checked')
    assert 'no node was checked' in rep['table'] and 'no node was checked' in rep['markdown']
    assert ET.fromstring(rep['junit'].split('\n', 1)[1]).get('failures') == '1'
    # A cluster-only run says so by skipping the check.
    cluster_only = report.build_report({}, CLUSTER, skip=['hosts_checked'])
    assert cluster_only['failed'] is False and cluster_only['status'] == 'warn'


def test_a_refused_option_names_the_variable_not_ssh():
    """A bad pixie_preflight_* value set for one host reaches node_facts (the bundled playbooks skip Ansible's
    per-host validation of the role's variables): its row says which variable to fix, not to fix SSH."""
    refused = report.host_record({'failed': True, 'msg': "argument 'min_memory_mib' is of type str and we were "
                                                         "unable to convert to int: 'lots' cannot be converted"})
    check = report.host_row('n2', refused, [])['checks']['reachable']
    assert check['status'] == 'fail' and "argument 'min_memory_mib'" in check['msg']
    assert check['remedy'] == report.OPTION_REMEDY and 'pixie_preflight_<option>' in check['remedy']
    choice = report.host_record({'failed': True, 'msg': 'value of use_proxy must be one of: true, false'})
    assert report.host_row('n3', choice, [])['checks']['reachable']['remedy'] == report.OPTION_REMEDY
    # A module that could not start at all is still the interpreter's or SSH's problem.
    broken = report.host_record({'failed': True, 'msg': 'The module failed to execute correctly, you probably need '
                                                        'to set the interpreter.', 'module_stderr': 'No such file'})
    assert report.host_row('n4', broken, [])['checks']['reachable']['remedy'].startswith('Make the host reachable')


def test_hosts_without_a_record():
    """None: waiting for a later batch (left out, listed as pending) or failed before its record."""
    hosts = {'a': node(), 'b': None, 'c': None}
    rep = report.build_report(hosts, None, pending=['c'])
    assert [row['name'] for row in rep['rows']] == ['a', 'b']
    assert rep['rows'][1]['status'] == 'fail' and 'did not reach the preflight' in rep['rows'][1]['error']
    # Its remedy points at what stopped it (a task before the checks, e.g. the role's variable validation),
    # not at SSH, which an unreachable host's error names itself.
    assert 'validation of a pixie_preflight_* variable' in rep['rows'][1]['checks']['reachable']['remedy']
    assert report.host_row('x', {'error': 'unreachable: ssh: no route', 'checks': None}, [])[
        'checks']['reachable']['remedy'].startswith('Make the host reachable over SSH')
    assert rep['pending'] == ['c'] and 'c' not in rep['hosts']
    assert 'not checked (later batches, which will not run): c' in rep['table']
    assert rep['verdict'].endswith('Not checked (a later batch that will not run): c.')
    # A pending host that has a record is reported: pending only names hosts without one.
    assert [row['name'] for row in report.build_report({'a': node()}, None, pending=['a'])['rows']] == ['a']


def test_verdict_lines():
    assert report.build_report({'a': node()}, None)['verdict'] == \
        'Pixie preflight PASS: nothing blocks Pixie on the 1 node checked.'
    warn = report.build_report({'a': node(memory='warn'), 'b': node()}, CLUSTER)
    assert warn['verdict'].startswith('Pixie preflight WARN: nothing blocks Pixie on the 2 nodes and the cluster')
    fail = report.build_report({'a': node(memory='fail'), 'b': node()}, None)
    assert fail['verdict'].startswith('Pixie preflight FAIL: 1 failing and 0 warning or unknown checks, on a of')
    fatal = report.build_report({'a': node(memory='warn'), 'b': node()}, None, warnings_fatal=True)
    assert '(warnings are fatal), on a of the 2 nodes checked' in fatal['verdict']


HOSTILE = 'kernel 6.1\x1b[2J\x00\x07\x0b\x0c\ud800\u202e\x85 end'


def test_control_characters_never_reach_the_report_raw():
    hostile = node()
    hostile['checks']['kernel_version'] = make_check('fail', HOSTILE, HOSTILE, HOSTILE, HOSTILE)
    rep = report.build_report({'a\x1b]0;x\x07': hostile}, {'checks': {
        'k8s_version': make_check('unknown', HOSTILE, None, None, HOSTILE)}})
    root = ET.fromstring(rep['junit'].split('\n', 1)[1].encode('utf-8'))   # strict: well formed
    assert '\\x1b[2J\\x00\\x07\\x0b\\x0c\\ud800\\u202e\\x85 end' in ET.tostring(root, encoding='unicode')
    for text in (rep['table'], rep['markdown'], rep['junit'], rep['verdict']):
        assert not any(ord(char) < 32 and char not in '\t\n' for char in text)
        assert '\ud800' not in text and '\u202e' not in text and '\x85' not in text
    assert 'a\\x1b]0;x\\x07' in rep['table']


def _registered(checks, **extra):
    result = {'changed': False, 'ansible_facts': {'pixie_node': {'checks': checks, 'kernel_release': '6.1.0'}}}
    result.update(extra)
    return result


def test_host_record_from_registered_results():
    ok = node()['checks']
    assert report.host_record(_registered(ok))['checks'] == ok
    assert report.host_record(_registered(ok), node_name='k8s-node-1')['node_name'] == 'k8s-node-1'
    unreachable = report.host_record({'unreachable': True, 'msg': 'ssh: Connection refused'})
    assert unreachable['checks'] is None and unreachable['error'] == 'unreachable: ssh: Connection refused'
    no_python = report.host_record({
        'failed': True, 'msg': 'MODULE FAILURE', 'module_stderr': '/bin/sh: 1: /usr/bin/python3: not found\n'})
    assert no_python['error'] == 'MODULE FAILURE: /bin/sh: 1: /usr/bin/python3: not found'
    assert report.host_record({})['error'].startswith('no result')
    assert report.host_record(None)['error'].startswith('no result')


def test_host_record_of_a_check_failed_on_purpose_to_remediate():
    # The role's failed_when marks a node missing headers as failed (its rescue remediates): the
    # result still carries the node's data, so it is a record of checks, not a host error.
    checks = node()['checks']
    checks['kernel_headers'] = make_check('warn', 'no headers', 'x', None, 'install')
    record = report.host_record(_registered(checks, failed=True, failed_when_result=True))
    assert record['error'] is None and record['checks']['kernel_headers']['status'] == 'warn'
    # ... while a failed module run without data stays a host error, with or without failed_when.
    broken = report.host_record({'failed': True, 'failed_when_result': True, 'msg': 'MODULE FAILURE'})
    assert broken['error'] == 'MODULE FAILURE' and broken['checks'] is None


def test_host_record_after_remediation_keeps_egress():
    before = node(memory='pass')['checks']
    before['kernel_headers'] = make_check('warn', 'no headers', 'x', None, 'install')
    after = dict((key, value) for key, value in before.items() if key != 'egress')
    after['kernel_headers'] = make_check('pass', 'headers', 'x', '/usr/src/linux-headers-6.1.0')
    record = report.host_record(_registered(before), _registered(after))
    assert record['checks']['kernel_headers']['status'] == 'pass'
    assert record['checks']['egress'] == before['egress']
    assert record['node_before_remediation']['checks']['kernel_headers']['status'] == 'warn'
    failed = report.host_record(_registered(before), {'skipped': True}, 'linux-headers-6.1.0 is not available')
    assert failed['checks']['kernel_headers']['status'] == 'warn'
    assert failed['checks']['remediation']['status'] == 'fail'


def test_cluster_record_and_coverage():
    assert report.cluster_record(None) is None
    assert report.cluster_record({'skipped': True}) is None
    broken = report.cluster_record({'failed': True, 'msg': 'kubectl exploded'})
    assert broken['checks']['cluster']['status'] == 'fail'
    cluster = dict(CLUSTER, nodes=[{'name': 'node-a.example.internal'}, {'name': 'node-b'}, {'name': 'node-c'}])
    hosts = {'node-a': node(), 'bastion': dict(node(), node_name='node-b')}
    assert report.cluster_record({'changed': False, 'cluster': cluster}) == cluster          # cluster_info
    rep = report.build_report(hosts, report.cluster_record({'ansible_facts': {'pixie_cluster': cluster}}))
    coverage = rep['rows'][-1]['checks']['inventory_coverage']
    assert coverage['status'] == 'warn' and coverage['actual'] == ['node-c']
    assert 'node-c' in coverage['msg']


def test_host_records_in_play_order_with_records_passed_through():
    ok = node()['checks']
    remediated = report.host_record(_registered(ok), _registered(ok), None)
    results = [_registered(ok), remediated, None, {'unreachable': True, 'msg': 'no route'}]
    records = report.host_records(['a', 'b', 'c', 'd'], results, ['k8s-a', None, None, None])
    assert list(records) == ['a', 'b', 'c', 'd']
    assert records['a']['checks'] == ok and records['a']['node_name'] == 'k8s-a'
    assert records['b'] == remediated and report.is_record(records['b'])
    assert report.host_record(records['b']) == records['b']           # a record is returned as it is
    assert records['c'] is None and records['d']['error'] == 'unreachable: no route'
    assert report.host_records(['a'], [_registered(ok)])['a']['node_name'] is None


def test_unknown_skip_ids_are_said_not_silently_ignored():
    rep = report.build_report({'a': node(memory='fail')}, None, skip=['memroy', 'memory', 'k8s_version'])
    assert rep['unknown_skips'] == ['memroy']
    assert 'pixie_preflight_skip_checks names no check memroy' in rep['verdict']
    assert report.build_report({'a': node()}, None, skip=['memory'])['unknown_skips'] == []


def test_known_check_ids_cover_every_check_the_modules_make():
    from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission, _cluster_checks, _node_checks
    made = set(_node_checks.CHECK_IDS) | set(_cluster_checks.CHECK_IDS) | set(_admission.CHECK_IDS) | {'egress'}
    assert made <= set(report.KNOWN_CHECK_IDS)
    assert {report.HOSTS_CHECK, report.HOST_ERROR_CHECK} <= set(report.KNOWN_CHECK_IDS)


def test_without_files_the_report_lacks_exactly_its_file_parts():
    hosts = {'a': node(), 'b': node(memory='fail')}
    whole, without = report.build_report(hosts, CLUSTER), report.build_report(hosts, CLUSTER, files=False)
    assert set(whole) - set(without) == set(report.FILE_PARTS)
    assert dict((key, value) for key, value in whole.items() if key not in report.FILE_PARTS) == without
