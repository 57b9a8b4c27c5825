# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures for the system tests (real ansible-playbook runs, real servers on loopback)."""

from __future__ import absolute_import, division, print_function

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope='session')
def collection_root():
    """The collection tree under test (the ansible_collections/ copy when run by run-tests.sh)."""
    return os.environ.get('PIXIE_PREFLIGHT_COLLECTION') or os.path.dirname(os.path.dirname(HERE))


@pytest.fixture(scope='session')
def ansible_env(collection_root):
    """Environment for running ansible / ansible-playbook against the collection under test."""
    env = dict(os.environ)
    collections_dir = os.path.dirname(os.path.dirname(os.path.dirname(collection_root)))
    if os.path.basename(os.path.dirname(os.path.dirname(collection_root))) == 'ansible_collections':
        env['ANSIBLE_COLLECTIONS_PATH'] = collections_dir
    env['ANSIBLE_HOST_KEY_CHECKING'] = 'False'
    env['ANSIBLE_NOCOLOR'] = '1'
    env['ANSIBLE_RETRY_FILES_ENABLED'] = 'False'
    env['LC_ALL'] = 'C.UTF-8'
    env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
    return env


@pytest.fixture(scope='session')
def bin_dir():
    """Where ansible, ansible-playbook and ansible-galaxy of the test environment live."""
    return os.path.dirname(sys.executable)
