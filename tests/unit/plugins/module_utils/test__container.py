# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.pixie_ops.preflight.plugins.module_utils import _container as container

# /proc/1/cgroup of pid 1 inside containers (cgroup v1), as docker, podman and Kubernetes lay them out.
CGROUPS = [
    ('12:memory:/docker/8d5f2b4c7e1a9f0b3c6d\n0::/system.slice/containerd.service\n', 'docker'),
    ('1:name=systemd:/machine.slice/libpod-3c5e7f.scope\n', 'podman'),
    ('11:cpu,cpuacct:/kubepods/burstable/pod1234/abcdef\n', 'kubernetes'),
    ('0::/lxc.payload.web01\n', 'lxc'),
    ('0::/\n', None),                                   # cgroup v2 namespace: says nothing
    ('12:memory:/user.slice\n1:name=systemd:/init.scope\n', None),
]


@pytest.mark.parametrize('text, expected', CGROUPS)
def test_container_from_cgroup(text, expected):
    assert container.container_from_cgroup(text) == expected


@pytest.mark.parametrize('environ, expected', [
    ('PATH=/usr/bin\0container=docker\0HOME=/\0', 'docker'),
    ('container=podman\0', 'podman'),
    ('container=lxc-libvirt\0', 'lxc'),
    ('HOME=/\0TERM=linux\0', None),
])
def test_container_from_environ(environ, expected):
    assert container.container_from_environ(environ) == expected


def _touch(root, path, text=''):
    full = os.path.join(root, path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'w') as handle:
        handle.write(text)


def test_detect_container_order(tmp_path):
    root = str(tmp_path)
    assert container.detect_container(root) == (None, None, None)
    _touch(root, '/.dockerenv')
    assert container.detect_container(root) == ('docker', '/.dockerenv exists', None)
    _touch(root, '/run/.containerenv')
    assert container.detect_container(root)[0] == 'podman'
    _touch(root, '/run/systemd/container', 'systemd-nspawn\n')
    assert container.detect_container(root) == ('systemd-nspawn', '/run/systemd/container says systemd-nspawn', None)


def test_detect_container_from_cgroup_only(tmp_path):
    root = str(tmp_path)
    _touch(root, '/proc/1/cgroup', '12:memory:/docker/8d5f2b4c7e1a\n')
    assert container.detect_container(root)[0] == 'docker'
