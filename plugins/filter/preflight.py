# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn what the preflight plays registered into the report."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import report as _report
from ansible_collections.pixie_ops.preflight.plugins.plugin_utils import _pod_record


def _plain(value):
    """Host variables are lazy mappings: make plain dicts of what the report reads."""
    if isinstance(value, Mapping):
        return dict((key, _plain(value[key])) for key in value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def preflight_host_record(result, after=None, remediation_error=None, node_name=None):
    """One host's record (checks, error, node facts) from what node_facts returned on it."""
    if result is not None and not isinstance(result, Mapping):
        raise AnsibleFilterError('preflight_host_record expects the registered result of node_facts, got %s'
                                 % type(result).__name__)
    if after is not None and not isinstance(after, Mapping):
        raise AnsibleFilterError('preflight_host_record: after must be a registered node_facts result or null')
    return _report.host_record(_plain(result), _plain(after), _plain(remediation_error),
                               None if node_name is None else str(node_name))


def preflight_host_records(hosts, results, node_names=None, pods=None, host_egress=None):
    """Host name -> record, from the hosts and, in the same order, their node_facts results (or records,
    or null) and their Kubernetes node names (or null). In pod mode, also what node_pods said about each
    host's pod and the egress_info results from the host network (null for a host without a pod): those
    hosts' records are made from them (``preflight_pod_record``)."""
    if not isinstance(hosts, (list, tuple)) or not isinstance(results, (list, tuple)):
        raise AnsibleFilterError('preflight_host_records expects a list of hosts and a list of their results')
    for name, values in (('node_names', node_names), ('pods', pods), ('host_egress', host_egress)):
        if values is not None and (not isinstance(values, (list, tuple)) or len(values) != len(hosts)):
            raise AnsibleFilterError('preflight_host_records: %s must be a list as long as the hosts' % name)
    if len(hosts) != len(results):
        raise AnsibleFilterError('preflight_host_records: hosts and results differ in length')
    for result in results:
        if result is not None and not isinstance(result, Mapping):
            raise AnsibleFilterError('preflight_host_records: each result must be a registered node_facts result, '
                                     'a record or null, got %s' % type(result).__name__)
    # A registered result's invocation (the module's arguments) is no part of a record: not copied.
    results = [dict((key, _plain(result[key])) for key in result if key != 'invocation')
               if isinstance(result, Mapping) else result for result in results]
    if pods is not None:
        egress = list(host_egress) if host_egress is not None else [None] * len(hosts)
        results = [preflight_pod_record(result, pod, probe) if pod is not None else result
                   for result, pod, probe in zip(results, pods, egress)]
    names = None if node_names is None else [None if name is None else str(name) for name in node_names]
    return _report.host_records([str(host) for host in hosts], results, names)


def preflight_pod_record(result, pod, host_egress=None):
    """A node's record in pod mode: why its pod did not run, or what node_facts found in it (with remedies
    for a node the preflight does not change, and the egress probe from the host network)."""
    for name, value in (('result', result), ('pod', pod), ('host_egress', host_egress)):
        if value is not None and not isinstance(value, Mapping):
            raise AnsibleFilterError('preflight_pod_record: %s must be a dict or null, got %s'
                                     % (name, type(value).__name__))
    return _pod_record.pod_record(_plain(result), _plain(pod), _plain(host_egress))


def preflight_cluster_record(result):
    """The cluster record from the registered cluster_facts result (null when it did not run)."""
    if result is not None and not isinstance(result, Mapping):
        raise AnsibleFilterError('preflight_cluster_record expects a registered result or null')
    return _report.cluster_record(_plain(result))


def preflight_report(hosts, cluster=None, skip=None, warnings_fatal=False, pending=None, hosts_pattern=None):
    """The report (table, markdown, junit, rows, problems, counts, status, failed, verdict)."""
    if not isinstance(hosts, Mapping):
        raise AnsibleFilterError('preflight_report expects a dict of host name to record, got %s'
                                 % type(hosts).__name__)
    return _build_report('preflight_report', _plain(hosts), cluster, skip, warnings_fatal, pending, hosts_pattern)


def preflight_play_report(hosts, results, node_names=None, pods=None, host_egress=None, cluster=None, skip=None,
                          warnings_fatal=False, pending=None, hosts_pattern=None, parts=None):
    """``preflight_report`` over ``preflight_host_records`` in one step, as the role builds it: the records
    go straight into the report (between two filters they would be copied and walked again), and only
    the report's ``parts`` are returned when given."""
    if parts is not None and (not isinstance(parts, (list, tuple)) or not all(isinstance(part, str) for part in parts)):
        raise AnsibleFilterError('preflight_play_report: parts must be a list of the report\'s keys')
    records = preflight_host_records(hosts, results, node_names, pods, host_egress)
    # The report files (and their markdown and junit) are rendered only when a part asks for them.
    files = parts is None or bool(set(parts) & set(_report.FILE_PARTS))
    built = _build_report('preflight_play_report', records, cluster, skip, warnings_fatal, pending, hosts_pattern,
                          files)
    if parts is None:
        return built
    unknown = [part for part in parts if part not in built]
    if unknown:
        raise AnsibleFilterError('preflight_play_report: no such part of the report: %s (it has %s)'
                                 % (', '.join(unknown), ', '.join(sorted(set(built) | set(_report.FILE_PARTS)))))
    return dict((part, built[part]) for part in parts)


def _build_report(name, records, cluster, skip, warnings_fatal, pending, hosts_pattern, files=True):
    """``_report.build_report`` on plain records, after checking the other arguments (``name`` is the filter's)."""
    if cluster is not None and not isinstance(cluster, Mapping):
        raise AnsibleFilterError('%s: cluster must be a dict or null' % name)
    if pending is not None and not isinstance(pending, (list, tuple)):
        raise AnsibleFilterError('%s: pending must be a list of host names' % name)
    return _report.build_report(records, _plain(cluster), skip=_report.skip_list(_plain(skip)),
                                warnings_fatal=bool(warnings_fatal), pending=_plain(pending),
                                hosts_pattern=hosts_pattern, files=files)


def preflight_report_json(report):
    """The machine-readable report: the summary and every record, as JSON text."""
    if not isinstance(report, Mapping) or 'rows' not in report:
        raise AnsibleFilterError('preflight_report_json expects the result of preflight_report')
    return _report.render_json(_plain(report))


class FilterModule:
    def filters(self):
        return {
            'preflight_host_record': preflight_host_record,
            'preflight_host_records': preflight_host_records,
            'preflight_cluster_record': preflight_cluster_record,
            'preflight_pod_record': preflight_pod_record,
            'preflight_report': preflight_report,
            'preflight_play_report': preflight_play_report,
            'preflight_report_json': preflight_report_json,
        }
