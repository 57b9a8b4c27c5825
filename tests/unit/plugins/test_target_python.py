# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node-side code must run on the oldest target Python the supported ansible-core versions allow.

meta/runtime.yml requires ansible-core >= 2.17, whose oldest target Python is 3.7; ansible-test
sanity of a newer ansible-core only compiles for 3.8 and later, so the syntax is checked here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import glob
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NODE_SIDE = sorted(glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')) +
                   glob.glob(os.path.join(ROOT, 'plugins', 'module_utils', '*.py')))


def test_there_is_node_side_code():
    assert len(NODE_SIDE) >= 10


@pytest.mark.skipif(sys.version_info < (3, 8), reason='ast feature_version needs Python 3.8')
@pytest.mark.parametrize('path', NODE_SIDE, ids=os.path.basename)
def test_parses_as_python_3_7(path):
    with open(path) as handle:
        ast.parse(handle.read(), filename=path, feature_version=(3, 7))
