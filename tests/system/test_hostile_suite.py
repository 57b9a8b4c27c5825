# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The adversarial suite (issue 10): hostile host roots, a hostile kubectl, hostile proxies and TLS
servers in network namespaces this test creates. Every case runs a module as a process and must:

- end within its deadline plus 2 s (the process is killed at that point: a hang fails the case);
- end without a traceback, with a JSON result (or a clean misuse failure when the case is misuse);
- never show the planted secret, in its output or in the report files built from it;
- give the right status; and the JUnit report built from it parses with a strict XML parser.

Cases are counted per class (hang, crash, leak, wrong answer); the figures are printed at the end.
The tree, kubectl and network cases are the tables of hostile_cases.py.
"""

from __future__ import absolute_import, division, print_function

import contextlib
import json
import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support_hostile  # noqa: E402  pylint: disable=wrong-import-position
import support_tls  # noqa: E402  pylint: disable=wrong-import-position
import hostile_cases as cases  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import report  # noqa: E402

GRACE = 2.0
HAVE_NETNS = support_hostile.have_netns()


@pytest.fixture(scope='module', autouse=True)
def print_tally(request):
    yield
    writer = request.config.pluginmanager.getplugin('terminalreporter')
    capture = request.config.pluginmanager.getplugin('capturemanager')
    lines = ['', 'adversarial suite, cases per class:'] + support_hostile.tally_lines()
    with capture.global_and_fixture_disabled() if capture else contextlib.suppress():
        for line in lines:
            (writer.write_line if writer else print)(line)
    out = os.environ.get('PIXIE_HOSTILE_TALLY')
    if out:
        with open(out, 'w') as handle:
            json.dump(support_hostile.TALLY, handle, indent=2)


@pytest.fixture(scope='module')
def certs():
    with support_tls.throwaway_ca() as ca, support_tls.throwaway_ca(name=u'untrusted CA') as other:
        good = ca.issue((u'localhost', u'127.0.0.1'))
        bad = other.issue((u'localhost', u'127.0.0.1'))
        yield {'ca': ca.ca_path, 'good': good, 'untrusted': bad}


def reports(module, result):
    """The report texts (table, Markdown, JUnit, JSON) built from one module result."""
    if module == 'cluster_info':
        built = report.build_report({}, report.cluster_record(result))
    else:
        built = report.build_report({'hostile-node': report.host_record(result)})
    return {'table': built['table'], 'markdown': built['markdown'], 'junit': built['junit'],
            'json': report.render_json(built)}


def judge(case, result, out, err, elapsed, timed_out):
    """Every invariant of one case; returns the list of what broke (empty: it held)."""
    broken = []
    text = (out + err).decode('utf-8', 'replace')
    if timed_out or elapsed > case.deadline + GRACE:
        broken.append('took %.1f s, past its deadline %.1f s + %.0f s' % (elapsed, case.deadline, GRACE))
    if 'Traceback' in text:
        broken.append('traceback: %s' % text[-600:])
    if result is None:
        return broken + ['no JSON result: %r' % text[-300:]]
    if case.misuse:
        if not result.get('failed') or case.misuse not in (result.get('msg') or ''):
            broken.append('expected a misuse failure naming %r, got %r' % (case.misuse, result.get('msg')))
        return broken
    if result.get('failed'):
        return broken + ['the module failed: %s' % result.get('msg')]
    texts = reports(case.module, result)
    for secret in cases.SECRETS:
        for where, value in [('output', text)] + sorted(texts.items()):
            if secret in value:
                broken.append('the planted secret %r is in the %s' % (secret, where))
    try:
        ET.fromstring(texts['junit'].split('\n', 1)[1].encode('utf-8'))
    except ET.ParseError as exc:
        broken.append('the JUnit file is not well-formed XML: %s' % exc)
    try:
        case.expect(result)
    except AssertionError as exc:
        broken.append('wrong answer: %s' % exc)
    return broken


def run_case(case, tmp_path, certs):
    with contextlib.ExitStack() as stack:
        ns = None
        if case.server:
            if not HAVE_NETNS:
                pytest.skip('needs root and iproute2 to create a network namespace')
            ns = stack.enter_context(support_hostile.netns())
            cert, key = certs['untrusted' if case.server == 'slow-untrusted' else 'good']
            stack.enter_context(support_hostile.hostile(ns, case.server, cases.PORT, cert, key))
        args, env = case.build(tmp_path, certs)
        ran = support_hostile.run_module(case.module, args, case.deadline + GRACE, tmp_path, ns, env)
    broken = judge(case, *ran)
    support_hostile.tally(case.klass, ran[3], not broken)
    print('%s/%s: %.2f s %s' % (case.klass, case.name, ran[3], 'held' if not broken else broken))
    assert not broken, broken


@pytest.mark.parametrize('case', cases.TREE_CASES, ids=lambda c: '%s-%s' % (c.klass, c.name))
def test_hostile_tree(case, tmp_path, certs):
    run_case(case, tmp_path, certs)


@pytest.mark.parametrize('case', cases.KUBECTL_CASES, ids=lambda c: '%s-%s' % (c.klass, c.name))
def test_hostile_kubectl(case, tmp_path, certs):
    run_case(case, tmp_path, certs)


@pytest.mark.parametrize('case', cases.NETWORK_CASES, ids=lambda c: '%s-%s' % (c.klass, c.name))
def test_hostile_network(case, tmp_path, certs):
    run_case(case, tmp_path, certs)
