# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one version parser (module_utils/_versions): kernel releases, Kubernetes versions and
os-release VERSION_IDs, read and compared the same way."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _k8s_objects as k8s_objects
from ansible_collections.pixie_ops.preflight.plugins.module_utils import _versions as versions
from ansible_collections.pixie_ops.preflight.plugins.module_utils._errors import VersionError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures')

# --- kernel releases ------------------------------------------------------------------------------

# Kernel releases seen in the wild (the sources are in tests/fixtures/kernel_releases.txt).
RELEASES = [
    ('5.15.146+', '5.15.146'),                          # COS
    ('4.18.0-372.9.1.el8.x86_64', '4.18.0'),            # RHEL 8.6
    ('5.10.0-20-cloud-amd64', '5.10.0'),                # Debian 11 cloud kernel
    ('5.15.0-1019-aws', '5.15.0'),                      # Ubuntu 22.04 AWS kernel
    ('6.4-rc1', '6.4.0'),                               # mainline release candidate
    ('7', '7.0.0'),
    ('6.1.0.arch1-1', '6.1.0'),
    ('5.15.153.1-microsoft-standard-WSL2+', '5.15.153'),
    ('5.15.153.1-microsoft-standard-WSL2', '5.15.153'),
    ('4.19+105+deb10u4~bpo9+1', '4.19.0'),              # Debian linux-image-amd64 version style
    ('3.10.0-1160.el7.x86_64', '3.10.0'),               # CentOS 7
    ('6.18.44-fc-v769', '6.18.44'),
    (' 6.1.0-28-amd64\n', '6.1.0'),
    ('v1.27.3-gke.100', '1.27.3'),                      # the same parser reads Kubernetes versions
    # Node kernelVersion values the cluster checks read (tests/fixtures/k8s/*/nodes.json)
    ('5.10.186-179.751.amzn2.x86_64', '5.10.186'),
    ('6.12.55+', '6.12.55'),
    ('5.10.47-linuxkit', '5.10.47'),
    ('10.0.17763.2452', '10.0.17763'),                  # a Windows node's kernelVersion
]

BAD_RELEASES = ['', '   ', 'linux', '-5.10', '.5', 'rc1-6.4', '\x00', 'unknown']


def _fixture_releases():
    path = os.path.join(FIXTURES, 'kernel_releases.txt')
    if not os.path.exists(path):
        return []
    cases = []
    with open(path) as handle:
        for line in handle:
            line = line.split('#', 1)[0].rstrip('\n')
            if '\t' in line:
                release, expected = line.split('\t')[:2]
                cases.append((release.strip(), expected.strip()))
    return cases


@pytest.mark.parametrize('release, expected', RELEASES + _fixture_releases())
def test_normalize_version(release, expected):
    assert versions.normalize(release) == expected


@pytest.mark.parametrize('release', BAD_RELEASES)
def test_unparseable_release(release):
    assert versions.normalize(release) is None
    with pytest.raises(VersionError):
        versions.parse_version(release)


def test_parse_version_rejects_non_strings():
    with pytest.raises(VersionError):
        versions.parse_version(None)


@pytest.mark.parametrize('actual, minimum, result', [
    ('4.14.0', '4.14', True),
    ('4.13.16', '4.14', False),
    ('4.19+105+deb10u4~bpo9+1', '4.14', True),
    ('3.10.0-1160.el7.x86_64', '4.14', False),
    ('5.4', '5.4.0', True),
    ('10.0', '9.99', True),     # numeric, not string, comparison
    ('4.9.337', '4.14', False),
])
def test_version_at_least(actual, minimum, result):
    assert versions.at_least(actual, minimum) is result


# --- Kubernetes versions (_k8s_objects.kubernetes_version, on top of the one parser) --------------

VERSIONS = [
    # text, version, suffix, prerelease
    ('v1.27.3-gke.100', '1.27.3', '-gke.100', None),
    ('v1.27.4-eks-2d98532', '1.27.4', '-eks-2d98532', None),
    ('v1.28.2+k3s1', '1.28.2', '+k3s1', None),
    ('v1.29.1+k0s', '1.29.1', '+k0s', None),
    ('v1.25.0-rc.1', '1.25.0', '-rc.1', 'rc.1'),
    ('v1.21.14-3+e0d6a4a5b4c6f1', '1.21.14', '-3+e0d6a4a5b4c6f1', None),
    ('v1.23.3-rc.0.3+531a28b82ee021', '1.23.3', '-rc.0.3+531a28b82ee021', 'rc.0'),
    ('v1.28.6-rc2+k3s1', '1.28.6', '-rc2+k3s1', 'rc2'),
    ('v1.20.0+bd9e442', '1.20.0', '+bd9e442', None),
    ('1.16', '1.16.0', '', None),
    ('v1.16', '1.16.0', '', None),
    (' v1.15.0 ', '1.15.0', '', None),
]


@pytest.mark.parametrize('text, version, suffix, prerelease', VERSIONS)
def test_kubernetes_version(text, version, suffix, prerelease):
    parsed = k8s_objects.kubernetes_version(text)
    assert parsed['version'] == version
    assert parsed['suffix'] == suffix
    assert parsed['prerelease'] == prerelease


@pytest.mark.parametrize('text', ['', 'latest', '1', 'v1', '1.x', 'vv1.2.3', None, 127, '1.27.3 beta'])
def test_kubernetes_version_rejects(text):
    with pytest.raises(VersionError):
        k8s_objects.kubernetes_version(text)


# --- os-release VERSION_IDs -----------------------------------------------------------------------

@pytest.mark.parametrize('version, numbers', [
    ('18.04', (18, 4)), ('12', (12,)), ('2023', (2023,)), ('3139.2.0', (3139, 2, 0)), ('v1.4.5', (1, 4, 5)),
    # The leading numbers only: SUSE's VERSION ("15-SP5"; its VERSION_ID is "15.5") is 15.
    ('15-SP5', (15,)),
])
def test_os_release_versions(version, numbers):
    assert versions.parse_version(version).numbers == numbers


@pytest.mark.parametrize('version', ['', 'rolling', None])
def test_os_release_without_version(version):
    assert versions.try_parse(version) is None


@pytest.mark.parametrize('actual, minimum, result', [
    ('18.04', '18.04', True), ('18.04', '18.4', True), ('16.04', '18.04', False), ('24.04', '18.04', True),
    ('10', '10', True), ('9.4', '10', False), ('12', '10', True), ('8.6', '8', True), ('7', '8', False),
    ('105', '73', True), ('18.04.1', '18.04', True),
])
def test_os_release_comparison(actual, minimum, result):
    assert versions.at_least(actual, minimum) is result


# --- one parser for all three ---------------------------------------------------------------------

@pytest.mark.parametrize('text', ['v1.27.4-eks-2d98532', '5.15.0-1019-aws', '22.04'])
def test_one_parser_reads_every_kind(text):
    version = versions.parse_version(text)
    assert versions.normalize(text) == version.triple()
    assert versions.compare(text, version.triple()) == 0
    assert versions.compare(version, text) == 0
