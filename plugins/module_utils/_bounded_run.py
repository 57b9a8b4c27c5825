# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pixie_ops.preflight contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a command under a deadline it cannot outlive, with bounded output.

``AnsibleModule.run_command`` waits for as long as the command runs and keeps everything it prints:
a kubectl whose exec credential plugin never returns, or an API server that trickles, would hold the
module (and the play) forever. :class:`BoundedRunner` runs the command with list arguments and
``LC_ALL=C`` in its own process group, reads its output up to a cap, and kills the whole group (the
credential plugin included) when the deadline passes or the cap is reached. Private to this
collection; standard library only (Python 3.7+).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import selectors
import signal
import subprocess
import time

# What one command may print (stdout and stderr together) before it is killed: a node list of a
# 5,000-node cluster is about 25 MB of JSON.
MAX_OUTPUT = 64 * 1024 * 1024
# The return code reported for a command that was killed or never started.
KILLED = -9


class Deadline(object):
    """One point in time that everything of a module run must finish by."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()


class BoundedRunner(object):
    """``run(args, data=None) -> (rc, stdout, stderr)``, never past ``deadline``, nor past ``limit``
    seconds a command when given; ``rc`` is KILLED and ``stderr`` says why when the command was
    killed or not started."""

    def __init__(self, deadline, limit=None, max_output=MAX_OUTPUT, environ=None):
        self.deadline = deadline
        self.limit = limit
        self.max_output = max_output
        self.environ = dict(os.environ if environ is None else environ, LC_ALL='C')

    def __call__(self, args, data=None):
        left = self.deadline.left()
        if self.limit is not None:
            left = min(left, self.limit)
        if left <= 0:
            return KILLED, '', 'not run: the module\'s deadline of %gs has passed' % self.deadline.seconds
        try:
            proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=self.environ, close_fds=True, start_new_session=True)
        except (OSError, ValueError) as exc:
            return KILLED, '', 'cannot run %s: %s' % (args[0], getattr(exc, 'strerror', None) or exc)
        try:
            why, out, err = self._collect(proc, data, time.monotonic() + left)
        finally:
            _kill(proc) if proc.poll() is None else _close(proc)
        if why:
            why = why % {'left': left, 'cap': self.max_output}
            return KILLED, out, '%s %s: killed' % (os.path.basename(args[0]), why)
        return proc.returncode, out, err

    def _collect(self, proc, data, end):
        """Feed ``data``, read both outputs until they close: ``(why it was stopped or None, out, err)``."""
        _feed(proc, data)
        chunks = {proc.stdout: [], proc.stderr: []}
        total = 0
        why = None
        with selectors.DefaultSelector() as selector:
            for pipe in chunks:
                selector.register(pipe, selectors.EVENT_READ)
            while selector.get_map() and why is None:
                left = end - time.monotonic()
                if left <= 0:
                    why = 'did not finish within %(left)gs'
                    break
                for key, dummy in selector.select(left):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    chunks[key.fileobj].append(chunk)
                    total += len(chunk)
                    if total > self.max_output:
                        why = 'printed more than %(cap)d bytes'
        if why is None:
            try:
                proc.wait(max(end - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                why = 'did not finish within %(left)gs'
        text = [b''.join(chunks[pipe]).decode('utf-8', 'replace') for pipe in (proc.stdout, proc.stderr)]
        return why, text[0], text[1]


def _feed(proc, data):
    try:
        if data is not None:
            proc.stdin.write(data.encode('utf-8') if not isinstance(data, bytes) else data)
        proc.stdin.close()
    except (OSError, ValueError):  # it exited without reading, or closed its input
        pass


def _kill(proc):
    """Kill the command's whole process group (an exec credential plugin with it) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    _close(proc)


def _close(proc):
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        try:
            pipe.close()
        except (OSError, ValueError):
            pass
