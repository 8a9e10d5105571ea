"""The reproduction's experiments: each module reads a config (``configs/<profile>/<name>.yaml``, installed
with the package), runs every configured run (cached by config hash), and writes ``results/<name>/``.
``fedad run <name>`` or ``python -m reproduce.<name>`` runs one."""
