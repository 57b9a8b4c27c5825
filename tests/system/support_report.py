# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading what the preflight printed and wrote: the console tables, the verdict, the JUnit file."""

from __future__ import absolute_import, division, print_function

import re
import xml.etree.ElementTree as ET

VERDICT_RE = re.compile(r'"msg": "(Pixie preflight (?:PASS|WARN|FAIL)[^"]*)"')


def tables(output):
    """Every report table the run printed, in order, each as {first column: the row's text}."""
    found = []
    rows = None
    for line in output.splitlines():
        text = line.strip().strip(',').strip('"')
        if rows is None:
            if text.startswith('host ') and ' status' in text:
                rows = {}
            continue
        if not text or text.startswith('checks:'):
            found.append(rows)
            rows = None
        elif not text.startswith('---'):
            rows[text.split()[0]] = text
    return found


def table_rows(output):
    """The one report table of a run, as {first column: the row's text}."""
    found = tables(output)
    assert len(found) == 1, 'expected one report table, found %d' % len(found)
    return found[0]


def verdicts(output):
    """The verdict lines the run printed (the assert's message)."""
    return VERDICT_RE.findall(output)


def junit_counts(path):
    """Parse a JUnit file strictly, check that its counts add up, and return the totals."""
    root = ET.parse(path).getroot()
    assert root.tag == 'testsuites'
    totals = dict.fromkeys(('tests', 'failures', 'errors', 'skipped'), 0)
    for suite in root.findall('testsuite'):
        assert suite.get('name')
        cases = suite.findall('testcase')
        assert int(suite.get('tests')) == len(cases)
        assert int(suite.get('failures')) == sum(len(case.findall('failure')) for case in cases)
        assert int(suite.get('errors')) == sum(len(case.findall('error')) for case in cases)
        assert int(suite.get('skipped')) == sum(len(case.findall('skipped')) for case in cases)
        for case in cases:
            assert case.get('classname') and case.get('name')
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        assert int(root.get(key)) == value
    return totals
