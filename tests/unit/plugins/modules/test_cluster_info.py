# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cluster_info through AnsibleModule: module arguments in, exit_json/fail_json out.

The cluster itself (kubectl against a replayed API server) is tested in tests/system/test_cluster_info.py;
here: the option handling, and the runs that must not need a cluster at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import yaml

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _admission
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _cluster_checks as cluster_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _environments as environments
from ansible_collections.pixie_ops.preflight.plugins.module_utils import requirements
from ansible_collections.pixie_ops.preflight.plugins.modules import cluster_facts
from ansible_collections.pixie_ops.preflight.plugins.modules import cluster_info


@pytest.fixture
def run(run_main, monkeypatch, tmp_path):
    # no kubeconfig anywhere: an empty HOME, no KUBECONFIG, not in a pod
    home = tmp_path / 'home'
    home.mkdir()
    monkeypatch.setenv('HOME', str(home))
    monkeypatch.delenv('KUBECONFIG', raising=False)
    monkeypatch.delenv('KUBERNETES_SERVICE_HOST', raising=False)

    return lambda args, module=cluster_info: run_main(module.main, args)


def _facts(result):
    assert result.kind == 'exit', result.result
    assert result.result['changed'] is False
    assert sorted(result.result) == ['changed', 'cluster']
    return result.result['cluster']


def test_no_kubeconfig_gives_unknown_checks(run):
    # any executable stands in for kubectl: with no kubeconfig it is never run
    facts = _facts(run({'kubectl': sys.executable}))
    assert facts['status'] == 'warn'
    assert facts['reachable'] is False
    assert sorted(facts['checks']) == sorted(cluster_checks.CHECK_IDS + _admission.CHECK_IDS)
    for check in facts['checks'].values():
        assert check['status'] == 'unknown'
        assert 'no kubeconfig' in check['msg'] and 'KUBECONFIG is not set' in check['msg']


def test_missing_kubeconfig_file_is_named(run, tmp_path):
    missing = str(tmp_path / 'prod.yaml')
    facts = _facts(run({'kubectl': sys.executable, 'kubeconfig': missing}))
    assert facts['checks']['k8s_version']['msg'] == 'the kubeconfig %s does not exist (option kubeconfig)' % missing


def test_no_kubectl_on_path_gives_unknown_checks(run, monkeypatch, tmp_path):
    empty = tmp_path / 'bin'
    empty.mkdir()
    monkeypatch.setenv('PATH', str(empty))
    facts = _facts(run({}))
    assert all(c['status'] == 'unknown' for c in facts['checks'].values())
    assert 'kubectl was not found on PATH' in facts['checks']['environment']['msg']


def test_kubectl_option_that_is_not_executable(run, tmp_path):
    not_exec = tmp_path / 'kubectl'
    not_exec.write_text(u'#!/bin/sh\n')
    facts = _facts(run({'kubectl': str(not_exec)}))
    assert 'does not exist or is not executable' in facts['checks']['permissions']['msg']


@pytest.mark.parametrize('args, message', [
    ({'min_k8s_version': 'latest'}, 'option min_k8s_version: not a Kubernetes version'),
    ({'min_kernel_version': 'new'}, 'option min_kernel_version: cannot find a version number'),
    ({'timeout': 0}, 'option timeout: must be at least 1 second'),
    ({'supported_architectures': []}, 'option supported_architectures: must name at least one'),
    ({'namespace': 'Pixie_NS'}, "option namespace: 'Pixie_NS' is not a namespace name"),
    ({'pem_memory_limit': 'lots'}, 'option pem_memory_limit: not a Kubernetes quantity'),
])
def test_misuse_fails_with_a_message(run, args, message):
    result = run(dict(args, kubectl=sys.executable))
    assert result.kind == 'fail'
    assert message in result.result['msg']


def test_documentation_matches_argument_spec_and_requirements(module_doc):
    doc = module_doc(cluster_info)
    options = doc['options']
    assert sorted(options) == ['admission', 'context', 'kubeconfig', 'kubectl', 'min_k8s_version',
                               'min_kernel_version', 'namespace', 'pem_memory_limit', 'supported_architectures',
                               'timeout']
    assert options['namespace']['default'] == requirements.PIXIE_NAMESPACE
    assert options['pem_memory_limit']['default'] == requirements.PEM_MEMORY_LIMIT
    assert options['min_k8s_version']['default'] == requirements.MIN_K8S_VERSION
    assert options['min_kernel_version']['default'] == requirements.MIN_KERNEL_VERSION
    assert options['supported_architectures']['default'] == requirements.SUPPORTED_ARCHITECTURES
    returned = yaml.safe_load(cluster_info.RETURN)['cluster']['contains']
    for key in ('server_version', 'version', 'environment', 'environment_evidence', 'nodes', 'checks', 'status'):
        assert key in returned
    for env in environments.ENVIRONMENTS:
        assert 'V(%s)' % env in ' '.join(returned['environment']['description'])
    yaml.safe_load(cluster_info.EXAMPLES)


def test_module_file_is_executable_python():
    path = cluster_info.__file__
    with open(path) as handle:
        assert handle.readline().startswith('#!/usr/bin/python')
    assert os.path.basename(path) == 'cluster_info.py'


def test_deprecated_cluster_facts_returns_the_same_as_a_fact(run):
    """The old name keeps working: the same result, as the pixie_cluster fact."""
    info = run({'kubectl': sys.executable})
    facts = run({'kubectl': sys.executable}, cluster_facts)
    assert facts.kind == 'exit' and facts.result['changed'] is False
    assert sorted(facts.result) == ['ansible_facts', 'changed']
    assert facts.result['ansible_facts']['pixie_cluster'] == info.result['cluster']
    failed = run({'kubectl': sys.executable, 'timeout': 0}, cluster_facts)
    assert failed.kind == 'fail' and 'option timeout' in failed.result['msg']


def test_deprecated_cluster_facts_documents_the_same_options(module_doc):
    old, new = module_doc(cluster_facts), module_doc(cluster_info)
    assert old['options'] == new['options']
    assert old['deprecated']['removed_in'] == '1.0.0'
    assert 'cluster_info' in old['deprecated']['alternative']
    assert old['attributes']['facts']['support'] == 'full' and 'facts' not in new['attributes']
