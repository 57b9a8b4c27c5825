# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public corpora with known answers (issue 10): data nobody here wrote, each with the answer its
publisher gives.

- tests/fixtures/os-release-corpus: 28 real os-release files (python-distro, which-distro,
  osv-scalibr; SOURCE.md), each with its distribution id and version;
- tests/fixtures/k8s: the API objects of 18 real clusters (README.md, SOURCE.md per directory): the
  parsed gitVersion must agree with the major and minor the same API server reports, and every
  kubeletVersion and Linux kernelVersion of their nodes must parse;
- tests/fixtures/kernel_releases.txt (real uname -r strings with their X.Y.Z) is read by test__versions.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _elf as elf
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s_objects
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node as node
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _node_checks as node_checks
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _osrelease as osrelease
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')
CORPUS = os.path.join(FIXTURES, 'os-release-corpus')
with open(os.path.join(CORPUS, 'answers.json')) as _handle:
    ANSWERS = json.load(_handle)
CLUSTERS = sorted(os.path.basename(os.path.dirname(path)) for path in glob.glob(os.path.join(FIXTURES, 'k8s', '*', 'version.json')))


def test_the_corpus_is_complete():
    files = sorted(os.path.basename(p)[:-len('.os-release')] for p in glob.glob(os.path.join(CORPUS, '*.os-release')))
    assert files == sorted(ANSWERS)
    print('os-release corpus: %d files; Kubernetes corpus: %d clusters' % (len(files), len(CLUSTERS)))


@pytest.mark.parametrize('name', sorted(ANSWERS))
def test_os_release_corpus(name):
    answer = ANSWERS[name]
    with open(os.path.join(CORPUS, name + '.os-release'), 'rb') as handle:
        fields = osrelease.parse_os_release(handle.read().decode('utf-8'))
    dist = osrelease.distribution(fields)
    assert (dist['id'], dist['version']) == (answer['id'], answer['version'])
    check = node_checks.evaluate({'distribution': dist}, node.validate_requirements({}))['distribution']
    assert check['status'] == answer['distribution_status'], check
    if answer['version'] is None:
        assert 'older' not in check['msg']
    assert (elf.tree_os(dist)[0] == 'Linux') == answer['linux']


def _json(cluster, name):
    with open(os.path.join(FIXTURES, 'k8s', cluster, name)) as handle:
        return json.load(handle)


@pytest.mark.parametrize('cluster', CLUSTERS)
def test_kubernetes_corpus_agrees_with_the_api_servers_own_major_and_minor(cluster):
    served = _json(cluster, 'version.json')
    parsed = k8s_objects.kubernetes_version(served['gitVersion'])
    assert (parsed['major'], parsed['minor']) == (int(served['major']), int(served['minor'].rstrip('+')))
    for item in _json(cluster, 'nodes.json').get('items') or []:
        info = item['status']['nodeInfo']
        kubelet = k8s_objects.kubernetes_version(info['kubeletVersion'])
        assert kubelet['major'] == parsed['major'] and abs(kubelet['minor'] - parsed['minor']) <= 3
        if info.get('operatingSystem', 'linux') == 'linux':
            assert versions.normalize(info['kernelVersion']) is not None, info['kernelVersion']
