# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight report: every node's and the cluster's checks in one table, grouped problems,
the overall verdict, and the same as JSON, JUnit XML and Markdown.

Controller-side and pure: it takes the results the modules returned and returns text.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks as chk

# Column order in the table: the node checks, the egress check, then anything else seen.
NODE_COLUMNS = ('os', 'architecture', 'kernel_version', 'distribution', 'memory', 'kernel_headers',
                'kernel_config', 'container', 'lockdown', 'egress')
CELL = {chk.PASS: 'ok', chk.WARN: 'WARN', chk.FAIL: 'FAIL', chk.UNKNOWN: '?', chk.SKIPPED: 'skip', None: '-'}
HOST_ERROR_CHECK = 'reachable'
# Every check id this collection makes (node_facts, cluster_info with admission, the report's own), for
# telling a typo in pixie_preflight_skip_checks; tests/unit/plugins/plugin_utils keeps it in step.
KNOWN_CHECK_IDS = NODE_COLUMNS + (
    'remediation', HOST_ERROR_CHECK, 'k8s_version', 'environment', 'node_kernels', 'node_architectures', 'node_os',
    'fargate_nodes', 'permissions', 'storage_class', 'admission', 'namespace_quota', 'inventory_coverage',
    'hosts_checked')


def printable(value):
    """``value`` with every control, format, surrogate or unassigned character of its strings shown
    as an escape (``\\x1b``), tabs and newlines kept: what nodes, kubectl and servers say reaches the
    terminal, the Markdown and the JUnit XML (which cannot hold such characters) as inert text."""
    if isinstance(value, str):
        if value.isprintable():
            return value
        return ''.join(char if char in '\t\n' or not unicodedata.category(char).startswith('C')
                       else (('\\x%02x' % ord(char)) if ord(char) < 0x100 else ('\\u%04x' % ord(char))
                             if ord(char) < 0x10000 else ('\\U%08x' % ord(char)))
                       for char in value)
    if isinstance(value, dict):
        return dict((printable(key), printable(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [printable(item) for item in value]
    return value


def _registered_error(result):
    """Why a registered module result holds no facts, or None when it ran."""
    if not isinstance(result, dict) or not result:
        return 'no result: the node play did not run on this host'
    if result.get('unreachable'):
        return 'unreachable: %s' % (result.get('msg') or 'no message')
    if result.get('failed') and not _node_data(result):
        # A result that carries the node's data ran: its failure was the role's signal to remediate.
        msg = result.get('msg') or 'the module failed'
        detail = result.get('module_stderr') or result.get('module_stdout') or ''
        detail = detail.strip().splitlines()[-1] if detail.strip() else ''
        return '%s%s' % (msg, (': %s' % detail) if detail and detail not in msg else '')
    if result.get('skipped'):
        return 'skipped: %s' % (result.get('skip_reason') or 'condition not met')
    return None


RECORD_KEYS = ('checks', 'error', 'node', 'node_before_remediation')


def host_record(result, after=None, remediation_error=None, node_name=None):
    """The record of one host: ``{checks, error, node, node_before_remediation, node_name}``.

    ``result`` is what node_facts returned on the host (registered, so it may be an unreachable,
    failed or skipped result), ``after`` what node_facts returned again after remediation (or
    None), ``remediation_error`` why remediation failed (or None) and ``node_name`` the host's
    Kubernetes node name. A record passed as ``result`` is returned as it is (with ``node_name``
    set when given).
    """
    if is_record(result):
        return dict(result, node_name=node_name if node_name is not None else result.get('node_name'))
    error = _registered_error(result)
    if error:
        return {'error': error, 'checks': None, 'node': None, 'node_before_remediation': None,
                'node_name': node_name}
    node = dict(result['ansible_facts']['pixie_node'])
    record = {'error': None, 'node_before_remediation': None, 'node_name': node_name}
    if isinstance(after, dict) and _registered_error(after) is None and after.get('ansible_facts'):
        record['node_before_remediation'] = node
        later = dict(after['ansible_facts']['pixie_node'])
        if 'egress' in node['checks'] and 'egress' not in later['checks']:
            later['checks'] = dict(later['checks'], egress=node['checks']['egress'])
            later['egress'] = node.get('egress')
        node = later
    checks = dict(node['checks'])
    if remediation_error:
        checks['remediation'] = chk.make_check(
            chk.FAIL, 'remediation failed: %s' % remediation_error, 'kernel headers installed',
            None, 'See the message; the kernel_headers check says what is still missing.')
    record['checks'] = checks
    record['node'] = node
    return record


def _node_data(result):
    """The node's data in a registered node_facts result, or None."""
    facts = result.get('ansible_facts')
    return facts.get('pixie_node') if isinstance(facts, dict) and isinstance(facts.get('pixie_node'), dict) else None


def is_record(value):
    """Whether ``value`` is already a record (what ``host_record`` returns)."""
    return isinstance(value, dict) and all(key in value for key in RECORD_KEYS)


def host_records(hosts, results, node_names=None):
    """Host name -> record, from parallel lists: each host's registered node_facts result (or its
    record, when remediation already made one; or None when it has neither) and its Kubernetes node
    name (None: the host name)."""
    node_names = list(node_names or [])
    node_names += [None] * (len(hosts) - len(node_names))
    return dict((host, None if result is None else host_record(result, node_name=name))
                for host, result, name in zip(hosts, results, node_names))


def cluster_record(result):
    """The cluster record from the registered result of cluster_info (its ``cluster``) or of the
    deprecated cluster_facts (its ``pixie_cluster`` fact), or None when it did not run."""
    if not isinstance(result, dict) or not result or result.get('skipped'):
        return None
    error = _registered_error(result)
    if error:
        return {'error': error, 'checks': {'cluster': chk.make_check(
            chk.FAIL, 'the cluster checks could not run: %s' % error, 'cluster_info runs', error,
            'Check kubectl and the kubeconfig on the control node.')}}
    if isinstance(result.get('cluster'), dict):
        return dict(result['cluster'])
    return dict(result['ansible_facts']['pixie_cluster'])


def coverage_check(cluster, hosts):
    """``inventory_coverage``: warn about cluster nodes that no inventory host checked."""
    nodes = [item.get('name') for item in (cluster or {}).get('nodes') or [] if isinstance(item, dict)]
    if not nodes:
        return None
    checked = set()
    for host, record in hosts.items():
        for name in (host, (record or {}).get('node_name')):
            if name:
                checked.add(name)
                checked.add(name.split('.')[0])
    missing = [name for name in nodes if name not in checked and name.split('.')[0] not in checked]
    expected = 'every cluster node is in the inventory'
    if not missing:
        return chk.make_check(chk.PASS, 'all %d cluster nodes were checked' % len(nodes), expected, len(nodes))
    return chk.make_check(
        chk.WARN, '%d of %d cluster nodes were not checked by this run: %s' % (len(missing), len(nodes),
                                                                               ', '.join(missing)),
        expected, missing,
        'Add these nodes to the inventory (or set pixie_preflight_node_name on the hosts that are them).')


def _apply_skips(checks, skip):
    return chk.skip_checks(checks or {}, skip, reason='skipped by pixie_preflight_skip_checks')


def host_row(name, result, skip):
    """One node's row: ``result`` is ``{checks, error, ...}`` as the node play records it."""
    result = result or {}
    error = result.get('error')
    if error or not result.get('checks'):
        reason = error or 'no result: the node play did not run here'
        expected = 'reachable, with Python'
        if reason == NOT_REACHED:
            remedy = NOT_REACHED_REMEDY
        elif _OPTION_ERROR.match(reason):
            expected, remedy = 'pixie_preflight_* variables node_facts can use', OPTION_REMEDY
        else:
            remedy = 'Make the host reachable over SSH with a Python interpreter, or take it out of the inventory.'
        checks = {HOST_ERROR_CHECK: chk.make_check(
            chk.FAIL, 'the checks could not run on this host: %s' % reason, expected, reason, remedy)}
    else:
        checks = _apply_skips(result['checks'], skip)
    return printable({'name': name, 'kind': 'node', 'checks': checks, 'status': chk.overall_status(checks),
                      'error': error})


def cluster_row(cluster, skip):
    checks = printable(_apply_skips((cluster or {}).get('checks') or {}, skip))
    return {'name': 'cluster', 'kind': 'cluster', 'checks': checks, 'status': chk.overall_status(checks),
            'error': None}


def group_problems(rows):
    """Every non-pass, non-skipped check; identical ones (same status, message and remedy) are one
    group, whichever hosts and check ids they come from."""
    groups = {}
    order = []
    for row in rows:
        for check_id, check in row['checks'].items():
            if check['status'] in (chk.PASS, chk.SKIPPED):
                continue
            key = (check['status'], check.get('msg'), check.get('remedy'))
            if key not in groups:
                groups[key] = {'checks': [], 'status': check['status'], 'msg': check.get('msg'),
                               'remedy': check.get('remedy'), 'expected': check.get('expected'),
                               'actual': check.get('actual'), 'hosts': []}
                order.append(key)
            group = groups[key]
            if check_id not in group['checks']:
                group['checks'].append(check_id)
            if row['name'] not in group['hosts']:
                group['hosts'].append(row['name'])
    for group in groups.values():
        group['check'] = ', '.join(group['checks'])
    severity = {chk.FAIL: 0, chk.WARN: 1, chk.UNKNOWN: 2}
    return sorted((groups[key] for key in order), key=lambda item: (severity.get(item['status'], 3), item['check']))


def unknown_skips(skip, rows):
    """The ids of ``skip`` that name no check: neither one of the report's rows nor any check this
    collection makes (a typo skips nothing, so it is said, not silently ignored)."""
    known = set(KNOWN_CHECK_IDS)
    for row in rows:
        known.update(row['checks'])
    return [item for item in skip if item not in known]


def skip_list(skip):
    """Check ids to skip, from a list or a comma-separated string (``-e pixie_preflight_skip_checks=a,b``)."""
    if not skip:
        return []
    if isinstance(skip, str):
        skip = skip.split(',')
    return [str(item).strip() for item in skip if str(item).strip()]


NOT_REACHED = ('did not reach the preflight: it failed or was unreachable earlier in this play '
               '(see the play output)')
NOT_REACHED_REMEDY = ('See the play output for this host: a task before the checks failed there (for example '
                      "the role's validation of a pixie_preflight_* variable set for this host) or the host was "
                      'unreachable. Fix that, or take the host out of the inventory.')
# How AnsibleModule refuses an option value (its argument spec's messages). The bundled playbooks skip
# Ansible's per-host validation of the role's variables, so a bad value set for one host reaches
# node_facts, which refuses it with one of these.
_OPTION_ERROR = re.compile(r"(argument '|value of |elements value for option |Unsupported parameters |"
                           r"missing required arguments|parameters are mutually exclusive)")
OPTION_REMEDY = ('A pixie_preflight_* variable set for this host has a value node_facts cannot use: the option '
                 'named is pixie_preflight_<option> (egress options: pixie_preflight_egress_<option>, '
                 'pixie_preflight_cloud_host and _port). Fix it in the host or group variables.')
HOSTS_CHECK = 'hosts_checked'


def hosts_checked_row(hosts_pattern, skip):
    """The run's own row when no node was checked at all: nothing checked is not a pass."""
    pattern = hosts_pattern if hosts_pattern not in (None, '') else 'all'
    checks = _apply_skips({HOSTS_CHECK: chk.make_check(
        chk.FAIL, 'no node was checked: pixie_preflight_hosts %r matches none of the hosts this play ran on'
        % str(pattern), 'at least one node checked', 0,
        'Point pixie_preflight_hosts at the group of your Kubernetes nodes, or run the play on them '
        '(check --limit); skip %s for a cluster-only run.' % HOSTS_CHECK)}, skip)
    return {'name': 'preflight', 'kind': 'run', 'checks': checks, 'status': chk.overall_status(checks),
            'error': None}


# The keys of the report rendered for the report files, only when they will be written.
FILE_PARTS = ('markdown', 'junit', 'files')


def build_report(hosts, cluster=None, skip=None, warnings_fatal=False, pending=None, hosts_pattern=None,
                 files=True):
    """The whole report (without its ``FILE_PARTS`` when ``files`` is false: nothing will write them).

    ``hosts`` maps every host the preflight selected in this play to its record (``{checks, error,
    node}``, see ``host_record``), or to None when it has none: such a host is left out when it is in
    ``pending`` (it waits for a later batch), and is a failed row otherwise (it failed or was
    unreachable before its record was made). ``cluster`` is the cluster record (``{checks, nodes,
    ...}``) or None when the cluster was not checked. ``hosts_pattern`` is only quoted in the
    message when no node was checked at all.
    """
    skip = skip_list(skip)
    pending = sorted(name for name in (pending or []) if hosts.get(name) is None)
    records = dict((name, record if record is not None else {'error': NOT_REACHED, 'checks': None})
                   for name, record in hosts.items() if record is not None or name not in pending)
    rows = [host_row(name, records[name], skip) for name in sorted(records)]
    if not rows and not pending:
        rows.append(hosts_checked_row(hosts_pattern, skip))
    if cluster is not None:
        coverage = coverage_check(cluster, records) if records else None
        if coverage is not None:
            cluster = dict(cluster, checks=dict(cluster.get('checks') or {}, inventory_coverage=coverage))
        rows.append(cluster_row(cluster, skip))
    columns = [column for column in NODE_COLUMNS if any(column in row['checks'] for row in rows
                                                        if row['kind'] == 'node')]
    for row in rows:
        if row['kind'] == 'node':
            columns.extend(key for key in row['checks'] if key not in columns and key != HOST_ERROR_CHECK)
    counts = dict.fromkeys((chk.PASS, chk.WARN, chk.FAIL, chk.UNKNOWN, chk.SKIPPED), 0)
    for row in rows:
        for check in row['checks'].values():
            counts[check['status']] = counts.get(check['status'], 0) + 1
    status = chk.overall_status([{'status': row['status']} for row in rows])
    failed = status == chk.FAIL or (warnings_fatal and status == chk.WARN)
    report = {
        'hosts': records,
        'pending': pending,
        'cluster': cluster,
        'status': status,
        'failed': failed,
        'warnings_fatal': bool(warnings_fatal),
        'skipped_checks': skip,
        'counts': counts,
        'columns': columns,
        'rows': rows,
        'problems': group_problems(rows),
    }
    report['unknown_skips'] = unknown_skips(skip, rows)
    report['verdict'] = verdict(report)
    report['table'] = render_table(report)
    if not files:
        return report
    report['markdown'] = render_markdown(report)
    report['junit'] = render_junit(report)
    report['files'] = {'preflight-report.json': render_json(report), 'preflight-report.xml': report['junit'],
                       'preflight-report.md': report['markdown']}
    return report


def verdict(report):
    """One line: the overall status, what it rests on, and what was not checked."""
    counts = report['counts']
    nodes = [row for row in report['rows'] if row['kind'] == 'node']
    cluster = any(row['kind'] == 'cluster' for row in report['rows'])
    scope = '%d node%s%s' % (len(nodes), '' if len(nodes) == 1 else 's', ' and the cluster' if cluster else '')
    if report['status'] == chk.PASS:
        text = 'Pixie preflight PASS: nothing blocks Pixie on the %s checked.' % scope
    elif not report['failed']:
        text = ('Pixie preflight WARN: nothing blocks Pixie on the %s checked, but %d checks warn or are '
                'unknown; see the report above.' % (scope, counts[chk.WARN] + counts[chk.UNKNOWN]))
    elif [row for row in report['rows'] if row['kind'] == 'run' and row['status'] == chk.FAIL]:
        text = 'Pixie preflight FAIL: %s; see the report above.' % next(
            row['checks'][HOSTS_CHECK]['msg'] for row in report['rows'] if row['kind'] == 'run')
    else:
        bad = [row['name'] for row in report['rows'] if row['status'] == chk.FAIL
               or (report['warnings_fatal'] and row['status'] in (chk.WARN, chk.UNKNOWN))]
        text = ('Pixie preflight %s: %d failing and %d warning or unknown checks%s, on %s of the %s checked; '
                'see the report above.' % (report['status'].upper(), counts[chk.FAIL],
                                           counts[chk.WARN] + counts[chk.UNKNOWN],
                                           ' (warnings are fatal)' if report['warnings_fatal'] else '',
                                           _some(bad), scope))
    if report['pending']:
        text += ' Not checked (a later batch that will not run): %s.' % _some(report['pending'])
    if report.get('unknown_skips'):
        text += (' pixie_preflight_skip_checks names no check %s: nothing was skipped for it (check ids: the '
                 'first column of the report).' % _some(report['unknown_skips']))
    return text


def _some(names, most=10):
    """At most ``most`` names, then how many more: a verdict stays one readable line."""
    if len(names) <= most:
        return ', '.join(names)
    return '%s and %d more' % (', '.join(names[:most]), len(names) - most)


def _cells(report, row):
    if row['kind'] == 'cluster':
        bad = [(key, value['status']) for key, value in row['checks'].items() if value['status'] != chk.PASS]
        if not bad:
            return ['all %d checks ok' % len(row['checks'])]
        if len(bad) == len(row['checks']) and set(status for dummy, status in bad) == {chk.UNKNOWN}:
            return ['all %d checks unknown (see below)' % len(bad)]
        return [', '.join('%s:%s' % (key, CELL.get(status, status)) for key, status in bad)]
    if row['kind'] == 'run':
        return [row['checks'][HOSTS_CHECK]['msg']]
    if HOST_ERROR_CHECK in row['checks']:
        return ['UNREACHABLE/ERROR: %s' % (row['error'] or 'no result')]
    return [CELL.get((row['checks'].get(column) or {}).get('status'), '-') for column in report['columns']]


def render_table(report):
    """A plain-text table: one row per node and one for the cluster, one column per check."""
    header = ['host', 'status'] + list(report['columns'])
    lines = []
    widths = [len(item) for item in header]
    body = []
    for row in report['rows']:
        cells = [row['name'], row['status'].upper()] + _cells(report, row)
        body.append(cells)
        if row['kind'] == 'node' and HOST_ERROR_CHECK not in row['checks']:
            for index, cell in enumerate(cells):
                widths[index] = max(widths[index], len(cell))
        else:
            widths[0] = max(widths[0], len(cells[0]))
    line = '  '.join(item.ljust(widths[index]) for index, item in enumerate(header))
    lines.append(line.rstrip())
    lines.append('  '.join('-' * width for width in widths))
    for cells in body:
        if len(cells) == len(header):
            lines.append('  '.join(cell.ljust(widths[index]) for index, cell in enumerate(cells)).rstrip())
        else:
            lines.append('  '.join([cells[0].ljust(widths[0]), cells[1].ljust(widths[1])] + cells[2:]).rstrip())
    lines.append('')
    counts = report['counts']
    lines.append('checks: %d pass, %d warn, %d fail, %d unknown, %d skipped; overall: %s%s' % (
        counts[chk.PASS], counts[chk.WARN], counts[chk.FAIL], counts[chk.UNKNOWN], counts[chk.SKIPPED],
        report['status'].upper(), ' (warnings are fatal)' if report['warnings_fatal'] else ''))
    if report['pending']:
        lines.append('not checked (later batches, which will not run): %s' % ', '.join(report['pending']))
    for problem in report['problems']:
        lines.append('')
        lines.append('[%s] %s on %d host(s): %s' % (
            problem['status'].upper(), problem['check'], len(problem['hosts']), ', '.join(problem['hosts'])))
        lines.append('    %s' % problem['msg'])
        if problem['remedy']:
            lines.append('    remedy: %s' % problem['remedy'])
        skippable = [item for item in problem['checks'] if item != HOST_ERROR_CHECK]
        if skippable:
            lines.append('    to skip: -e pixie_preflight_skip_checks=%s' % ','.join(skippable))
    return '\n'.join(lines)


def _md(text):
    return str(text if text is not None else '').replace('|', '\\|').replace('\n', ' ')


def render_markdown(report):
    header = ['host', 'status'] + list(report['columns'])
    lines = ['# Pixie preflight report', '', 'Overall: **%s**' % report['status'].upper(), '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for row in report['rows']:
        cells = _cells(report, row)
        cells = cells + [''] * (len(header) - 2 - len(cells))
        lines.append('| ' + ' | '.join(_md(item) for item in [row['name'], row['status']] + cells) + ' |')
    if report['problems']:
        lines.extend(['', '## Problems', ''])
        for problem in report['problems']:
            lines.append('- **%s** `%s` on %s: %s' % (
                problem['status'].upper(), problem['check'], ', '.join(problem['hosts']), _md(problem['msg'])))
            if problem['remedy']:
                lines.append('  - remedy: %s' % _md(problem['remedy']))
    if report['skipped_checks']:
        lines.extend(['', 'Skipped checks: %s' % ', '.join(report['skipped_checks'])])
    return '\n'.join(lines) + '\n'


def render_junit(report):
    """JUnit XML: one testsuite per node and one for the cluster, one testcase per check.

    fail -> <failure>; a host where the checks could not run -> <error>; skipped -> <skipped>;
    warn and unknown -> <failure> when warnings are fatal, else a passing case with the message
    in <system-out>.
    """
    suites = ET.Element('testsuites', name='pixie-preflight')
    totals = dict.fromkeys(('tests', 'failures', 'errors', 'skipped'), 0)
    for row in report['rows']:
        suite = ET.SubElement(suites, 'testsuite', name='%s %s' % (row['kind'], row['name']))
        counts = dict.fromkeys(('tests', 'failures', 'errors', 'skipped'), 0)
        for check_id, check in row['checks'].items():
            case = ET.SubElement(suite, 'testcase', classname='pixie_preflight.%s' % row['name'], name=check_id)
            counts['tests'] += 1
            text = '%s\nexpected: %s\nactual: %s\nremedy: %s' % (
                check.get('msg'), check.get('expected'), check.get('actual'), check.get('remedy'))
            status = check['status']
            if check_id == HOST_ERROR_CHECK:
                ET.SubElement(case, 'error', message=str(check.get('msg')), type='host').text = text
                counts['errors'] += 1
            elif status == chk.FAIL or (report['warnings_fatal'] and status in (chk.WARN, chk.UNKNOWN)):
                ET.SubElement(case, 'failure', message=str(check.get('msg')), type=status).text = text
                counts['failures'] += 1
            elif status == chk.SKIPPED:
                ET.SubElement(case, 'skipped', message=str(check.get('msg')))
                counts['skipped'] += 1
            elif status != chk.PASS:
                ET.SubElement(case, 'system-out').text = '%s: %s' % (status, text)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding='unicode') + '\n'


def render_json(report):
    """Everything: what the modules returned per host and for the cluster, and the report summary."""
    summary = dict((key, value) for key, value in report.items()
                   if key not in ('table', 'markdown', 'junit', 'files', 'hosts', 'cluster'))
    return json.dumps({'summary': summary, 'hosts': report['hosts'], 'cluster': report['cluster']},
                      indent=2, sort_keys=True, default=str) + '\n'
