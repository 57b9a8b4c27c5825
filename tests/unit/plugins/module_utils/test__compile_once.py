# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_compile_once: from a payload zip, each module of this package is compiled once, and is the same module
zipimport would make; everything else is left to zipimport.

Every case runs in a new interpreter, with the module_utils zipped as AnsiballZ zips them, on each target
Python this machine has (3.7 to 3.13; a missing one is skipped). The compiles are counted with the
``compile`` audit event (Python 3.8 and later; zipimport raises it as builtins.compile does).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PACKAGE = 'ansible_collections.pixie_ops.preflight.plugins.module_utils'
MODULE_UTILS = sorted(glob.glob(os.path.join(ROOT, 'plugins', 'module_utils', '*.py')))
# Every module but _compile_once, which only the finder's runs import (first, as the modules do).
NAMES = [os.path.basename(path)[:-3] for path in MODULE_UTILS
         if os.path.basename(path) not in ('__init__.py', '_compile_once.py')]


def _pythons():
    """The current interpreter, and each other target Python found on PATH or under pyenv."""
    found = {'%d.%d' % sys.version_info[:2]: sys.executable}
    roots = [os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')]
    for minor in range(7, 14):
        version = '3.%d' % minor
        candidates = sorted(glob.glob(os.path.join(roots[0], 'versions', version + '.*', 'bin', 'python' + version)))
        on_path = shutil.which('python' + version)
        if on_path and '/shims/' not in on_path:
            candidates.insert(0, on_path)
        if version not in found and candidates:
            found[version] = candidates[-1]
    return [pytest.param(found.get('3.%d' % minor), id='3.%d' % minor) for minor in range(7, 14)]


PYTHONS = _pythons()


@pytest.fixture(scope='module')
def payload(tmp_path_factory):
    """The module_utils in a zip laid out as AnsiballZ lays them out (empty package files above them)."""
    path = str(tmp_path_factory.mktemp('payload') / 'payload.zip')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        parts = PACKAGE.split('.')
        for depth in range(1, len(parts) + 1):
            archive.writestr('/'.join(parts[:depth]) + '/__init__.py', '')
        for source in MODULE_UTILS:
            archive.write(source, '/'.join(parts) + '/' + os.path.basename(source))
        # What the finder leaves to zipimport: a package inside this one, and a module inside that.
        archive.writestr('/'.join(parts) + '/sub/__init__.py', 'VALUE = "package"\n')
        archive.writestr('/'.join(parts) + '/sub/inner.py', 'VALUE = "inner"\n')
    return path


# Runs in the interpreter under test: imports the given modules from the payload, with or without the finder,
# and prints what each module is and how often each file of the payload was compiled.
PROBE = r'''
import json, linecache, sys
payload, use_finder, names = sys.argv[1], sys.argv[2] == "1", sys.argv[3].split(",")
compiled = {}
def count(event, args):
    if event == "compile" and args[1] and ".zip" in str(args[1]):
        compiled[str(args[1])] = compiled.get(str(args[1]), 0) + 1
if hasattr(sys, "addaudithook"):
    sys.addaudithook(count)
sys.path.insert(0, payload)
finders_before = len(sys.meta_path)
if use_finder:
    from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once
import importlib
modules = {}
for name in names:
    try:
        module = importlib.import_module("%s." + name)
    except ImportError as exc:
        modules[name] = {"error": type(exc).__name__}
        continue
    function = next((value for key, value in sorted(vars(module).items())
                     if getattr(value, "__module__", None) == module.__name__ and hasattr(value, "__code__")), None)
    modules[name] = {
        "file": module.__file__, "origin": module.__spec__.origin, "has_location": module.__spec__.has_location,
        "name": module.__name__, "package": module.__package__, "parent": module.__spec__.parent,
        "path": getattr(module, "__path__", None), "loader": type(module.__spec__.loader).__name__,
        "names": sorted(key for key in vars(module) if not key.startswith("__")),
        "code_file": function and function.__code__.co_filename,
        # What a traceback through the function would show as its first line.
        "source_line": function and linecache.getline(function.__code__.co_filename, function.__code__.co_firstlineno,
                                                      vars(module)).strip(),
    }
print(json.dumps({"modules": modules, "compiled": compiled, "audit": hasattr(sys, "addaudithook"),
                  "finders_added": len(sys.meta_path) - finders_before}))
''' % PACKAGE


def _run(python, payload, names, use_finder=True):
    if python is None:
        pytest.skip('this Python is not on this machine')
    done = subprocess.run([python, '-I', '-c', PROBE, payload, '1' if use_finder else '0', ','.join(names)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _payload_file(payload, name):
    return payload + '/' + PACKAGE.replace('.', '/') + '/' + name


@pytest.mark.parametrize('python', PYTHONS)
def test_each_module_is_compiled_once(python, payload):
    found = _run(python, payload, NAMES)
    without = _run(python, payload, NAMES, use_finder=False)
    assert found['finders_added'] == 1 and without['finders_added'] == 0
    assert not [name for name, module in found['modules'].items() if 'error' in module]
    assert set(module['loader'] for module in found['modules'].values()) == {'_SourceLoader'}
    if not found['audit']:
        pytest.skip('Python 3.7 has no audit hooks to count compiles with')
    ours = dict((_payload_file(payload, name + '.py'), 1) for name in NAMES)
    compiled = dict((path, count) for path, count in found['compiled'].items() if path in ours)
    assert compiled == ours
    # Without the finder, the same imports compile each file more often (twice: CPython issue 141276).
    assert all(without['compiled'].get(path, 0) > 1 for path in ours), without['compiled']


@pytest.mark.parametrize('python', PYTHONS)
def test_a_module_is_what_zipimport_would_make(python, payload):
    found = _run(python, payload, NAMES)['modules']
    expected = _run(python, payload, NAMES, use_finder=False)['modules']
    for name in NAMES:
        assert dict(found[name], loader=None) == dict(expected[name], loader=None), name
        assert found[name]['file'] == _payload_file(payload, name + '.py')
        # A traceback through the module shows its source.
        assert found[name]['source_line'] or found[name]['code_file'] is None, found[name]


@pytest.mark.parametrize('python', PYTHONS)
def test_what_is_not_a_plain_module_of_this_package_is_left_to_zipimport(python, payload, tmp_path):
    if python is None:
        pytest.skip('this Python is not on this machine')
    # A module the archive holds only compiled (for this Python).
    compiled = str(tmp_path / 'payload.zip')
    shutil.copy(payload, compiled)
    source = tmp_path / 'only_compiled.py'
    source.write_text(u'VALUE = "compiled"\n')
    done = subprocess.run([python, '-I', '-c', 'import py_compile, sys, zipfile\n'
                           'path = py_compile.compile(sys.argv[1], cfile=sys.argv[1] + "c", doraise=True)\n'
                           'zipfile.ZipFile(sys.argv[2], "a").write(path, sys.argv[3])\n',
                           str(source), compiled,
                           PACKAGE.replace('.', '/') + '/_only_compiled.pyc'],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout
    found = _run(python, compiled, ['sub', 'sub.inner', 'no_such_module', '_only_compiled'])['modules']
    assert found['no_such_module'] == {'error': 'ModuleNotFoundError'}
    assert found['_only_compiled']['loader'] == 'zipimporter' and found['_only_compiled']['names'] == ['VALUE']
    assert found['sub']['loader'] == 'zipimporter' and found['sub']['path'] == [_payload_file(compiled, 'sub')]
    assert found['sub.inner']['loader'] == 'zipimporter'
    assert found['sub.inner']['file'] == _payload_file(compiled, 'sub/inner.py')


def test_outside_a_zip_it_does_nothing(in_a_fresh_python):
    # Here (the controller, a checkout, ansible-test) the module comes from a plain file: no finder is added.
    code = ('import sys\n'
            'before = list(sys.meta_path)\n'
            'from ansible_collections.pixie_ops.preflight.plugins.module_utils import _compile_once, _node\n'
            'assert sys.meta_path == before, sys.meta_path\n'
            'assert type(_node.__spec__.loader).__name__ != "_SourceLoader"\n')
    in_a_fresh_python(code)
