# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the module_utils tests share."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest


@pytest.fixture
def in_a_fresh_python():
    """Runs ``code`` (with ``args`` as its sys.argv[1:]) in a new interpreter on this test's import path, so that
    what it imports is what a node run would import; fails the test with its output if it fails."""
    def run(code, *args):
        done = subprocess.run([sys.executable, '-c', code] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False,
                              env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        assert done.returncode == 0, done.stdout
    return run
