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
    data = json.loads(report.render_json(rep, hosts, CLUSTER))
    assert data['hosts'] == hosts and data['cluster'] == CLUSTER
    assert data['summary']['status'] == 'fail' and 'table' not in data['summary']


def test_no_hosts_no_cluster():
    rep = report.build_report({}, None)
    assert rep['status'] == 'pass' and rep['rows'] == []
