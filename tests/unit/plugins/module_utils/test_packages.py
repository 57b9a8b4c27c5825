# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _packages as packages


def dist(ident, like=''):
    return {'id': ident, 'like': like.split()}


@pytest.mark.parametrize('distribution, binaries, expected', [
    (dist('debian'), ['/usr/bin/apt-get'], 'apt'),
    (dist('ubuntu', 'debian'), ['/usr/bin/apt-get', '/usr/bin/dnf'], 'apt'),
    (dist('rhel', 'fedora'), ['/usr/bin/dnf', '/usr/bin/yum'], 'dnf'),
    (dist('centos', 'rhel fedora'), ['/usr/bin/yum'], 'yum'),
    (dist('amzn', 'centos rhel fedora'), ['/usr/bin/yum'], 'yum'),
    (dist('sles', 'suse'), ['/usr/bin/zypper'], 'zypper'),
    (dist('mariner'), ['/usr/bin/tdnf', '/usr/bin/dnf'], 'tdnf'),
    (dist('arch'), ['/usr/bin/pacman'], 'pacman'),
    (dist('cos'), ['/usr/bin/apt-get'], 'none'),          # toolbox binaries do not make COS mutable
    (dist('bottlerocket'), [], 'none'),
    (dist('flatcar'), [], 'none'),
    (dist('talos'), [], 'none'),
    (None, ['/usr/bin/zypper'], 'zypper'),                 # no os-release: the binaries decide
    (dist('linux'), [], 'none'),
    # Fedora CoreOS says ID=fedora (VARIANT_ID=coreos) and RHCOS ID=rhcos; ostree marks both.
    (dist('fedora'), ['/usr/bin/rpm', '/run/ostree-booted'], 'none'),
    (dist('fedora'), ['/usr/bin/dnf', '/usr/bin/rpm-ostree'], 'none'),
    (dist('fedora-coreos', 'fedora'), [], 'none'),
])
def test_detect_package_manager(distribution, binaries, expected):
    assert packages.detect_package_manager(distribution, lambda path: path in binaries) == expected


@pytest.mark.parametrize('manager, distribution, release, expected', [
    ('apt', dist('ubuntu', 'debian'), '5.15.0-1019-aws', ['linux-headers-5.15.0-1019-aws']),
    ('apt', dist('debian'), '6.1.0-28-cloud-amd64', ['linux-headers-6.1.0-28-cloud-amd64']),
    ('dnf', dist('rhel', 'fedora'), '4.18.0-372.9.1.el8.x86_64', ['kernel-devel-4.18.0-372.9.1.el8.x86_64']),
    ('dnf', dist('rhel', 'fedora'), '4.18.0-372.9.1.rt7.166.el8.x86_64',
     ['kernel-rt-devel-4.18.0-372.9.1.rt7.166.el8.x86_64']),
    ('dnf', dist('ol', 'fedora'), '5.15.0-200.131.27.el9uek.x86_64',
     ['kernel-uek-devel-5.15.0-200.131.27.el9uek.x86_64']),
    ('yum', dist('amzn', 'centos rhel fedora'), '5.10.205-195.807.amzn2.x86_64',
     ['kernel-devel-5.10.205-195.807.amzn2.x86_64']),
    ('dnf', dist('fedora'), '6.8.5-301.fc40.x86_64', ['kernel-devel-6.8.5-301.fc40.x86_64']),
    # RHEL-family variants (kernel.spec: kernel-<variant>-devel, version-release.arch without the "+variant").
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.x86_64', ['kernel-devel-5.14.0-362.8.1.el9_3.x86_64']),
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.x86_64+debug',
     ['kernel-debug-devel-5.14.0-362.8.1.el9_3.x86_64']),
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.x86_64+rt', ['kernel-rt-devel-5.14.0-362.8.1.el9_3.x86_64']),
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.x86_64+rt-debug',
     ['kernel-rt-debug-devel-5.14.0-362.8.1.el9_3.x86_64']),
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.aarch64+64k', ['kernel-64k-devel-5.14.0-362.8.1.el9_3.aarch64']),
    ('dnf', dist('rhel', 'fedora'), '5.14.0-362.8.1.el9_3.aarch64+64k-debug',
     ['kernel-64k-debug-devel-5.14.0-362.8.1.el9_3.aarch64']),
    ('dnf', dist('rhel', 'fedora'), '4.18.0-372.9.1.rt7.166.el8.x86_64+debug',
     ['kernel-rt-debug-devel-4.18.0-372.9.1.rt7.166.el8.x86_64']),
    ('yum', dist('centos', 'rhel fedora'), '3.10.0-1160.el7.x86_64.debug', ['kernel-debug-devel-3.10.0-1160.el7.x86_64']),
    ('dnf', dist('fedora'), '6.8.5-301.fc40.x86_64+debug', ['kernel-debug-devel-6.8.5-301.fc40.x86_64']),
    ('dnf', dist('amzn', 'fedora'), '6.1.61-85.141.amzn2023.x86_64', ['kernel-devel-6.1.61-85.141.amzn2023.x86_64']),
    # SUSE: kernel-<flavour>-devel provides "kernel-<flavour>-devel = %version-%source_rel" (kernel-binary.spec.in).
    ('zypper', dist('sles', 'suse'), '5.14.21-150500.55.39-default', ['kernel-default-devel = 5.14.21-150500.55.39']),
    ('zypper', dist('sles', 'suse'), '5.14.21-150500.33.3-azure', ['kernel-azure-devel = 5.14.21-150500.33.3']),
    ('zypper', dist('sles', 'suse'), '6.4.0-150600.10-rt', ['kernel-rt-devel = 6.4.0-150600.10']),
    ('zypper', dist('opensuse-tumbleweed', 'opensuse suse'), '6.8.1-1-default', ['kernel-default-devel = 6.8.1-1']),
    ('zypper', dist('opensuse-leap', 'suse opensuse'), '6.4.0-150600.21-kvmsmall',
     ['kernel-kvmsmall-devel = 6.4.0-150600.21']),
    ('zypper', dist('sles', 'suse'), '6.4.0', []),     # no flavour: the package cannot be named
    ('pacman', dist('arch'), '6.1.0-arch1-1', ['linux-headers']),
    ('pacman', dist('arch'), '6.6.10-1-lts', ['linux-lts-headers']),
    ('tdnf', dist('mariner'), '5.15.153.1-1.cm2', ['kernel-devel-5.15.153.1-1.cm2']),
    ('tdnf', dist('photon'), '4.19.225-3.ph3-esx', ['linux-esx-devel-4.19.225-3.ph3']),
    ('none', dist('cos'), '5.15.146+', []),
    ('apt', dist('debian'), None, []),
    ('bogus', dist('debian'), '6.1.0', []),
])
def test_headers_packages(manager, distribution, release, expected):
    assert packages.headers_packages(manager, distribution, release) == expected
