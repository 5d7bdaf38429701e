"""Test-only fault injection for real worker processes (``DJANGO_EXTRA_APPS=tests.faults``).

Registers segmentation backends that misbehave on purpose; the real pipeline runs around them:

* ``test-gated``: writes ``<dir>/started-<pid>`` then waits while ``<dir>/gate`` exists (at most
  ``sleep`` seconds) before segmenting with the default model: a cut-out that is slow and
  observable, so a test can kill the worker in the middle of it.
* ``test-broken``: always raises (an unexpected bug in a backend).
* ``test-faulty``: one of those faults for photos of a given width only (see Faulty).
* ``test-hook``: calls :data:`HOOK` (in-process tests) then segments normally: lets a test run
  a revert *while* a job is inside the cut-out, deterministically.
"""
