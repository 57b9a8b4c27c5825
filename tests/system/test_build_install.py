# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection builds into a tarball that installs and runs by FQCN from the installed copy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import subprocess
import tarfile

import pytest


@pytest.fixture(scope='module')
def installed(tmp_path_factory, collection_root, bin_dir):
    """Build the collection and install the tarball into a fresh collections path."""
    build_dir = str(tmp_path_factory.mktemp('build'))
    install_dir = str(tmp_path_factory.mktemp('installed'))
    env = _env(install_dir)
    subprocess.run([os.path.join(bin_dir, 'ansible-galaxy'), 'collection', 'build', '--output-path', build_dir,
                    collection_root], check=True, capture_output=True, env=env)
    tarballs = glob.glob(os.path.join(build_dir, 'pixie_ops-preflight-*.tar.gz'))
    assert len(tarballs) == 1
    subprocess.run([os.path.join(bin_dir, 'ansible-galaxy'), 'collection', 'install', '--force', '-p', install_dir,
                    tarballs[0]], check=True, capture_output=True, env=env)
    return tarballs[0], install_dir


def _env(install_dir):
    env = dict(os.environ)
    env['ANSIBLE_COLLECTIONS_PATH'] = install_dir
    env['ANSIBLE_NOCOLOR'] = '1'
    env.pop('PYTHONPATH', None)      # nothing may come from the checkout
    return env


def test_tarball_holds_the_collection_and_no_caches(installed):
    tarball, dummy = installed
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert 'plugins/modules/node_facts.py' in names
    assert 'plugins/module_utils/_node.py' in names
    assert 'MANIFEST.json' in names
    assert not [name for name in names if name.startswith(('.venv', '.collections', 'tests/output'))
                or '__pycache__' in name]


def test_installed_module_runs_by_fqcn(installed, bin_dir, tmp_path):
    dummy, install_dir = installed
    module_path = os.path.join(install_dir, 'ansible_collections', 'pixie_ops', 'preflight', 'plugins', 'modules',
                               'node_facts.py')
    assert os.path.isfile(module_path)
    env = _env(install_dir)
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.builtin.minimal'
    done = subprocess.run([os.path.join(bin_dir, 'ansible'), 'localhost', '-c', 'local', '-i', 'localhost,',
                           '-e', 'ansible_python_interpreter=' + os.path.join(bin_dir, 'python'),
                           '-m', 'pixie_ops.preflight.node_facts'],
                          env=env, capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    # minimal callback: "localhost | SUCCESS => {...json...}"
    result = json.loads(done.stdout.split(' => ', 1)[1])
    with open('/proc/sys/kernel/osrelease') as handle:
        assert result['ansible_facts']['pixie_node']['kernel_release'] == handle.read().strip()


def test_ansible_doc_renders(installed, bin_dir, tmp_path):
    dummy, install_dir = installed
    done = subprocess.run([os.path.join(bin_dir, 'ansible-doc'), 'pixie_ops.preflight.node_facts'],
                          env=_env(install_dir), capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert 'host_root' in done.stdout and 'tested_distributions' in done.stdout
    assert 'kernel_headers_path' in done.stdout


def test_installed_playbook_runs_by_fqcn(installed, bin_dir, tmp_path):
    """`ansible-playbook pixie_ops.preflight.preflight` from the installed copy: table, report, exit code."""
    dummy, install_dir = installed
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n'
                         % os.path.join(bin_dir, 'python'))
    base = [os.path.join(bin_dir, 'ansible-playbook'), '-i', str(inventory), 'pixie_ops.preflight.preflight',
            '-e', 'pixie_preflight_cluster_enabled=false', '-e', 'pixie_preflight_egress_enabled=false']
    # Everything that can fail on a container-like test machine is skipped: the run passes.
    passing = subprocess.run(base + ['-e', 'pixie_preflight_skip_checks=container,kernel_config,kernel_headers,'
                                           'memory,distribution,architecture,kernel_version,os,lockdown',
                                     '-e', 'pixie_preflight_report_dir=%s' % tmp_path],
                             env=_env(install_dir), capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert passing.returncode == 0, passing.stdout[-3000:] + passing.stderr
    assert 'localhost  PASS' in passing.stdout
    with open(str(tmp_path / 'preflight-report.json')) as handle:
        assert json.load(handle)['summary']['status'] == 'pass'
    # A threshold no machine meets makes it fail, with a non-zero exit.
    failing = subprocess.run(base + ['-e', 'pixie_preflight_min_kernel_version=99.0'],
                             env=_env(install_dir), capture_output=True, text=True, check=False, cwd=str(tmp_path))
    assert failing.returncode == 2, failing.stdout[-3000:]
    assert '[FAIL] kernel_version on 1 host(s): localhost' in failing.stdout
