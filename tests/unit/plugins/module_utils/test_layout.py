# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shape of module_utils: one concern per file, small files and functions, private ones marked.

A file name with a leading underscore is private to this collection (community.docker's
convention); only the public ones may be imported by other collections.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'plugins')
MODULE_UTILS = os.path.join(PLUGINS, 'module_utils')

MAX_FILE_LINES = 350
MAX_FUNCTION_LINES = 60
# Public API: the check record and Pixie's thresholds.
PUBLIC = {'checks.py', 'requirements.py'}


def _python_files(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith('.py') and f != '__init__.py')


def _source(*parts):
    with open(os.path.join(*parts)) as handle:
        return handle.read()


@pytest.mark.parametrize('name', _python_files(MODULE_UTILS))
def test_file_is_small(name):
    lines = len(_source(MODULE_UTILS, name).splitlines())
    assert lines <= MAX_FILE_LINES, '%s has %d lines: split it by concern' % (name, lines)


@pytest.mark.parametrize('folder, name', [('module_utils', f) for f in _python_files(MODULE_UTILS)]
                         + [('modules', f) for f in _python_files(os.path.join(PLUGINS, 'modules'))])
def test_functions_are_small(folder, name):
    tree = ast.parse(_source(PLUGINS, folder, name))
    long = ['%s (%d lines)' % (node.name, node.end_lineno - node.lineno + 1) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long, '%s/%s: %s' % (folder, name, ', '.join(long))


def test_private_files_are_marked():
    names = set(_python_files(MODULE_UTILS))
    assert PUBLIC <= names
    unmarked = sorted(names - PUBLIC - set(n for n in names if n.startswith('_')))
    assert not unmarked, 'not public API: name them with a leading underscore: %s' % unmarked


def test_nothing_imports_ansible_module():
    for name in _python_files(MODULE_UTILS):
        tree = ast.parse(_source(MODULE_UTILS, name))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert 'AnsibleModule' not in [alias.name for alias in node.names], name
                assert node.module != 'ansible.module_utils.basic', name


@pytest.mark.parametrize('name', _python_files(os.path.join(PLUGINS, 'modules')))
def test_each_module_imports_compile_once_before_its_other_module_utils(name):
    # On a node, _compile_once makes the module_utils imported after it compile once instead of twice.
    ours = 'ansible_collections.pixie_ops.preflight.plugins.module_utils'
    imported = []
    for node in ast.parse(_source(PLUGINS, 'modules', name)).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(ours):
            imported.extend(node.module[len(ours) + 1:] or alias.name for alias in node.names)
    assert imported and imported[0] == '_compile_once', '%s imports %s' % (name, imported)
