# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_facts over host_root trees captured from real distributions (tests/fixtures/nodes/*).

Each tree's SOURCE.md names where its files come from; expected.json holds what a correct
implementation must report for it, researched from the distribution's own docs and packaging.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements

NODES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'nodes')


def _nodes():
    if not os.path.isdir(NODES):
        return []
    return sorted(name for name in os.listdir(NODES) if os.path.exists(os.path.join(NODES, name, 'expected.json')))


def _load(name):
    with open(os.path.join(NODES, name, 'expected.json')) as handle:
        return json.load(handle)


def test_there_are_real_node_fixtures():
    assert len(_nodes()) >= 15


def _materialise(name, tmp_path):
    """Copy the tree and create its absolute symlinks (kept in symlinks.json, see nodes/README.md)."""
    root = str(tmp_path / name)
    shutil.copytree(os.path.join(NODES, name), root, symlinks=True)
    links = os.path.join(root, 'symlinks.json')
    if os.path.exists(links):
        with open(links) as handle:
            for path, target in json.load(handle).items():
                full = os.path.join(root, path)
                if not os.path.isdir(os.path.dirname(full)):
                    os.makedirs(os.path.dirname(full))
                os.symlink(target, full)
    return root


@pytest.mark.parametrize('name', _nodes())
def test_node_fixture(name, tmp_path):
    root = _materialise(name, tmp_path)
    expected = _load(name)
    facts = node.node_facts(root)
    checks = facts['checks']

    assert facts['distribution']['id'] == expected['distribution']['id']
    assert facts['distribution']['version_id'] == expected['distribution']['version_id']
    assert facts['kernel_release'] == expected['kernel_release']
    assert facts['kernel_version'] == expected['kernel_version']
    assert facts['architecture'] == expected['architecture']
    assert facts['package_manager'] == expected['package_manager']
    assert facts['headers_packages'] == expected['headers_packages']
    assert facts['memory_mib']['total'] == expected['memory_total_mib']
    assert (facts['kernel_config_path'] is not None) == expected['has_kernel_config']
    assert (facts['kernel_headers_path'] is not None) == expected['headers_installed']

    # The rules, from the facts the fixture really holds.
    assert checks['architecture']['status'] == ('pass' if expected['architecture'] == 'x86_64' else 'fail')
    total = expected['memory_total_mib']
    assert checks['memory']['status'] == ('pass' if total >= requirements.RECOMMENDED_MEMORY_MIB else
                                          'warn' if total >= requirements.MIN_MEMORY_MIB else 'fail')
    if facts['kernel_headers_path']:
        assert checks['kernel_headers']['status'] == 'pass'
        assert os.path.isdir(os.path.join(root, facts['kernel_headers_path'].lstrip('/')))
    else:
        assert checks['kernel_headers']['status'] == ('warn' if expected['has_kernel_config'] else 'fail')
        for package in expected['headers_packages']:
            assert package in checks['kernel_headers']['remedy']
    if not expected['has_kernel_config']:
        assert checks['kernel_config']['status'] == 'unknown'
    assert checks['container']['status'] == 'pass'
    assert facts['status'] in ('pass', 'warn', 'fail')
