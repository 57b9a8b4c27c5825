# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubectl answering JSON of any shape (a list where an object is expected, null items, string metadata,
integer names): the cluster logic reports, it never raises. Property-based, over arbitrary JSON values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.pixie_ops.preflight.plugins.module_utils import checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster_checks as cluster_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _environments as environments

KEYS = ['items', 'metadata', 'status', 'spec', 'labels', 'name', 'nodeInfo', 'allocatable', 'memory', 'annotations',
        'providerID', 'gitVersion', 'major', 'minor', 'allowed', 'reason', 'kernelVersion', 'osImage', 'architecture',
        'operatingSystem', 'kubernetes.io/os', 'eks.amazonaws.com/compute-type',
        'storageclass.kubernetes.io/is-default-class']
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=4),
    max_leaves=14)
GROUPS = st.lists(st.one_of(st.text(max_size=8), st.none(), st.integers()), max_size=3)


@settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
@given(JSON, JSON, GROUPS, JSON, JSON)
def test_evaluate_never_raises(version, nodes, groups, storage_classes, review):
    result = cluster_checks.evaluate(version, nodes, groups, storage_classes, review)
    assert sorted(result['checks']) == sorted(cluster_checks.CHECK_IDS)
    assert all(check['status'] in checks.STATUSES for check in result['checks'].values())
    json.dumps(result)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.one_of(st.text(max_size=12), st.none()), st.lists(JSON, max_size=4), GROUPS)
def test_classify_never_raises(git_version, nodes, groups):
    environment, evidence = environments.classify_environment(git_version, nodes, groups)
    assert environment in environments.ENVIRONMENTS and all(isinstance(e, str) for e in evidence)


@pytest.mark.parametrize('nodes', [
    [],
    {'items': None},
    {'items': [None, 1, 'x', []]},
    {'items': [{'metadata': 'x', 'status': [], 'spec': 7}]},
    {'items': [{'metadata': {'name': 7, 'labels': ['a']}, 'status': {'nodeInfo': {'osImage': 3, 'kernelVersion': []}}}]},
])
def test_odd_node_lists(nodes):
    result = cluster_checks.evaluate({'gitVersion': 'v1.29.1'}, nodes, [], {'items': [None]}, [])
    assert result['checks']['k8s_version']['status'] == 'pass'
    assert result['checks']['permissions']['status'] == 'fail'
