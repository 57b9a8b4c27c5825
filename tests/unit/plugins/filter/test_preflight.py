# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's one-step report filter gives what the two public filters give, chained."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.pixie_ops.preflight.plugins.filter import preflight


def node_result(memory='pass', failed=False):
    """A registered node_facts result, as the role reads it from a host's variables."""
    if failed:
        return {'failed': True, 'msg': 'the module could not run', 'invocation': {'module_args': {}}}
    checks = {'memory': {'status': memory, 'msg': 'memory is %s' % memory, 'expected': '>= 1024 MiB',
                         'actual': '512 MiB', 'remedy': None if memory == 'pass' else 'add memory'}}
    return {'changed': False, 'msg': memory, 'invocation': {'module_args': {'host_root': '/'}},
            'ansible_facts': {'pixie_node': {'checks': checks, 'status': memory}}}


HOSTS = ['a', 'b', 'c', 'later']
RESULTS = [node_result(), node_result(memory='fail'), node_result(failed=True), None]


def test_play_report_is_the_report_of_the_records():
    chained = preflight.preflight_report(preflight.preflight_host_records(HOSTS, RESULTS, ['node-a', None, None, None]),
                                         None, ['egress'], True, pending=['later'], hosts_pattern='nodes')
    direct = preflight.preflight_play_report(HOSTS, RESULTS, ['node-a', None, None, None], skip=['egress'],
                                             warnings_fatal=True, pending=['later'], hosts_pattern='nodes')
    assert direct == chained
    assert direct['failed'] is True and direct['pending'] == ['later']
    assert sorted(direct['hosts']) == ['a', 'b', 'c']


def test_play_report_parts():
    parts = ['status', 'failed', 'verdict', 'table', 'files']
    built = preflight.preflight_play_report(HOSTS, RESULTS, pending=['later'], parts=parts)
    assert list(built) == parts
    assert built == dict((part, preflight.preflight_play_report(HOSTS, RESULTS, pending=['later'])[part])
                         for part in parts)
    assert built['status'] == 'fail' and 'Pixie preflight FAIL' in built['verdict']


def test_play_report_renders_the_files_only_when_a_part_asks(monkeypatch):
    rendered = []
    for name in ('render_markdown', 'render_junit', 'render_json'):
        original = getattr(preflight._report, name)
        monkeypatch.setattr(preflight._report, name,
                            lambda report, name=name, original=original: rendered.append(name) or original(report))
    built = preflight.preflight_play_report(HOSTS, RESULTS, parts=['status', 'failed', 'verdict', 'table'])
    assert list(built) == ['status', 'failed', 'verdict', 'table'] and rendered == []
    for part in ('files', 'markdown', 'junit'):
        assert list(preflight.preflight_play_report(HOSTS, RESULTS, parts=[part])) == [part]
        assert sorted(rendered) == ['render_json', 'render_junit', 'render_markdown'], part
        del rendered[:]
    assert 'files' in preflight.preflight_play_report(HOSTS, RESULTS) and len(rendered) == 3


@pytest.mark.parametrize('parts, message', [
    (['verdict', 'rowz'], 'no such part of the report: rowz (it has '),
    ('verdict', 'parts must be a list'),
    ([1], 'parts must be a list'),
])
def test_play_report_refuses_bad_parts(parts, message):
    with pytest.raises(AnsibleFilterError, match=message.replace('(', r'\(')):
        preflight.preflight_play_report(HOSTS, RESULTS, parts=parts)


def test_play_report_checks_its_arguments():
    with pytest.raises(AnsibleFilterError, match='preflight_play_report: cluster must be a dict or null'):
        preflight.preflight_play_report(HOSTS, RESULTS, cluster=['x'])
    with pytest.raises(AnsibleFilterError, match='preflight_play_report: pending must be a list'):
        preflight.preflight_play_report(HOSTS, RESULTS, pending='later')
    with pytest.raises(AnsibleFilterError, match='hosts and results differ in length'):
        preflight.preflight_play_report(HOSTS, RESULTS[:2])
