"""The Open Spaces boards project.

`__version__` is the version in pyproject.toml, read from the installed package's metadata
(`make` installs the project itself with `pip install -e .`); /healthz and the admin's
footer show it, so that a chair can tell which release is running.
"""

from importlib.metadata import version

__version__ = version("openspaces")
